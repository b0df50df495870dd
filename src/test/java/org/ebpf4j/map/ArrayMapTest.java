package org.ebpf4j.map;

import static org.ebpf4j.map.MapFlags.*;
import static org.ebpf4j.map.TestEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.Test;

/** ARRAY and PERCPU_ARRAY against kernel/bpf/arraymap.c. */
class ArrayMapTest {

    /** array_map_alloc_check: EINVAL for the sanity checks and flags, in this order. */
    @Test
    void creationChecks() {
        assertEquals(0, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 8, 1, 0)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 8, 0, 0)), "max_entries 0");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 8, 8, 1, 0)), "key_size != 4");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 0, 1, 0)), "value_size 0");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 8, 1, BPF_F_NO_PREALLOC)), "NO_PREALLOC");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.PERCPU_ARRAY, 4, 8, 1, BPF_F_MMAPABLE)), "MMAPABLE on percpu");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 8, 1, BPF_F_PRESERVE_ELEMS)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.PERCPU_ARRAY, 4, 8, 1, BPF_F_NUMA_NODE)), "numa on percpu");
        assertEquals(0, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 8, 1, BPF_F_NUMA_NODE)), "node 0 exists");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 8, 1, BPF_F_NUMA_NODE).withNumaNode(5)));
        assertEquals(-7, MapTypes.allocCheck(MapAttr.of(MapType.PERCPU_ARRAY, 4, 32768 + 1, 1, 0)), "percpu value > 32K");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 8, 1, 0).withMapExtra(1)), "map_extra");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 8, 1, BPF_F_RDONLY | BPF_F_WRONLY)));
        assertEquals(0, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY, 4, 8, 1,
                BPF_F_MMAPABLE | BPF_F_RDONLY_PROG | BPF_F_INNER_MAP)));
        try (TestEnv t = new TestEnv(2)) {
            assertErrno(Errno.EINVAL, () -> t.create(MapAttr.of(MapType.ARRAY, 4, 8, 1, 0).withName("bad name")));
            assertErrno(Errno.ENOMEM, () -> t.create(MapAttr.of(MapType.ARRAY, 4, 1 << 20, 1 << 12, 0)));
            assertEquals(0, t.arena.allocatedBytes(), "failed creations leave nothing behind");
        }
    }

    @Test
    void updateFlagsAndRange() {
        try (TestEnv t = new TestEnv(2)) {
            BpfMap m = t.create(MapAttr.of(MapType.ARRAY, 4, 12, 4, 0));
            assertErrno(Errno.EEXIST, () -> m.update(u32(0), new byte[12], BPF_NOEXIST));
            assertErrno(Errno.E2BIG, () -> m.update(u32(4), new byte[12], BPF_ANY));
            assertErrno(Errno.EINVAL, () -> m.update(u32(0), new byte[12], 3));
            assertErrno(Errno.EINVAL, () -> m.update(u32(0), new byte[12], BPF_F_LOCK));
            assertErrno(Errno.EINVAL, () -> m.delete(u32(0)));
            assertErrno(Errno.ENOENT, () -> m.lookup(u32(4), 0));
            byte[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
            m.update(u32(3), v, BPF_EXIST);
            assertArrayEquals(v, m.lookup(u32(3), 0));
            assertArrayEquals(new byte[12], m.lookup(u32(0), 0), "elements start zeroed");
            // program path: the value address, contiguous with the others (BPF_PSEUDO_MAP_VALUE)
            long key = t.put(u32(3));
            long addr = m.lookupElem(key, 0);
            assertEquals(m.directValueAddress() + 3 * 16, addr, "elem_size is value_size rounded to 8");
            assertEquals(0x0807060504030201L, t.arena.load64(addr));
            assertEquals(0, m.lookupElem(t.put(u32(4)), 0));
            assertEquals(-7, m.updateElem(t.put(u32(9)), t.put(v), BPF_ANY, 0));
            assertEquals(-22, m.deleteElem(key, 0));
        }
    }

    /** array_map_get_next_key: NULL or out-of-range key gives 0; the last index gives ENOENT. */
    @Test
    void getNextKey() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = t.create(MapAttr.of(MapType.ARRAY, 4, 4, 3, 0));
            assertEquals(0, le32(m.getNextKey(null), 0));
            assertEquals(1, le32(m.getNextKey(u32(0)), 0));
            assertEquals(2, le32(m.getNextKey(u32(1)), 0));
            assertErrno(Errno.ENOENT, () -> m.getNextKey(u32(2)));
            assertEquals(0, le32(m.getNextKey(u32(77)), 0));
        }
    }

    /** bpf_percpu_array_copy: each CPU's value rounded to 8 bytes, CPU 0 first. */
    @Test
    void percpuLayout() {
        try (TestEnv t = new TestEnv(3)) {
            BpfMap m = t.create(MapAttr.of(MapType.PERCPU_ARRAY, 4, 4, 2, 0));
            assertEquals(24, m.syscallValueSize());
            long key = t.put(u32(1));
            for (int cpu = 0; cpu < 3; cpu++) {
                long v = m.lookupElem(key, cpu);
                t.arena.store32(v, 100 + cpu);
                assertEquals(v, m.lookupPercpuElem(key, cpu));
            }
            assertEquals(0, m.lookupPercpuElem(key, 3), "cpu >= nr_cpu_ids");
            byte[] all = m.lookup(u32(1), 0);
            for (int cpu = 0; cpu < 3; cpu++) {
                assertEquals(100 + cpu, le32(all, cpu * 8));
            }
            byte[] in = new byte[24];
            in[0] = 7;
            in[8] = 8;
            in[16] = 9;
            m.update(u32(0), in, BPF_ANY);
            assertEquals(8, t.arena.load32(m.lookupElem(t.put(u32(0)), 1)));
            assertErrno(Errno.EINVAL, () -> m.update(u32(0), in, BPF_F_LOCK));
            // the program's update writes this CPU's value only
            assertEquals(0, m.updateElem(t.put(u32(0)), t.put(u32(55)), BPF_ANY, 2));
            byte[] after = m.lookup(u32(0), 0);
            assertEquals(7, le32(after, 0));
            assertEquals(55, le32(after, 16));
            assertEquals(0, m.directValueAddress(), "no direct value access to per-CPU arrays");
        }
    }

    /** copy_map_value skips the bpf_spin_lock; lookups copy it out as zero. */
    @Test
    void spinLockWordIsNeverCopied() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = t.create(MapAttr.of(MapType.ARRAY, 4, 16, 1, 0).withSpinLockOff(0));
            long v = m.lookupElem(t.put(u32(0)), 0);
            byte[] val = new byte[16];
            java.util.Arrays.fill(val, (byte) 0x11);
            m.update(u32(0), val, BPF_F_LOCK);
            assertEquals(0, t.arena.load32(v), "lock word untouched by the copy");
            assertEquals(0x11111111L, t.arena.load32(v + 4));
            t.arena.store32(v, 0);
            byte[] out = m.lookup(u32(0), BPF_F_LOCK);
            assertEquals(0, le32(out, 0));
            assertEquals(0x11111111, le32(out, 12));
            assertErrno(Errno.EINVAL, () -> m.lookup(u32(0), 8));
        }
    }

    @Test
    void forEachAndBatch() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = t.create(MapAttr.of(MapType.ARRAY, 4, 8, 5, 0));
            for (int i = 0; i < 5; i++) {
                m.update(u32(i), u64(i * 10L), BPF_ANY);
            }
            List<Long> seen = new ArrayList<>();
            long n = m.forEachElem((map, k, v, ctx) -> {
                assertEquals(m.address(), map);
                seen.add(t.arena.load64(v));
                return t.arena.load32(k) == 2 ? 1 : 0;
            }, 0, 0, 0);
            assertEquals(3, n, "the element that stopped the walk counts");
            assertEquals(List.of(0L, 10L, 20L), seen);
            assertEquals(-22, m.forEachElem((a, b, c, d) -> 0, 0, 1, 0));

            BatchResult r = m.lookupBatch(null, 3, 0, 0);
            assertNull(r.error());
            assertEquals(3, r.count());
            assertEquals(20, le64(r.values(), 16));
            r = m.lookupBatch(r.outBatch(), 3, 0, 0);
            assertEquals(Errno.ENOENT, r.error(), "the end of the map");
            assertEquals(2, r.count());
            assertEquals(40, le64(r.values(), 8));
            assertEquals(4, le32(r.outBatch(), 0));

            byte[] keys = new byte[8];
            System.arraycopy(u32(1), 0, keys, 0, 4);
            System.arraycopy(u32(9), 0, keys, 4, 4);
            r = m.updateBatch(keys, new byte[16], 2, 0, 0);
            assertEquals(Errno.E2BIG, r.error());
            assertEquals(1, r.count());
            assertErrno(Errno.ENOTSUPP, () -> m.deleteBatch(keys, 2, 0, 0));
            assertErrno(Errno.ENOTSUPP, () -> m.lookupAndDelete(u32(0), 0));
        }
    }

    @Test
    void registryResolvesAddressesAndFreeDefersMemory() {
        try (TestEnv t = new TestEnv(1)) {
            long before = t.arena.allocatedBytes();
            BpfMap a = t.create(MapAttr.of(MapType.ARRAY, 4, 8, 10, 0));
            BpfMap b = t.create(MapAttr.of(MapType.ARRAY, 4, 8, 10, BPF_F_MMAPABLE));
            assertEquals(0, (b.directValueAddress() - org.ebpf4j.memory.Arena.BASE) % 4096, "mmap-able values are page aligned");
            assertSame(a, t.registry.byAddress(a.address()));
            assertSame(b, t.registry.byId(b.id()));
            assertNull(t.registry.byAddress(a.address() + 8));
            assertNull(t.registry.byAddress(0));
            assertEquals(b.id(), t.registry.nextId(a.id()));
            a.free();
            assertNull(t.registry.byAddress(a.address()), "the id goes at once");
            assertEquals(0, a.id());
            assertTrue(t.arena.allocatedBytes() > before + 4096, "memory stays until the grace period ends");
            b.free();
            t.quiesce();
            assertEquals(before, t.arena.allocatedBytes());
        }
    }
}
