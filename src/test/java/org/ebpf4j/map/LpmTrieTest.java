package org.ebpf4j.map;

import static org.ebpf4j.map.MapFlags.*;
import static org.ebpf4j.map.TestEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.Test;

/** BPF_MAP_TYPE_LPM_TRIE (kernel/bpf/lpm_trie.c), checked against a brute-force longest match. */
class LpmTrieTest {

    private static BpfMap trie(TestEnv t, int dataSize, int maxEntries) {
        return t.create(MapAttr.of(MapType.LPM_TRIE, 4 + dataSize, 4, maxEntries, BPF_F_NO_PREALLOC));
    }

    /** struct bpf_lpm_trie_key_u8: u32 prefixlen (host order), then data. */
    private static byte[] key(int prefixlen, byte... data) {
        byte[] k = new byte[4 + data.length];
        System.arraycopy(u32(prefixlen), 0, k, 0, 4);
        System.arraycopy(data, 0, k, 4, data.length);
        return k;
    }

    private static byte[] v4(int prefixlen, int a, int b, int c, int d) {
        return key(prefixlen, (byte) a, (byte) b, (byte) c, (byte) d);
    }

    private static byte[] v6(int prefixlen, int... groups) {
        byte[] d = new byte[16];
        for (int i = 0; i < groups.length; i++) {
            d[2 * i] = (byte) (groups[i] >>> 8);
            d[2 * i + 1] = (byte) groups[i];
        }
        return key(prefixlen, d);
    }

    private static int lookup(BpfMap m, byte[] k) { return le32(m.lookup(k, 0), 0); }

    private static String str(byte[] k) { return le32(k, 0) + ":" + Arrays.toString(Arrays.copyOfRange(k, 4, k.length)); }

    /** The key with the data bits past prefixlen cleared: one name per trie entry. */
    private static byte[] canonical(byte[] k) {
        int pl = le32(k, 0);
        for (int i = pl; i < (k.length - 4) * 8; i++) {
            k[4 + i / 8] &= (byte) ~(0x80 >>> (i % 8));
        }
        return k;
    }

    private static boolean bit(byte[] k, int i) { return (k[4 + i / 8] & (0x80 >>> (i % 8))) != 0; }

    /** Does prefix {@code p} (a key) contain key {@code k}'s first p.prefixlen bits, with p.prefixlen <= k.prefixlen? */
    private static boolean contains(byte[] p, byte[] k) {
        int pl = le32(p, 0);
        if (pl > le32(k, 0)) {
            return false;
        }
        for (int i = 0; i < pl; i++) {
            if (bit(p, i) != bit(k, i)) {
                return false;
            }
        }
        return true;
    }

    /** The value the longest prefix in {@code entries} containing {@code k} maps to, or null. */
    private static Integer bruteForce(Map<String, Integer> values, Map<String, byte[]> entries, byte[] k) {
        byte[] best = null;
        for (byte[] p : entries.values()) {
            if (contains(p, k) && (best == null || le32(p, 0) > le32(best, 0))) {
                best = p;
            }
        }
        return best == null ? null : values.get(str(best));
    }

    @Test
    void createChecks() {
        try (TestEnv t = new TestEnv(1)) {
            trie(t, 1, 1);
            trie(t, 256, 1);
            assertErrno(Errno.EINVAL, () -> t.create(MapAttr.of(MapType.LPM_TRIE, 8, 4, 16, 0)));   // needs NO_PREALLOC
            assertErrno(Errno.EINVAL, () -> trie(t, 0, 16));
            assertErrno(Errno.EINVAL, () -> trie(t, 257, 16));
            assertErrno(Errno.EINVAL, () -> trie(t, 4, 0));
            assertErrno(Errno.EINVAL, () -> t.create(MapAttr.of(MapType.LPM_TRIE, 8, 0, 16, BPF_F_NO_PREALLOC)));
            assertErrno(Errno.EINVAL, () -> t.create(MapAttr.of(MapType.LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC | BPF_F_MMAPABLE)));
            assertErrno(Errno.EINVAL, () -> t.create(MapAttr.of(MapType.LPM_TRIE, 8, 4, 16,
                    BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)));
            assertErrno(Errno.EINVAL, () -> t.create(MapAttr.of(MapType.LPM_TRIE, 8,
                    (int) LpmTrieMap.VAL_SIZE_MAX + 1, 16, BPF_F_NO_PREALLOC)));
        }
    }

