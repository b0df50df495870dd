package org.ebpf4j.map;

import static org.ebpf4j.map.MapFlags.*;
import static org.ebpf4j.map.TestEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.Test;

/** HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH against kernel/bpf/hashtab.c. */
class HashTabTest {

    /** htab_map_alloc_check, in the kernel's order. */
    @Test
    void creationChecks() {
        assertEquals(0, MapTypes.allocCheck(MapAttr.of(MapType.HASH, 4, 8, 1, BPF_F_NO_PREALLOC)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.HASH, 4, 8, 1, BPF_F_MMAPABLE)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.HASH, 4, 8, 1, BPF_F_NO_COMMON_LRU)), "not LRU");
        // observed on Linux 6.18: LRU_HASH with BPF_F_NO_PREALLOC → errno 524
        assertEquals(-524, MapTypes.allocCheck(MapAttr.of(MapType.LRU_HASH, 4, 8, 16, BPF_F_NO_PREALLOC)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.PERCPU_HASH, 4, 8, 1, BPF_F_NUMA_NODE)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.HASH, 0, 8, 1, 0)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.HASH, 4, 0, 1, 0)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.HASH, 4, 8, 0, 0)));
        assertEquals(-7, MapTypes.allocCheck(MapAttr.of(MapType.HASH, 4, 4 << 20, 1, 0)));
        assertEquals(-7, MapTypes.allocCheck(MapAttr.of(MapType.PERCPU_HASH, 4, 32769, 1, 0)));
        assertEquals(0, MapTypes.allocCheck(MapAttr.of(MapType.LRU_PERCPU_HASH, 4, 8, 1, BPF_F_NO_COMMON_LRU | BPF_F_ZERO_SEED)));
    }

    /** check_flags and the full-map E2BIG of alloc_htab_elem. */
    @Test
    void updateFlagsAndFullMap() {
        for (int flags : new int[] {0, BPF_F_NO_PREALLOC}) {
            try (TestEnv t = new TestEnv(2)) {
                BpfMap m = t.create(MapAttr.of(MapType.HASH, 4, 8, 2, flags));
                assertErrno(Errno.ENOENT, () -> m.update(u32(1), u64(1), BPF_EXIST));
                m.update(u32(1), u64(1), BPF_NOEXIST);
                assertErrno(Errno.EEXIST, () -> m.update(u32(1), u64(2), BPF_NOEXIST));
                assertErrno(Errno.EINVAL, () -> m.update(u32(1), u64(2), 3));
                assertErrno(Errno.EINVAL, () -> m.update(u32(1), u64(2), BPF_F_LOCK));
                m.update(u32(2), u64(2), BPF_ANY);
                assertErrno(Errno.E2BIG, () -> m.update(u32(3), u64(3), BPF_ANY));
                assertErrno(Errno.EEXIST, () -> m.update(u32(1), u64(3), BPF_NOEXIST));
                for (int i = 0; i < 10; i++) {   // replacing in a full map keeps working
                    m.update(u32(1), u64(100 + i), BPF_ANY);
                }
                assertEquals(109, le64(m.lookup(u32(1), 0), 0));
                assertEquals(-7, m.updateElem(t.put(u32(3)), t.put(u64(3)), BPF_ANY, 0));
                m.delete(u32(2));
                assertErrno(Errno.ENOENT, () -> m.delete(u32(2)));
                assertErrno(Errno.ENOENT, () -> m.lookup(u32(2), 0));
                m.update(u32(3), u64(3), BPF_ANY);
                assertEquals(3, le64(m.lookup(u32(3), 0), 0));
                assertEquals(0, m.lookupElem(t.put(u32(2)), 0));
                long v = m.lookupElem(t.put(u32(3)), 0);
                assertEquals(3, t.arena.load64(v));
                assertEquals(109, le64(m.lookupAndDelete(u32(1), 0), 0));
            }
        }
    }

    /**
     * With BPF_F_ZERO_SEED the order of get_next_key is jhash's bucket order, newest first in a
     * bucket. Observed on Linux 6.18 (keys 0..9 into a 16-entry u32 map; 6-byte keys; 16-byte keys).
     */
    @Test
    void zeroSeedIterationOrderMatchesLinux() {
        try (TestEnv t = new TestEnv(2)) {
            BpfMap m = t.create(MapAttr.of(MapType.HASH, 4, 8, 16, BPF_F_ZERO_SEED));
            for (int k = 0; k < 10; k++) {
                m.update(u32(k), u64(k), BPF_ANY);
            }
            List<Integer> order = new ArrayList<>();
            byte[] key = null;
            while (true) {
                try {
                    key = m.getNextKey(key);
                } catch (org.ebpf4j.uapi.BpfException e) {
                    assertEquals(Errno.ENOENT, e.errno());
                    break;
                }
                order.add(le32(key, 0));
            }
            assertEquals(List.of(4, 5, 0, 7, 2, 1, 8, 9, 6, 3), order);
            assertEquals(4, le32(m.getNextKey(u32(12345)), 0), "an unknown key restarts at the first");

            BpfMap m6 = t.create(MapAttr.of(MapType.HASH, 6, 8, 8, BPF_F_ZERO_SEED));
            for (int i = 0; i < 6; i++) {
                m6.update(new byte[] {(byte) i, (byte) (i * 3), 7, 0, 1, (byte) i}, u64(i), BPF_ANY);
            }
            List<Integer> o6 = new ArrayList<>();
            for (byte[] k = m6.getNextKey(null); ; ) {
                o6.add((int) k[0]);
                try {
                    k = m6.getNextKey(k);
                } catch (org.ebpf4j.uapi.BpfException e) {
                    break;
                }
            }
            assertEquals(List.of(5, 4, 3, 1, 0, 2), o6);

            BpfMap m16 = t.create(MapAttr.of(MapType.HASH, 16, 8, 8, BPF_F_ZERO_SEED));
            for (int i = 0; i < 6; i++) {
                byte[] k = new byte[16];
                System.arraycopy(u32(i), 0, k, 0, 4);
                System.arraycopy(u32(0xabcdef), 0, k, 4, 4);
                System.arraycopy(u32(i * 7), 0, k, 8, 4);
                System.arraycopy(u32(5), 0, k, 12, 4);
                m16.update(k, u64(i), BPF_ANY);
            }
            List<Integer> o16 = new ArrayList<>();
            for (byte[] k = m16.getNextKey(null); ; ) {
                o16.add(le32(k, 0));
                try {
                    k = m16.getNextKey(k);
                } catch (org.ebpf4j.uapi.BpfException e) {
                    break;
                }
            }
            assertEquals(List.of(2, 4, 5, 0, 3, 1), o16);
        }
    }

    /** Observed on Linux 6.18: lookup_and_delete with an unknown flag → EINVAL; missing key → ENOENT. */
    @Test
    void lookupAndDelete() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = t.create(MapAttr.of(MapType.HASH, 4, 8, 4, 0));
            m.update(u32(3), u64(33), BPF_ANY);
            assertErrno(Errno.EINVAL, () -> m.lookupAndDelete(u32(3), 8));
            assertErrno(Errno.ENOENT, () -> m.lookupAndDelete(u32(99), 0));
            assertEquals(33, le64(m.lookupAndDelete(u32(3), 0), 0));
            assertErrno(Errno.ENOENT, () -> m.lookup(u32(3), 0));
        }
    }

    /** bpf_percpu_hash_copy / pcpu_init_value: a program's insert sets its CPU, zeroes the others. */
    @Test
    void percpuValues() {
        try (TestEnv t = new TestEnv(3)) {
            BpfMap m = t.create(MapAttr.of(MapType.PERCPU_HASH, 4, 4, 4, 0));
            assertEquals(24, m.syscallValueSize());
            long key = t.put(u32(7));
            assertEquals(0, m.updateElem(key, t.put(u32(5)), BPF_ANY, 1));
            byte[] all = m.lookup(u32(7), 0);
            assertEquals(0, le32(all, 0));
            assertEquals(5, le32(all, 8));
            assertEquals(0, le32(all, 16));
            long v2 = m.lookupPercpuElem(key, 2);
            t.arena.store32(v2, 42);
            assertEquals(v2, m.lookupElem(key, 2));
            assertEquals(0, m.lookupPercpuElem(key, 3));
            assertEquals(0, m.updateElem(key, t.put(u32(6)), BPF_EXIST, 0));
            all = m.lookup(u32(7), 0);
            assertEquals(List.of(6, 5, 42), List.of(le32(all, 0), le32(all, 8), le32(all, 16)));
            assertErrno(Errno.EINVAL, () -> m.update(u32(7), new byte[24], BPF_F_LOCK));
        }
    }

    /** LRU: a full map evicts the least recently used element instead of failing. */
    @Test
    void lruEvictsLeastRecentlyUsed() {
        try (TestEnv t = new TestEnv(2)) {
            BpfMap m = t.create(MapAttr.of(MapType.LRU_HASH, 4, 8, 4, 0));
            for (int k = 0; k < 4; k++) {
                m.update(u32(k), u64(k), BPF_ANY);
            }
            // programs touch 0 and 2; 1 is then the oldest untouched
            assertNotEquals(0, m.lookupElem(t.put(u32(0)), 0));
            assertNotEquals(0, m.lookupElem(t.put(u32(2)), 0));
            assertEquals(0, m.updateElem(t.put(u32(10)), t.put(u64(10)), BPF_ANY, 0));
            assertErrno(Errno.ENOENT, () -> m.lookup(u32(1), 0));
            for (int k : new int[] {0, 2, 3, 10}) {
                assertEquals(k, le64(m.lookup(u32(k), 0), 0));
            }
            assertEquals(0, m.updateElem(t.put(u32(11)), t.put(u64(11)), BPF_ANY, 0));
            assertErrno(Errno.ENOENT, () -> m.lookup(u32(3), 0));   // the next untouched one
            assertErrno(Errno.EINVAL, () -> m.update(u32(0), u64(0), BPF_F_LOCK));
            int n = 0;
            for (byte[] k = m.getNextKey(null); ; n++) {
                try {
                    k = m.getNextKey(k);
                } catch (org.ebpf4j.uapi.BpfException e) {
                    break;
                }
            }
            assertEquals(3, n, "4 elements: never more than max_entries");
        }
    }

    /** BPF_F_NO_COMMON_LRU: max_entries rounds to the CPUs; each CPU evicts from its own list. */
    @Test
    void perCpuLru() {
        try (TestEnv t = new TestEnv(2)) {
            BpfMap m = t.create(MapAttr.of(MapType.LRU_PERCPU_HASH, 4, 8, 3, BPF_F_NO_COMMON_LRU));
            assertEquals(4, m.maxEntries());
            assertEquals(0, m.updateElem(t.put(u32(1)), t.put(u64(1)), BPF_ANY, 0));
            assertEquals(0, m.updateElem(t.put(u32(2)), t.put(u64(2)), BPF_ANY, 0));
            assertEquals(0, m.updateElem(t.put(u32(3)), t.put(u64(3)), BPF_ANY, 1));
            assertEquals(0, m.updateElem(t.put(u32(4)), t.put(u64(4)), BPF_ANY, 0));   // CPU 0's list is full: evicts 1
            assertErrno(Errno.ENOENT, () -> m.lookup(u32(1), 0));
            assertEquals(3, le64(m.lookup(u32(3), 0), 8), "CPU 1's value of key 3");
        }
    }

    @Test
    void batchesUseBucketTokens() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = t.create(MapAttr.of(MapType.HASH, 4, 8, 64, 0));
            for (int k = 0; k < 40; k++) {
                m.update(u32(k), u64(k * 2L), BPF_ANY);
            }
            assertErrno(Errno.EINVAL, () -> m.lookupBatch(null, 4, 0, 1));
            Set<Integer> seen = new HashSet<>();
            byte[] token = null;
            BatchResult r;
            do {
                r = m.lookupBatch(token, 7, 0, 0);
                for (int i = 0; i < r.count(); i++) {
                    int k = le32(r.keys(), i * 4);
                    assertEquals(k * 2L, le64(r.values(), i * 8));
                    assertTrue(seen.add(k));
                }
                token = r.outBatch();
            } while (r.ok());
            assertEquals(Errno.ENOENT, r.error());
            assertEquals(40, seen.size());

            r = m.lookupAndDeleteBatch(null, 64, 0, 0);
            assertEquals(Errno.ENOENT, r.error());
            assertEquals(40, r.count());
            assertErrno(Errno.ENOENT, () -> m.getNextKey(null));

            byte[] keys = new byte[12];
            byte[] vals = new byte[24];
            for (int i = 0; i < 3; i++) {
                System.arraycopy(u32(i), 0, keys, i * 4, 4);
            }
            assertEquals(3, m.updateBatch(keys, vals, 3, 0, 0).count());
            r = m.deleteBatch(keys, 3, 0, 0);
            assertTrue(r.ok());
            r = m.deleteBatch(keys, 3, 0, 0);
            assertEquals(Errno.ENOENT, r.error());
            assertEquals(0, r.count());
        }
    }

    @Test
    void forEachVisitsEveryElement() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = t.create(MapAttr.of(MapType.HASH, 4, 8, 16, 0));
            for (int k = 0; k < 5; k++) {
                m.update(u32(k), u64(k), BPF_ANY);
            }
            long[] sum = new long[1];
            assertEquals(5, m.forEachElem((map, k, v, ctx) -> {
                assertEquals(t.arena.load32(k), t.arena.load64(v));
                sum[0] += t.arena.load64(v);
                return 0;
            }, 0, 0, 0));
            assertEquals(10, sum[0]);
            assertEquals(1, m.forEachElem((map, k, v, ctx) -> 1, 0, 0, 0));
        }
    }

    @Test
    void spinLockedValues() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = t.create(MapAttr.of(MapType.HASH, 4, 16, 4, 0).withSpinLockOff(8));
            byte[] v = new byte[16];
            java.util.Arrays.fill(v, (byte) 0x22);
            assertErrno(Errno.ENOENT, () -> m.update(u32(1), v, BPF_F_LOCK | BPF_EXIST));
            m.update(u32(1), v, BPF_ANY);
            long addr = m.lookupElem(t.put(u32(1)), 0);
            assertEquals(0, t.arena.load32(addr + 8), "the lock word is not copied in");
            m.update(u32(1), new byte[16], BPF_F_LOCK);
            assertEquals(addr, m.lookupElem(t.put(u32(1)), 0), "F_LOCK updates in place");
            byte[] out = m.lookup(u32(1), BPF_F_LOCK);
            assertArrayEquals(new byte[16], out);
        }
    }

    @Test
    void freeReturnsAllMemory() {
        try (TestEnv t = new TestEnv(2)) {
            long before = t.arena.allocatedBytes();
            for (MapType type : new MapType[] {MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH}) {
                for (int flags : new int[] {0, BPF_F_NO_PREALLOC}) {
                    if (type == MapType.LRU_HASH && flags != 0) {
                        continue;
                    }
                    BpfMap m = t.create(MapAttr.of(type, 4, 8, 100, flags));
                    for (int k = 0; k < 100; k++) {
                        m.update(u32(k), new byte[m.syscallValueSize()], BPF_ANY);
                    }
                    for (int k = 0; k < 50; k++) {
                        m.delete(u32(k));
                    }
                    m.free();
                    t.quiesce();
                    assertEquals(before, t.arena.allocatedBytes(), type + " flags " + flags);
                }
            }
        }
    }
}
