package org.ebpf4j.vm.interp;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.VmFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every BPF_ATOMIC operation, 32 and 64 bit, with and without FETCH, and true atomicity. */
class AtomicTest extends VmFixture {
    /**
     * Memory at r1 holds {@code mem}; r2 = {@code operand}, r0 = {@code r0}; one atomic op on
     * [r1 + 8]; the program returns r2 (or r0 for cmpxchg), and the memory is checked.
     */
    record Case(String name, int size, int op, long mem, long operand, long r0, long memAfter, long result) {
        @Override public String toString() { return name; }
    }

    static List<Case> cases() {
        int W = BPF_W, DW = BPF_DW, F = BPF_FETCH;
        long big = 0x1_0000_0000L;
        return List.of(
            new Case("add64", DW, BPF_ADD, 40, 2, 0, 42, 2),
            new Case("add64 fetch", DW, BPF_ADD | F, 40, 2, 0, 42, 40),
            new Case("add32 leaves upper half", W, BPF_ADD, 0xffff_ffffL, 1, 0, 0, 1),
            new Case("add32 fetch zero-extends", W, BPF_ADD | F, 0xffff_fffeL, big | 1, 0, 0xffff_ffffL, 0xffff_fffeL),
            new Case("or64", DW, BPF_OR, 0xf0, 0x0f, 0, 0xff, 0x0f),
            new Case("or64 fetch", DW, BPF_OR | F, 0xf0, 0x0f, 0, 0xff, 0xf0),
            new Case("or32", W, BPF_OR, 0x10, 0x01, 0, 0x11, 0x01),
            new Case("or32 fetch", W, BPF_OR | F, 0x8000_0000L, 1, 0, 0x8000_0001L, 0x8000_0000L),
            new Case("and64", DW, BPF_AND, 0xff, 0x0f, 0, 0x0f, 0x0f),
            new Case("and64 fetch", DW, BPF_AND | F, -1L, 0xf0, 0, 0xf0, -1L),
            new Case("and32", W, BPF_AND, 0xff, 0x3c, 0, 0x3c, 0x3c),
            new Case("and32 fetch", W, BPF_AND | F, 0xffff_ffffL, 0xff, 0, 0xff, 0xffff_ffffL),
            new Case("xor64", DW, BPF_XOR, 0xff, 0x0f, 0, 0xf0, 0x0f),
            new Case("xor64 fetch", DW, BPF_XOR | F, 0xff, 0x0f, 0, 0xf0, 0xff),
            new Case("xor32", W, BPF_XOR, 0xff, 0xff, 0, 0, 0xff),
            new Case("xor32 fetch", W, BPF_XOR | F, 0xffff_ffffL, 1, 0, 0xffff_fffeL, 0xffff_ffffL),
            new Case("xchg64", DW, BPF_XCHG, 7, -1L, 0, -1L, 7),
            new Case("xchg32", W, BPF_XCHG, 0xffff_ffffL, 5, 0, 5, 0xffff_ffffL),
            new Case("cmpxchg64 hit", DW, BPF_CMPXCHG, 10, 20, 10, 20, 10),
            new Case("cmpxchg64 miss", DW, BPF_CMPXCHG, 10, 20, 11, 10, 10),
            new Case("cmpxchg32 compares low half of r0", W, BPF_CMPXCHG, 10, 20, big | 10, 20, 10),
            new Case("cmpxchg32 miss zero-extends old", W, BPF_CMPXCHG, 0xffff_ffffL, 1, 0, 0xffff_ffffL, 0xffff_ffffL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void atomicOp(Case c) {
        long a = arena.alloc(16);
        arena.store64(a + 8, c.size() == BPF_W ? c.mem() | 0x5555_5555_0000_0000L : c.mem());
        boolean cmpxchg = c.op() == BPF_CMPXCHG;
        Executable p = load(prog(lddw(2, c.operand()), lddw(0, c.r0()),
                ins(BPF_STX | BPF_ATOMIC | c.size(), 1, 2, 8, c.op()),
                cmpxchg ? movX(0, 0) : movX(0, 2), exit()));
        long got = p.run(a);
        assertEquals(c.result(), got, "register");
        if (c.size() == BPF_W) {
            assertEquals(c.memAfter(), arena.load32(a + 8), "memory");
            assertEquals(0x5555_5555L, arena.load32(a + 12), "bytes past the 32-bit operand untouched");
        } else {
            assertEquals(c.memAfter(), arena.load64(a + 8), "memory");
        }
    }

    @Test
    void loadAcquireAndStoreRelease() {
        long a = arena.alloc(16);
        arena.store64(a, 0x8877_6655_4433_2211L);
        for (int size : new int[] {BPF_B, BPF_H, BPF_W, BPF_DW}) {
            long got = load(prog(ins(BPF_STX | BPF_ATOMIC | size, 0, 1, 0, BPF_LOAD_ACQ), exit())).run(a);
            long mask = size == BPF_DW ? -1L : (1L << (8 * sizeBytes(size))) - 1;
            assertEquals(0x8877_6655_4433_2211L & mask, got, "load-acquire size " + sizeBytes(size));
        }
        load(prog(lddw(2, 0x0102_0304_0506_0708L), ins(BPF_STX | BPF_ATOMIC | BPF_H, 1, 2, 8, BPF_STORE_REL),
                movK(0, 0), exit())).run(a);
        assertEquals(0x0708, arena.load64(a + 8));
    }

    private static final int THREADS = 4;
    private static final int ITERATIONS = 100_000;

    /** Runs {@code p} on THREADS threads at once, each looping ITERATIONS times inside the program. */
    private void hammer(Executable p, long addr) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Callable<Long>> jobs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                jobs.add(() -> p.run(addr));
            }
            for (Future<Long> f : pool.invokeAll(jobs)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** r2 = ITERATIONS; loop: {body}; r2 -= 1; if r2 != 0 goto loop; r0 = 0; exit */
    private Executable counted(List<org.ebpf4j.isa.Insn> body) {
        List<Object> parts = new ArrayList<>();
        parts.add(movK(2, ITERATIONS));
        parts.addAll(body);
        parts.add(alu64K(BPF_SUB, 2, 1));
        parts.add(ins(BPF_JMP | BPF_JNE | BPF_K, 2, 0, -(body.size() + 2), 0));
        parts.add(movK(0, 0));
        parts.add(exit());
        return load(prog(parts.toArray()));
    }

    @Test
    void lockAddFromManyThreadsLosesNothing() throws Exception {
        long a = arena.alloc(8);
        hammer(counted(List.of(movK(3, 1), ins(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 3, 0, BPF_ADD))), a);
        assertEquals((long) THREADS * ITERATIONS, arena.load64(a));
    }

    @Test
    void fetchAdd32FromManyThreadsLosesNothing() throws Exception {
        long a = arena.alloc(8);
        hammer(counted(List.of(movK(3, 3), ins(BPF_STX | BPF_ATOMIC | BPF_W, 1, 3, 0, BPF_ADD | BPF_FETCH))), a);
        assertEquals(3L * THREADS * ITERATIONS, arena.load32(a));
    }

    @Test
    void cmpxchgLoopFromManyThreadsLosesNothing() throws Exception {
        long a = arena.alloc(8);
        // retry: r0 = *r1; r4 = r0; r3 = r0 + 1; cmpxchg(*r1, r0 -> r3); if r0 != r4 goto retry
        hammer(counted(List.of(
                ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 0, 0),
                movX(4, 0), movX(3, 0), alu64K(BPF_ADD, 3, 1),
                ins(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 3, 0, BPF_CMPXCHG),
                ins(BPF_JMP | BPF_JNE | BPF_X, 0, 4, -6, 0))), a);
        assertEquals((long) THREADS * ITERATIONS, arena.load64(a));
    }
}
