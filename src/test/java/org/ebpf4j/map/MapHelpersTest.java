package org.ebpf4j.map;

import static org.ebpf4j.isa.Reg.*;
import static org.ebpf4j.isa.Size.*;
import static org.ebpf4j.map.MapFlags.*;
import static org.ebpf4j.map.MapHelpers.*;
import static org.ebpf4j.map.TestEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every map helper, called from programs run by the interpreter (kernel/bpf/helpers.c, ringbuf.c). */
class MapHelpersTest {
    private static final int CPUS = 4;
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final TestEnv t = new TestEnv(CPUS);
    private final HelperTable table = HelperTable.base();
    private final Interpreter vm;

    MapHelpersTest() {
        MapHelpers.register(table, t.registry);
        vm = new Interpreter(t.arena, table, Set.of(), CPUS);
    }

    @AfterEach
    void close() { t.close(); }

    private Executable load(Asm a) { return vm.load(new ProgramImage("test", a.build())); }

    /** r2 = &u32 key on the stack at fp-4 (key value {@code k}), r1 = map. */
    private static Asm keyOnStack(Asm a, BpfMap m, int k) {
        return a.st(W, R10, -4, k).mov64(R2, R10).add64(R2, -4).lddw(R1, m.address());
    }

    /** lookup(key 0) → if NULL return 1; atomic add 1 to the u64 at value+0; return 0. */
    private Executable lookupAndAdd(BpfMap m) {
        return load(keyOnStack(Asm.program(), m, 0)
                .call(BPF_FUNC_map_lookup_elem)
                .jne(R0, 0, "hit").mov64(R0, 1).exit()
                .label("hit").mov64(R1, 1).atomicAdd(DW, R0, 0, R1)
                .mov64(R0, 0).exit());
    }

    private static void onThreads(int n, Callable<Void> body) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(n);
        try {
            List<Future<Void>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(ex.submit(body));
            }
            for (Future<Void> f : fs) {
                f.get();
            }
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void lookupThenAtomicAddFromFourThreadsIsExact() throws Exception {
        final int rounds = 10_000;
        for (MapType type : new MapType[] {MapType.ARRAY, MapType.HASH}) {
            BpfMap m = t.create(MapAttr.of(type, 4, 8, 4, 0));
            m.update(u32(0), u64(0), BPF_ANY);
            Executable p = lookupAndAdd(m);
            onThreads(4, () -> {
                for (int i = 0; i < rounds; i++) {
                    assertEquals(0, p.run(0));
                }
                return null;
            });
            assertEquals(4L * rounds, le64(m.lookup(u32(0), 0), 0), type.toString());
        }
    }

    @Test
    void updateAndDeleteReturnTheMapsErrno() {
        BpfMap m = t.create(MapAttr.of(MapType.HASH, 4, 8, 4, 0));
        Executable update = load(Asm.program()
                .st(DW, R10, -16, 42)
                .st(W, R10, -4, 7).mov64(R2, R10).add64(R2, -4)
                .mov64(R3, R10).add64(R3, -16)
                .lddw(R1, m.address()).mov64(R4, (int) BPF_NOEXIST)
                .call(BPF_FUNC_map_update_elem).exit());
        Executable delete = load(keyOnStack(Asm.program(), m, 7).call(BPF_FUNC_map_delete_elem).exit());
        assertEquals(0, update.run(0));
        assertEquals(42, le64(m.lookup(u32(7), 0), 0));
        assertEquals(Errno.EEXIST.negative(), update.run(0), "r0 is the sign-extended -EEXIST");
        assertEquals(0, delete.run(0));
        assertErrno(Errno.ENOENT, () -> m.lookup(u32(7), 0));
        assertEquals(Errno.ENOENT.negative(), delete.run(0));
    }

