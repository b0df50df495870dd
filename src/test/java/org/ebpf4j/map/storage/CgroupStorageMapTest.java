package org.ebpf4j.map.storage;

import static org.ebpf4j.isa.Reg.*;
import static org.ebpf4j.isa.Size.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.map.MapTypes;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Legacy CGROUP_STORAGE / PERCPU_CGROUP_STORAGE (spec §6, §10.2, seed 1, observation (d)).
 * Attach is driven here through the same calls the cgroup attach path makes
 * ({@code findOrAlloc} before, {@code link} after success), programs run through the interpreter
 * with the item's storages in the {@link CgroupStorageRunCtx}.
 */
class CgroupStorageMapTest {
    static final int INGRESS = 0;
    static final int EGRESS = 1;
    static final long P = 100;   // parent cgroup id
    static final long C1 = 101;

    private final StorageEnv t = new StorageEnv(2);
    private final CgroupStorageRunCtx runCtx = new CgroupStorageRunCtx();
    private final Interpreter vm;

    CgroupStorageMapTest() {
        HelperTable table = HelperTable.base();
        CgroupStorageMap.registerHelper(table, t.registry, runCtx);
        vm = new Interpreter(t.arena, table, Set.of(), 2);
    }

    @AfterEach
    void close() { t.close(); }

    private CgroupStorageMap map(MapType type, int keySize, int valueSize) {
        return (CgroupStorageMap) MapTypes.create(MapAttr.of(type, keySize, valueSize, 0, 0), t.env);
    }