    /** The four-node example at the top of lpm_trie.c, plus 10/8 and lookups with a shorter prefixlen. */
    @Test
    void ipv4LongestMatch() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = trie(t, 4, 16);
            m.update(v4(16, 192, 168, 0, 0), u32(1), BPF_ANY);
            m.update(v4(24, 192, 168, 0, 0), u32(2), BPF_ANY);
            m.update(v4(24, 192, 168, 128, 0), u32(3), BPF_ANY);
            m.update(v4(24, 192, 168, 1, 0), u32(5), BPF_ANY);
            m.update(v4(8, 10, 0, 0, 0), u32(7), BPF_ANY);
            assertEquals(2, lookup(m, v4(32, 192, 168, 0, 1)));
            assertEquals(5, lookup(m, v4(32, 192, 168, 1, 200)));
            assertEquals(1, lookup(m, v4(32, 192, 168, 2, 1)));
            assertEquals(3, lookup(m, v4(32, 192, 168, 128, 9)));
            assertEquals(7, lookup(m, v4(32, 10, 9, 8, 7)));
            assertEquals(1, lookup(m, v4(16, 192, 168, 0, 1)), "the key's prefixlen caps the match");
            assertEquals(2, lookup(m, v4(24, 192, 168, 0, 255)));
            assertErrno(Errno.ENOENT, () -> m.lookup(v4(32, 192, 169, 0, 1), 0));
            assertErrno(Errno.ENOENT, () -> m.lookup(v4(15, 192, 168, 0, 1), 0));
            assertErrno(Errno.ENOENT, () -> m.lookup(v4(33, 192, 168, 0, 1), 0));
            // program path: the same answers through arena keys
            long k = t.put(v4(32, 192, 168, 1, 7));
            long v = m.lookupElem(k, 0);
            assertEquals(5, t.arena.load32(v));
            assertEquals(0, m.lookupElem(t.put(v4(32, 11, 0, 0, 0)), 0));
            assertEquals(0, m.lookupElem(t.put(v4(-1, 10, 0, 0, 0)), 0), "prefixlen is u32: 0xffffffff > 32");
        }
    }

    @Test
    void ipv6LongestMatchWithDefaultRoute() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = trie(t, 16, 16);
            m.update(v6(32, 0x2001, 0xdb8), u32(32), BPF_ANY);
            m.update(v6(48, 0x2001, 0xdb8, 1), u32(48), BPF_ANY);
            m.update(v6(64, 0x2001, 0xdb8, 1, 2), u32(64), BPF_ANY);
            m.update(v6(128, 0x2001, 0xdb8, 1, 2, 0, 0, 0, 5), u32(128), BPF_ANY);
            assertErrno(Errno.ENOENT, () -> m.lookup(v6(128, 0x3000), 0));
            m.update(v6(0), u32(0), BPF_ANY);
            assertEquals(128, lookup(m, v6(128, 0x2001, 0xdb8, 1, 2, 0, 0, 0, 5)));
            assertEquals(64, lookup(m, v6(128, 0x2001, 0xdb8, 1, 2, 0, 0, 0, 6)));
            assertEquals(48, lookup(m, v6(128, 0x2001, 0xdb8, 1, 3, 0, 0, 0, 1)));
            assertEquals(32, lookup(m, v6(128, 0x2001, 0xdb8, 0xffff)));
            assertEquals(0, lookup(m, v6(128, 0x3000)));
            assertEquals(0, lookup(m, v6(128, 0x2001, 0xdb9)));
        }
    }

    @Test
    void updateFlagsAndFullMap() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = trie(t, 4, 2);
            m.update(v4(16, 10, 1, 0, 0), u32(1), BPF_NOEXIST);
            assertErrno(Errno.EEXIST, () -> m.update(v4(16, 10, 1, 0, 0), u32(9), BPF_NOEXIST));
            assertErrno(Errno.ENOENT, () -> m.update(v4(16, 10, 2, 0, 0), u32(9), BPF_EXIST));
            assertErrno(Errno.EINVAL, () -> m.update(v4(16, 10, 2, 0, 0), u32(9), 3));
            assertErrno(Errno.EINVAL, () -> m.update(v4(33, 10, 2, 0, 0), u32(9), BPF_ANY));
            assertErrno(Errno.EINVAL, () -> m.update(v4(16, 10, 2, 0, 0), u32(9), BPF_F_LOCK));
            m.update(v4(16, 10, 1, 0, 0), u32(2), BPF_EXIST);
            assertEquals(2, lookup(m, v4(32, 10, 1, 2, 3)));
            m.update(v4(16, 10, 2, 0, 0), u32(3), BPF_ANY);
            // Linux 6.18 answers ENOSPC for a full trie (checked with bpftool on this machine)
            assertErrno(Errno.ENOSPC, () -> m.update(v4(16, 10, 3, 0, 0), u32(4), BPF_ANY));
            assertErrno(Errno.ENOSPC, () -> m.update(v4(8, 10, 0, 0, 0), u32(4), BPF_ANY));   // not even into an IM slot
            m.update(v4(16, 10, 2, 0, 0), u32(5), BPF_ANY);   // replacing needs no room
            assertEquals(5, lookup(m, v4(32, 10, 2, 0, 0)));
            long k = t.put(v4(16, 10, 9, 0, 0));
            assertEquals(Errno.ENOSPC.negative(), m.updateElem(k, t.put(u32(1)), BPF_ANY, 0));
            assertEquals(Errno.EINVAL.negative(), m.deleteElem(t.put(v4(40, 0, 0, 0, 0)), 0));
        }
    }

    /** lpm_trie.c's comment: get_next_key gives more specific keys first (post-order). */
    @Test
    void getNextKeyWalksPostOrder() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = trie(t, 4, 16);
            assertErrno(Errno.ENOENT, () -> m.getNextKey(null));
            m.update(v4(16, 192, 168, 0, 0), u32(1), BPF_ANY);
            m.update(v4(24, 192, 168, 0, 0), u32(2), BPF_ANY);
            m.update(v4(24, 192, 168, 128, 0), u32(3), BPF_ANY);
            m.update(v4(24, 192, 168, 1, 0), u32(5), BPF_ANY);
            m.update(v4(8, 10, 0, 0, 0), u32(7), BPF_ANY);
            List<String> walk = new ArrayList<>();
            for (byte[] k = m.getNextKey(null); k != null; ) {
                walk.add(str(k));
                byte[] cur = k;
                k = null;
                try {
                    k = m.getNextKey(cur);
                } catch (BpfException e) {
                    assertEquals(Errno.ENOENT, e.errno());
                }
            }
            assertEquals(List.of(str(v4(8, 10, 0, 0, 0)), str(v4(24, 192, 168, 0, 0)), str(v4(24, 192, 168, 1, 0)),
                    str(v4(24, 192, 168, 128, 0)), str(v4(16, 192, 168, 0, 0))), walk);
            // a key that is not in the trie restarts the walk, as in the kernel
            assertEquals(str(v4(8, 10, 0, 0, 0)), str(m.getNextKey(v4(12, 172, 16, 0, 0))));
            assertEquals(str(v4(8, 10, 0, 0, 0)), str(m.getNextKey(v4(99, 0, 0, 0, 0))));
        }
    }

    @Test
    void deleteKeepsTheTrieConsistent() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap m = trie(t, 4, 16);
            m.update(v4(16, 192, 168, 0, 0), u32(1), BPF_ANY);
            m.update(v4(24, 192, 168, 0, 0), u32(2), BPF_ANY);
            m.update(v4(24, 192, 168, 128, 0), u32(3), BPF_ANY);
            m.update(v4(24, 192, 168, 1, 0), u32(5), BPF_ANY);
            m.delete(v4(16, 192, 168, 0, 0));                   // two children: becomes IM
            assertErrno(Errno.ENOENT, () -> m.lookup(v4(32, 192, 168, 2, 1), 0));
            assertEquals(2, lookup(m, v4(32, 192, 168, 0, 1)));
            assertErrno(Errno.ENOENT, () -> m.delete(v4(16, 192, 168, 0, 0)));
            assertErrno(Errno.ENOENT, () -> m.delete(v4(23, 192, 168, 0, 0)));   // an IM node is no entry
            m.delete(v4(24, 192, 168, 1, 0));                   // leaf under an IM node: the IM goes too
            assertEquals(2, lookup(m, v4(32, 192, 168, 0, 1)));
            assertEquals(3, lookup(m, v4(32, 192, 168, 128, 1)));
            assertErrno(Errno.ENOENT, () -> m.lookup(v4(32, 192, 168, 1, 1), 0));
            m.update(v4(16, 192, 168, 0, 0), u32(11), BPF_NOEXIST);   // the IM node becomes real again
            assertEquals(11, lookup(m, v4(32, 192, 168, 5, 5)));
            assertEquals(Errno.ENOENT.negative(), m.deleteElem(t.put(v4(24, 192, 168, 1, 0)), 0));
            assertEquals(0, m.deleteElem(t.put(v4(24, 192, 168, 0, 0)), 0));
            assertEquals(11, lookup(m, v4(32, 192, 168, 0, 1)));
        }
    }

    /** Random prefixes: lookups equal a brute-force longest match, after inserts and after deletes. */
    @Test
    void randomPrefixesMatchBruteForceAndWalkCoversEachKeyOnce() {
        Random rnd = new Random(4);
        for (int dataSize : new int[] {1, 2, 4, 16}) {
            try (TestEnv t = new TestEnv(1)) {
                BpfMap m = trie(t, dataSize, 400);
                Map<String, byte[]> entries = new HashMap<>();
                Map<String, Integer> values = new HashMap<>();
                for (int i = 0; i < 300; i++) {
                    byte[] d = new byte[dataSize];
                    rnd.nextBytes(d);
                    d[0] &= (byte) 0xc3;   // crowd the prefixes so that they nest and share bits
                    byte[] k = canonical(key(rnd.nextInt(dataSize * 8 + 1), d));
                    m.update(k, u32(i), BPF_ANY);
                    entries.put(str(k), k);
                    values.put(str(k), i);
                }
                checkAgainstBruteForce(m, rnd, dataSize, entries, values);
                List<String> keys = new ArrayList<>(entries.keySet());
                for (int i = 0; i < keys.size(); i += 2) {
                    m.delete(entries.get(keys.get(i)));
                    entries.remove(keys.get(i));
                }
                checkAgainstBruteForce(m, rnd, dataSize, entries, values);
                t.quiesce();
            }
        }
    }

    private static void checkAgainstBruteForce(BpfMap m, Random rnd, int dataSize, Map<String, byte[]> entries,
                                               Map<String, Integer> values) {
        for (int i = 0; i < 2000; i++) {
            byte[] d = new byte[dataSize];
            rnd.nextBytes(d);
            d[0] &= (byte) 0xc3;
            byte[] k = key(rnd.nextInt(dataSize * 8 + 1), d);
            Integer want = bruteForce(values, entries, k);
            if (want == null) {
                assertErrno(Errno.ENOENT, () -> m.lookup(k, 0));
            } else {
                assertEquals(want, lookup(m, k), "lookup " + str(k));
            }
        }
        // full walk: every entry once; a prefix only after every entry it contains
        List<byte[]> walk = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        byte[] k = null;
        while (true) {
            try {
                k = m.getNextKey(k);
            } catch (BpfException e) {
                assertEquals(Errno.ENOENT, e.errno());
                break;
            }
            assertTrue(seen.add(str(k)), "walked twice: " + str(k));
            walk.add(k);
        }
        assertEquals(entries.keySet(), seen);
        for (int i = 0; i < walk.size(); i++) {
            for (int j = i + 1; j < walk.size(); j++) {
                assertFalse(contains(walk.get(i), walk.get(j)) && le32(walk.get(i), 0) < le32(walk.get(j), 0),
                        str(walk.get(i)) + " came before the more specific " + str(walk.get(j)));
            }
        }
    }

    @Test
    void replacedValuesStayReadableUntilTheGracePeriodEnds() {
        try (TestEnv t = new TestEnv(1)) {
            long before = t.arena.allocatedBytes();
            BpfMap m = trie(t, 4, 16);
            m.update(v4(24, 10, 0, 0, 0), u32(1), BPF_ANY);
            long k = t.put(v4(32, 10, 0, 0, 1));
            long old = m.lookupElem(k, 0);
            m.update(v4(24, 10, 0, 0, 0), u32(2), BPF_ANY);
            assertNotEquals(old, m.lookupElem(k, 0));
            assertEquals(1, t.arena.load32(old), "a program that looked up before the update still reads its value");
            m.delete(v4(24, 10, 0, 0, 0));
            t.quiesce();
            t.arena.free(k, 8);
            m.free();
            t.quiesce();
            assertEquals(before, t.arena.allocatedBytes(), "every value went back");
        }
    }

    /** Readers take no lock: lookups of stable prefixes never miss while a writer churns others. */
    @Test
    void lockFreeReadersSeeStablePrefixesDuringUpdates() throws Exception {
        try (TestEnv t = new TestEnv(3)) {
            BpfMap m = trie(t, 4, 1000);
            m.update(v4(8, 10, 0, 0, 0), u32(8), BPF_ANY);
            m.update(v4(16, 10, 7, 0, 0), u32(16), BPF_ANY);
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService ex = Executors.newFixedThreadPool(2);
            try {
                Future<Integer> reader = ex.submit(() -> {
                    long k1 = t.put(v4(32, 10, 7, 3, 3));
                    long k2 = t.put(v4(32, 10, 200, 3, 3));
                    int wrong = 0;
                    while (!stop.get()) {
                        long a = m.lookupElem(k1, 1);
                        long b = m.lookupElem(k2, 1);
                        if (a == 0 || b == 0) {
                            wrong++;
                        } else {
                            long va = t.arena.load32(a);
                            long vb = t.arena.load32(b);
                            if (va != 16 || (vb != 8 && vb != 24)) {   // 10.200.3.0/24 comes and goes
                                wrong++;
                            }
                        }
                    }
                    return wrong;
                });
                Future<?> writer = ex.submit(() -> {
                    for (int r = 0; r < 300; r++) {
                        for (int i = 0; i < 64; i++) {
                            m.update(v4(24, 10, i * 4, 3, 0), u32(24), BPF_ANY);
                        }
                        for (int i = 0; i < 64; i++) {
                            m.delete(v4(24, 10, i * 4, 3, 0));
                        }
                    }
                    return null;
                });
                writer.get();
                stop.set(true);
                assertEquals(0, reader.get());
            } finally {
                ex.shutdownNow();
            }
            // the grace period ends only now, after the reader stopped
            t.quiesce();
        }
    }
}