    @Test
    void pushPeekPopOnAQueue() {
        BpfMap q = t.create(MapAttr.of(MapType.QUEUE, 0, 8, 4, 0));
        // push 11, push 22; r6 = peek; r7 = pop; r8 = pop; r9 = pop's -errno on empty
        Executable p = load(Asm.program()
                .st(DW, R10, -8, 11).lddw(R1, q.address()).mov64(R2, R10).add64(R2, -8).mov64(R3, 0)
                .call(BPF_FUNC_map_push_elem)
                .st(DW, R10, -8, 22).lddw(R1, q.address()).mov64(R2, R10).add64(R2, -8).mov64(R3, 0)
                .call(BPF_FUNC_map_push_elem)
                .lddw(R1, q.address()).mov64(R2, R10).add64(R2, -16).call(BPF_FUNC_map_peek_elem)
                .ldx(DW, R6, R10, -16)
                .lddw(R1, q.address()).mov64(R2, R10).add64(R2, -16).call(BPF_FUNC_map_pop_elem)
                .ldx(DW, R7, R10, -16)
                .lddw(R1, q.address()).mov64(R2, R10).add64(R2, -16).call(BPF_FUNC_map_pop_elem)
                .ldx(DW, R8, R10, -16)
                .lddw(R1, q.address()).mov64(R2, R10).add64(R2, -16).call(BPF_FUNC_map_pop_elem)
                .mov64(R9, R0).neg64(R9)
                .lsh64(R7, 8).lsh64(R8, 16).lsh64(R9, 24)
                .mov64(R0, R6).or64(R0, R7).or64(R0, R8).or64(R0, R9).exit());
        assertEquals(11 | 11 << 8 | 22 << 16 | (long) Errno.ENOENT.value() << 24, p.run(0));
        assertErrno(Errno.ENOENT, () -> q.lookup(null, 0));
    }

    /**
     * for_each_map_elem with a callback summing values into the caller's stack and stopping
     * (returning 1) at key {@code stopAt}; returns count * 1e6 + sum.
     */
    private Executable forEach(BpfMap m, int stopAt, int flags) {
        return load(Asm.program()
                .st(DW, R10, -8, 0)
                .lddw(R1, m.address()).ldFunc(R2, "cb").mov64(R3, R10).add64(R3, -8).mov64(R4, flags)
                .call(BPF_FUNC_for_each_map_elem)
                .jsge(R0, 0, "ok").exit()
                .label("ok").mul64(R0, 1_000_000).ldx(DW, R1, R10, -8).add64(R0, R1).exit()
                // long cb(struct bpf_map *map, u32 *key, u64 *value, u64 *ctx)
                .label("cb").ldx(DW, R5, R3, 0).ldx(DW, R0, R4, 0).add64(R0, R5).stx(DW, R4, 0, R0)
                .ldx(W, R5, R2, 0).mov64(R0, 0).jne(R5, stopAt, "cont").mov64(R0, 1)
                .label("cont").exit());
    }

    @Test
    void forEachMapElemCountsAndStopsEarly() {
        BpfMap arr = t.create(MapAttr.of(MapType.ARRAY, 4, 8, 10, 0));
        BpfMap hash = t.create(MapAttr.of(MapType.HASH, 4, 8, 16, 0));
        long sum = 0;
        for (int i = 0; i < 10; i++) {
            arr.update(u32(i), u64((long) i * i), BPF_ANY);
            sum += (long) i * i;
        }
        for (int i = 0; i < 6; i++) {
            hash.update(u32(100 + i), u64(i + 1), BPF_ANY);
        }
        assertEquals(10 * 1_000_000L + sum, forEach(arr, -1, 0).run(0));
        assertEquals(4 * 1_000_000L + 0 + 1 + 4 + 9, forEach(arr, 3, 0).run(0), "the stopping element counts");
        assertEquals(Errno.EINVAL.negative(), forEach(arr, -1, 1).run(0), "flags must be 0");
        assertEquals(6 * 1_000_000L + 21, forEach(hash, -1, 0).run(0));
        long stopped = forEach(hash, 102, 0).run(0);
        assertTrue(stopped / 1_000_000 >= 1 && stopped / 1_000_000 <= 6, "stopped after key 102: " + stopped);
        assertTrue(stopped / 1_000_000 < 6 || hashLastIs(hash, 102));
    }

    /** Whether 102 is the last key in the hash map's iteration order (then no early stop is visible). */
    private static boolean hashLastIs(BpfMap hash, int key) {
        byte[] k = hash.getNextKey(null);
        byte[] last = k;
        while (k != null) {
            last = k;
            try {
                k = hash.getNextKey(k);
            } catch (org.ebpf4j.uapi.BpfException e) {
                k = null;
            }
        }
        return le32(last, 0) == key;
    }