    private static byte[] key16(long id, int atype) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(id).putInt(atype).array();
    }

    private static byte[] key8(long id) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(id).array(); }

    private static long u32At(byte[] v, int off) { return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt(off) & 0xffffffffL; }

    private static void assertErrno(Errno e, org.junit.jupiter.api.function.Executable call) {
        BpfException x = assertThrows(BpfException.class, call);
        assertEquals(e, x.errno(), x.getMessage());
    }

    /** What __cgroup_bpf_attach does for a program using {@code m}: resolve or allocate, then link. */
    private CgroupStorage attach(CgroupStorageMap m, long cg, int atype) {
        CgroupStorage s = m.findOrAlloc(cg, atype);
        assertNotNull(s);
        return m.link(s);
    }

    /** bpf_get_local_storage(map, 0); *(u32 *)(v + off) += 1; return 1 — "never NULL": no check. */
    private Executable counter(CgroupStorageMap m, int off) {
        return vm.load(new ProgramImage("cnt", Asm.program()
                .lddw(R1, m.address()).mov64(R2, 0).call(CgroupStorageMap.BPF_FUNC_get_local_storage)
                .mov64(R1, 1).atomicAdd(W, R0, off, R1).mov64(R0, 1).exit().build()));
    }

    private void runAs(CgroupStorage s, Executable p) {
        CgroupStorage[] st = new CgroupStorage[CgroupStorageRunCtx.TYPES];
        st[s.map().stype()] = s;
        runCtx.run(st, () -> p.run(0));
    }

    @Test
    void creationChecks() {
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.CGROUP_STORAGE, 4, 8, 0, 0)), "CS-C1 key 4");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.CGROUP_STORAGE, 12, 8, 0, 0)), "CS-C1 key 12");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.CGROUP_STORAGE, 16, 8, 0, MapFlags.BPF_F_NO_PREALLOC)), "CS-C2");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.CGROUP_STORAGE, 16, 8, 1, 0)), "CS-C3");
        assertEquals(-7, MapTypes.allocCheck(MapAttr.of(MapType.PERCPU_CGROUP_STORAGE, 16, 32769, 0, 0)), "CS-C4");
        assertEquals(0, MapTypes.allocCheck(MapAttr.of(MapType.PERCPU_CGROUP_STORAGE, 16, 32768, 0, 0)));
        assertEquals(-7, MapTypes.allocCheck(MapAttr.of(MapType.CGROUP_STORAGE, 8, 65408, 0, 0)));
        assertEquals(0, MapTypes.allocCheck(MapAttr.of(MapType.CGROUP_STORAGE, 8, 8, 0, MapFlags.BPF_F_RDONLY_PROG)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.CGROUP_STORAGE, 8, 8, 0,
                MapFlags.BPF_F_RDONLY_PROG | MapFlags.BPF_F_WRONLY_PROG)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.CGROUP_STORAGE, 4, 0, 1, 1)), "key size is checked first");
    }

    @Test
    void storageLivesFromAttachUntilCgroupReleaseAcrossDetach() {
        CgroupStorageMap m = map(MapType.CGROUP_STORAGE, 16, 8);
        Executable p = counter(m, 0);
        CgroupStorage s = attach(m, P, EGRESS);                                              // CS-A1
        assertArrayEquals(new byte[8], m.lookup(key16(P, EGRESS), 0), "zeroed");
        assertErrno(Errno.ENOENT, () -> m.lookup(key16(P, INGRESS), 0));
        runAs(s, p);
        runAs(s, p);
        // CS-A2: detach frees nothing (the attach point keeps no reference; the map keeps the storage)
        assertEquals(2, u32At(m.lookup(key16(P, EGRESS), 0), 0));
        m.update(key16(P, EGRESS), new byte[] {(byte) 0xe8, 3, 0, 0, 0, 0, 0, 0}, MapFlags.BPF_ANY);   // 1000
        // CS-A3: re-attach (same or another program using the map) reuses it: 1000 became 1001
        CgroupStorage again = attach(m, P, EGRESS);
        assertSame(s, again);
        runAs(again, counter(m, 0));
        assertEquals(1001, u32At(m.lookup(key16(P, EGRESS), 0), 0));
        // CS-A6: the cgroup goes → the storage goes
        attach(m, C1, EGRESS);
        m.cgroupReleased(P);
        assertErrno(Errno.ENOENT, () -> m.lookup(key16(P, EGRESS), 0));
        assertArrayEquals(key16(C1, EGRESS), m.getNextKey(null));
        assertErrno(Errno.ENOENT, () -> m.getNextKey(key16(C1, EGRESS)));
    }

    @Test
    void isolatedVersusSharedKeysAsObserved() {   // observation (d), CS-A4, cg_storage_multi
        CgroupStorageMap typed = map(MapType.CGROUP_STORAGE, 16, 8);
        CgroupStorageMap shared = map(MapType.CGROUP_STORAGE, 8, 8);
        CgroupStorage te = attach(typed, P, EGRESS);
        CgroupStorage ti = attach(typed, P, INGRESS);
        CgroupStorage se = attach(shared, P, EGRESS);
        CgroupStorage si = attach(shared, P, INGRESS);
        assertNotSame(te, ti);
        assertSame(se, si, "8-byte key: one storage per cgroup across attach types");
        Executable egT = counter(typed, 0);
        Executable inT = counter(typed, 4);
        Executable egS = counter(shared, 0);
        Executable inS = counter(shared, 4);
        // sends from children c1 and c2 run the parent's items: 5 egress + 5 ingress
        for (int i = 0; i < 5; i++) {
            runAs(te, egT);
            runAs(ti, inT);
            runAs(se, egS);
            runAs(si, inS);
        }
        byte[] sv = shared.lookup(key8(P), 0);
        assertEquals(5, u32At(sv, 0));
        assertEquals(5, u32At(sv, 4));
        assertEquals(5, u32At(typed.lookup(key16(P, EGRESS), 0), 0));
        assertEquals(0, u32At(typed.lookup(key16(P, EGRESS), 0), 4));
        assertEquals(0, u32At(typed.lookup(key16(P, INGRESS), 0), 0));
        assertEquals(5, u32At(typed.lookup(key16(P, INGRESS), 0), 4));
        assertErrno(Errno.ENOENT, () -> shared.lookup(key8(C1), 0));                   // CS-A5: the child has none
        attach(shared, C1, EGRESS);
        assertArrayEquals(new byte[8], shared.lookup(key8(C1), 0), "attaching at c1 creates shared_st[c1] at once");
    }

    @Test
    void userSpaceAccess() {
        CgroupStorageMap m = map(MapType.CGROUP_STORAGE, 16, 8);
        attach(m, P, EGRESS);
        assertErrno(Errno.EINVAL, () -> m.update(key16(P, EGRESS), new byte[8], MapFlags.BPF_NOEXIST));   // CS-U1
        m.update(key16(P, EGRESS), new byte[8], MapFlags.BPF_EXIST);
        assertErrno(Errno.ENOENT, () -> m.update(key16(C1, EGRESS), new byte[8], MapFlags.BPF_ANY));        // CS-U2
        assertErrno(Errno.EINVAL, () -> m.delete(key16(P, EGRESS)));                                         // CS-U3
        assertErrno(Errno.EINVAL, () -> m.update(key16(P, EGRESS), new byte[8], MapFlags.BPF_F_LOCK));       // no spin lock
        // CS-N1: most recently linked first; the last → ENOENT; unknown → ENOENT
        attach(m, C1, INGRESS);
        assertArrayEquals(key16(C1, INGRESS), m.getNextKey(null));
        assertArrayEquals(key16(P, EGRESS), m.getNextKey(key16(C1, INGRESS)));
        assertErrno(Errno.ENOENT, () -> m.getNextKey(key16(P, EGRESS)));
        assertErrno(Errno.ENOENT, () -> m.getNextKey(key16(999, EGRESS)));
        assertErrno(Errno.ENOTSUPP, () -> m.lookupBatch(null, 4, 0, 0));
        assertErrno(Errno.ENOTSUPP, () -> m.lookupAndDelete(key16(P, EGRESS), 0));
    }

    @Test
    void updateWithoutLockReplacesTheBufferAndStaleWritesAreLost() {
        CgroupStorageMap m = map(MapType.CGROUP_STORAGE, 8, 8);
        CgroupStorage s = attach(m, P, EGRESS);
        long old = s.data(0);
        m.update(key8(P), new byte[] {7, 0, 0, 0, 0, 0, 0, 0}, MapFlags.BPF_ANY);
        assertNotEquals(old, s.data(0), "xchg of a new buffer");
        t.arena.store32(old, 99);   // a program that fetched the old pointer before the swap
        assertEquals(7, u32At(m.lookup(key8(P), 0), 0));
    }

    @Test
    void percpuStorageHasOneSlotPerCpu() {
        CgroupStorageMap m = map(MapType.PERCPU_CGROUP_STORAGE, 16, 4);
        CgroupStorage s = attach(m, P, EGRESS);
        assertEquals(16, m.syscallValueSize(), "round_up(4, 8) * 2 cpus");
        t.arena.store32(s.data(1), 5);
        byte[] v = m.lookup(key16(P, EGRESS), 0);
        assertEquals(0, u32At(v, 0));
        assertEquals(5, u32At(v, 8));
        assertErrno(Errno.EINVAL, () -> m.update(key16(P, EGRESS), new byte[16], MapFlags.BPF_NOEXIST));
        assertErrno(Errno.EINVAL, () -> m.update(key16(P, EGRESS), new byte[16], MapFlags.BPF_F_LOCK));
        m.update(key16(P, EGRESS), new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}, MapFlags.BPF_EXIST);
        assertEquals(2, t.arena.load32(s.data(1)), "in place, per CPU");
    }

    @Test
    void oneMapPerStorageTypePerProgram() {   // CS-V1
        CgroupStorageMap a = map(MapType.CGROUP_STORAGE, 16, 8);
        CgroupStorageMap b = map(MapType.CGROUP_STORAGE, 16, 8);
        CgroupStorageMap pc = map(MapType.PERCPU_CGROUP_STORAGE, 16, 8);
        CgroupStorageMap[] ok = CgroupStorageMap.assign(List.of(a, pc, a));
        assertSame(a, ok[CgroupStorageRunCtx.SHARED]);
        assertSame(pc, ok[CgroupStorageRunCtx.PERCPU]);
        assertErrno(Errno.EBUSY, () -> CgroupStorageMap.assign(List.of(a, b)));
    }

    @Test
    void testRunGetsFreshStorageEachCall() {   // CS-T1
        CgroupStorageMap m = map(MapType.CGROUP_STORAGE, 16, 8);
        CgroupStorage attached = attach(m, P, EGRESS);
        Executable p = counter(m, 0);
        runAs(attached, p);
        for (int call = 0; call < 2; call++) {
            CgroupStorage fresh = m.allocUnlinked(0, EGRESS);
            long seen = runCtx.run(new CgroupStorage[] {fresh, null}, () -> {
                p.run(0);
                p.run(0);   // repeat 2: shared across the repeats of one call
                return t.arena.load32(fresh.data(0));
            });
            assertEquals(2, seen, "call " + call + " starts from zero");
            m.freeUnlinked(fresh);
        }
        assertEquals(1, u32At(m.lookup(key16(P, EGRESS), 0), 0), "the attached storage is untouched");
        assertArrayEquals(key16(P, EGRESS), m.getNextKey(null), "test-run storages are never linked");
        assertErrno(Errno.ENOENT, () -> m.getNextKey(key16(P, EGRESS)));
    }

    @Test
    void mapFreeFreesEveryStorage() {   // CS-A7
        long base = t.arena.allocatedBytes();
        CgroupStorageMap m = map(MapType.CGROUP_STORAGE, 16, 64);
        for (long cg = 1; cg <= 20; cg++) {
            attach(m, cg, EGRESS);
            attach(m, cg, INGRESS);
        }
        m.update(key16(3, EGRESS), new byte[64], 0);   // one swapped buffer pending its grace period
        m.free();
        t.quiesce();
        assertEquals(base, t.arena.allocatedBytes());
    }
}
