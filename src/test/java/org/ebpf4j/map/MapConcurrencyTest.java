package org.ebpf4j.map;

import static org.ebpf4j.map.MapFlags.*;
import static org.ebpf4j.map.TestEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.Test;

/**
 * Several threads (= CPUs) on one map, as programs on several CPUs are: atomic adds on values are
 * never lost, element counts are exact, and a value replaced by an update is never seen torn.
 */
class MapConcurrencyTest {
    private static final int THREADS = 4;
    private static final int ROUNDS = 20_000;

    private static void runAll(List<Callable<Void>> tasks) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(tasks.size());
        try {
            for (Future<Void> f : ex.invokeAll(tasks)) {
                f.get();
            }
        } finally {
            ex.shutdownNow();
        }
    }

    /** Atomic adds through value addresses from lookupElem: no update lost, on every map type. */
    @Test
    void atomicAddsAreNeverLost() throws Exception {
        for (MapType type : new MapType[] {MapType.ARRAY, MapType.HASH, MapType.LRU_HASH, MapType.PERCPU_HASH,
                MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH}) {
            try (TestEnv t = new TestEnv(THREADS)) {
                BpfMap m = t.create(MapAttr.of(type, 4, 8, 16, 0));
                for (int k = 0; k < 8; k++) {
                    m.update(u32(k), new byte[m.syscallValueSize()], BPF_ANY);
                }
                List<Callable<Void>> tasks = new ArrayList<>();
                for (int cpu = 0; cpu < THREADS; cpu++) {
                    int c = cpu;
                    long key = t.put(u32(0));
                    tasks.add(() -> {
                        for (int i = 0; i < ROUNDS; i++) {
                            t.arena.store32(key, i & 7);
                            long v = m.lookupElem(key, c);
                            assertNotEquals(0, v);
                            t.arena.getAndAdd64(v, 1);
                        }
                        return null;
                    });
                }
                runAll(tasks);
                long total = 0;
                for (int k = 0; k < 8; k++) {
                    byte[] v = m.lookup(u32(k), 0);
                    for (int off = 0; off < v.length; off += 8) {
                        total += le64(v, off);
                    }
                }
                assertEquals((long) THREADS * ROUNDS, total, type.toString());
            }
        }
    }

    /**
     * Updates replace whole values of four identical words while readers (program path and
     * syscall path) check they never see two different words in one value; deletes and inserts
     * of other keys run meanwhile and the final count is exact.
     */
    @Test
    void hashValuesAreNeverTornAndCountsExact() throws Exception {
        for (int flags : new int[] {0, BPF_F_NO_PREALLOC}) {
            try (TestEnv t = new TestEnv(THREADS)) {
                BpfMap m = t.create(MapAttr.of(MapType.HASH, 4, 32, 2 * ROUNDS + 16, flags));
                List<Callable<Void>> tasks = new ArrayList<>();
                for (int w = 0; w < 2; w++) {
                    int cpu = w;
                    tasks.add(() -> {
                        long key = t.put(u32(1));
                        long val = t.arena.alloc(32);
                        for (int i = 0; i < ROUNDS; i++) {
                            long word = (long) cpu << 32 | i;
                            for (int o = 0; o < 32; o += 8) {
                                t.arena.store64(val + o, word);
                            }
                            assertEquals(0, m.updateElem(key, val, BPF_ANY, cpu));
                            // churn: insert then delete a key of our own
                            t.arena.store32(key, 1000 + cpu * ROUNDS + i);
                            assertEquals(0, m.updateElem(key, val, BPF_NOEXIST, cpu));
                            if ((i & 1) == 0) {
                                assertEquals(0, m.deleteElem(key, cpu));
                            }
                            t.arena.store32(key, 1);
                        }
                        return null;
                    });
                }
                tasks.add(() -> {
                    long key = t.put(u32(1));
                    for (int i = 0; i < ROUNDS; i++) {
                        long v = m.lookupElem(key, 2);
                        if (v != 0) {
                            long w0 = t.arena.load64(v);
                            for (int o = 8; o < 32; o += 8) {
                                assertEquals(w0, t.arena.load64(v + o), "torn value seen by a program");
                            }
                        }
                    }
                    return null;
                });
                tasks.add(() -> {
                    for (int i = 0; i < ROUNDS / 4; i++) {
                        try {
                            byte[] v = m.lookup(u32(1), 0);
                            for (int o = 8; o < 32; o += 8) {
                                assertEquals(le64(v, 0), le64(v, o), "torn value seen by the syscall");
                            }
                        } catch (BpfException e) {
                            // not inserted yet
                        }
                    }
                    return null;
                });
                // the deferred frees happen while nothing runs: before the count check
                try {
                    runAll(tasks);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof AssertionError a) {
                        throw a;
                    }
                    throw e;
                }
                t.quiesce();
                int n = 0;
                byte[] k = null;
                while (true) {
                    try {
                        k = m.getNextKey(k);
                        n++;
                    } catch (BpfException e) {
                        break;
                    }
                }
                assertEquals(1 + 2 * ROUNDS / 2, n, "key 1 plus the odd rounds' keys of both writers");
            }
        }
    }
}