    @Test
    void lookupPercpuElemReadsTheNamedCpu() {
        BpfMap m = t.create(MapAttr.of(MapType.PERCPU_ARRAY, 4, 8, 2, 0));
        byte[] all = new byte[8 * CPUS];
        for (int c = 0; c < CPUS; c++) {
            System.arraycopy(u64((c + 1) * 100L), 0, all, 8 * c, 8);
        }
        m.update(u32(1), all, BPF_ANY);
        for (long cpu : new long[] {0, 2, 3, 4, 0x1_0000_0002L, -1}) {
            Executable p = load(keyOnStack(Asm.program(), m, 1).lddw(R3, cpu)
                    .call(BPF_FUNC_map_lookup_percpu_elem)
                    .jne(R0, 0, "hit").mov64(R0, -1).exit()
                    .label("hit").ldx(DW, R0, R0, 0).exit());
            int c = (int) cpu;   // the prototype's u32
            long want = c >= 0 && c < CPUS ? (c + 1) * 100L : -1;
            assertEquals(want, p.run(0), "cpu 0x" + Long.toHexString(cpu));
        }
    }

    @Test
    void spinLockProtectsATwoFieldUpdateAcrossThreads() throws Exception {
        final int rounds = 20_000;
        // value: struct { struct bpf_spin_lock lock; u32 pad; u64 a; u64 b; }
        BpfMap m = t.create(MapAttr.of(MapType.HASH, 4, 24, 4, 0).withSpinLockOff(0));
        m.update(u32(0), new byte[24], BPF_ANY);
        Executable p = load(keyOnStack(Asm.program(), m, 0)
                .call(BPF_FUNC_map_lookup_elem)
                .jne(R0, 0, "hit").mov64(R0, 1).exit()
                .label("hit").mov64(R6, R0)
                .mov64(R1, R6).call(BPF_FUNC_spin_lock)
                .ldx(DW, R1, R6, 8).ldx(DW, R2, R6, 16)
                .mov64(R0, R1).sub64(R0, R2).neg64(R0)     // r0 = b - a: 0 if no one saw half an update
                .add64(R1, 1).stx(DW, R6, 8, R1)
                .add64(R2, 1).stx(DW, R6, 16, R2)
                .mov64(R7, R0)
                .mov64(R1, R6).call(BPF_FUNC_spin_unlock)
                .mov64(R0, R7).exit());
        onThreads(4, () -> {
            for (int i = 0; i < rounds; i++) {
                assertEquals(0, p.run(0), "a and b differed inside the lock");
            }
            return null;
        });
        byte[] v = m.lookup(u32(0), BPF_F_LOCK);
        assertEquals(4L * rounds, le64(v, 8));
        assertEquals(4L * rounds, le64(v, 16));
        assertEquals(0, le32(v, 0), "the lock word reads as 0 from user space");
    }

    @Test
    void ringbufReserveSubmitDiscardOutputQueryFromPrograms() {
        BpfMap rb = t.create(MapAttr.of(MapType.RINGBUF, 0, 0, 4096, 0));
        Executable reserveSubmit = load(Asm.program()
                .lddw(R1, rb.address()).mov64(R2, 16).mov64(R3, 0).call(BPF_FUNC_ringbuf_reserve)
                .jne(R0, 0, "ok").mov64(R0, 1).exit()
                .label("ok").mov64(R6, R0).st(DW, R6, 0, 0x1234).st(DW, R6, 8, 5)
                .mov64(R1, R6).mov64(R2, 0).call(BPF_FUNC_ringbuf_submit).mov64(R0, 0).exit());
        Executable reserveDiscard = load(Asm.program()
                .lddw(R1, rb.address()).mov64(R2, 8).mov64(R3, 0).call(BPF_FUNC_ringbuf_reserve)
                .jne(R0, 0, "ok").mov64(R0, 1).exit()
                .label("ok").st(DW, R0, 0, 99)
                .mov64(R1, R0).mov64(R2, (int) BPF_RB_NO_WAKEUP).call(BPF_FUNC_ringbuf_discard).mov64(R0, 0).exit());
        Executable reserveWithFlags = load(Asm.program()
                .lddw(R1, rb.address()).mov64(R2, 8).mov64(R3, 1).call(BPF_FUNC_ringbuf_reserve).exit());
        Executable output = load(Asm.program()
                .st(DW, R10, -8, 77)
                .lddw(R1, rb.address()).mov64(R2, R10).add64(R2, -8).mov64(R3, 8).mov64(R4, 0)
                .call(BPF_FUNC_ringbuf_output).exit());
        Executable outputBadFlags = load(Asm.program()
                .lddw(R1, rb.address()).mov64(R2, R10).add64(R2, -8).mov64(R3, 8).mov64(R4, 4)
                .call(BPF_FUNC_ringbuf_output).exit());
        assertEquals(0, reserveSubmit.run(0));
        assertEquals(0, reserveDiscard.run(0));
        assertEquals(0, reserveWithFlags.run(0), "reserve with flags gives NULL");
        assertEquals(0, output.run(0));
        assertEquals(Errno.EINVAL.negative(), outputBadFlags.run(0));
        long[] q = new long[4];
        for (int f = 0; f < 4; f++) {
            q[f] = load(Asm.program().lddw(R1, rb.address()).mov64(R2, f).call(BPF_FUNC_ringbuf_query).exit()).run(0);
        }
        assertArrayEquals(new long[] {24 + 16 + 16, 4096, 0, 56}, q, "avail, size, cons, prod");
        List<Long> got = new ArrayList<>();
        int n = new RingBufConsumer(rb, (s, len) -> {
            for (int i = 0; i < len; i += 8) {
                got.add(s.get(LE64, i));
            }
            return 0;
        }).consume();
        assertEquals(2, n);
        assertEquals(List.of(0x1234L, 5L, 77L), got, "the discarded record is skipped");
        assertEquals(56, load(Asm.program().lddw(R1, rb.address()).mov64(R2, (int) BPF_RB_CONS_POS)
                .call(BPF_FUNC_ringbuf_query).exit()).run(0));
        // full ring (at most size - 1 bytes in flight: 255 records of 16): output -EAGAIN, reserve NULL
        for (int i = 0; i < 4095 / 16; i++) {
            assertEquals(0, output.run(0));
        }
        assertEquals(Errno.EAGAIN.negative(), output.run(0));
        assertEquals(1, reserveSubmit.run(0));
    }

    /** r1 that is no map (the verifier would refuse the program): NULL or -EINVAL, never a crash. */
    @Test
    void pointersThatAreNoMapGiveNullOrEinval() {
        BpfMap arr = t.create(MapAttr.of(MapType.ARRAY, 4, 8, 1, 0));
        long notAMap = t.put(new byte[64]);
        for (long bogus : new long[] {0, 12345, notAMap, arr.address() + 8}) {
            assertEquals(0, load(keyOnStack(Asm.program(), arr, 0).lddw(R1, bogus)
                    .call(BPF_FUNC_map_lookup_elem).exit()).run(0));
            assertEquals(Errno.EINVAL.negative(), load(keyOnStack(Asm.program(), arr, 0).lddw(R1, bogus)
                    .mov64(R3, R2).mov64(R4, 0).call(BPF_FUNC_map_update_elem).exit()).run(0));
            assertEquals(Errno.EINVAL.negative(), load(keyOnStack(Asm.program(), arr, 0).lddw(R1, bogus)
                    .call(BPF_FUNC_map_delete_elem).exit()).run(0));
            assertEquals(Errno.EINVAL.negative(), load(Asm.program().lddw(R1, bogus).mov64(R2, R10).add64(R2, -8)
                    .mov64(R3, 0).call(BPF_FUNC_map_pop_elem).exit()).run(0));
        }
        // ring buffer helpers on an ARRAY, submit of a pointer that is no record, lock on a bad address
        assertEquals(0, load(Asm.program().lddw(R1, arr.address()).mov64(R2, 8).mov64(R3, 0)
                .call(BPF_FUNC_ringbuf_reserve).exit()).run(0));
        assertEquals(Errno.EINVAL.negative(), load(Asm.program().lddw(R1, arr.address()).mov64(R2, R10).add64(R2, -8)
                .mov64(R3, 8).mov64(R4, 0).call(BPF_FUNC_ringbuf_output).exit()).run(0));
        assertEquals(0, load(Asm.program().st(DW, R10, -16, 0).mov64(R1, R10).add64(R1, -8).mov64(R2, 0)
                .call(BPF_FUNC_ringbuf_submit).exit()).run(0));
        assertEquals(0, load(Asm.program().lddw(R1, 7).call(BPF_FUNC_spin_lock)
                .lddw(R1, 7).call(BPF_FUNC_spin_unlock).exit()).run(0));
        assertEquals(Errno.EOPNOTSUPP.negative(), load(keyOnStack(Asm.program(), arr, 0)
                .mov64(R3, 0).call(BPF_FUNC_map_push_elem).exit()).run(0), "ARRAY has no push op");
    }
}
