package org.ebpf4j.map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.Test;

/**
 * {@link DeferredFree}: retired elements are released in batches, one callback in flight, and
 * never before a grace period that began after they were retired (kernel/bpf/memalloc.c's
 * free_by_rcu / waiting_for_gp scheme).
 */
class DeferredFreeTest {
    private final ArrayDeque<Runnable> queued = new ArrayDeque<>();
    private final List<Long> released = new ArrayList<>();
    private final DeferredFree df = new DeferredFree(queued::add, (e, n) -> {
        for (int i = 0; i < n; i++) {
            released.add(e[i]);
        }
    });

    @Test
    void oneCallbackInFlightAndOnlyWhatItCovers() {
        df.retire(1);
        df.retire(2);
        df.retire(3);
        assertEquals(1, queued.size(), "one call_rcu for the batch");
        assertTrue(released.isEmpty(), "nothing released before the grace period");
        queued.poll().run();               // the grace period covering element 1 ended
        // 2 and 3 were retired after that callback was queued: they need the next grace period
        assertEquals(List.of(1L), released);
        assertEquals(1, queued.size());
        df.retire(4);
        assertEquals(1, queued.size(), "4 joins the list while a callback is queued");
        queued.poll().run();
        assertEquals(List.of(1L, 2L, 3L), released);
        queued.poll().run();
        assertEquals(List.of(1L, 2L, 3L, 4L), released);
        assertTrue(queued.isEmpty(), "nothing left: no callback queued");
        df.retire(5);
        assertEquals(1, queued.size(), "a new retirement queues again");
    }

    @Test
    void listsGrowWithoutLosingElements() {
        for (long e = 1; e <= 1000; e++) {
            df.retire(e);
        }
        while (!queued.isEmpty()) {
            queued.poll().run();
        }
        assertEquals(1000, released.size());
        assertEquals(1000, released.stream().distinct().count());
    }

    @Test
    void drainHandsOverEverythingAndSilencesTheQueuedCallback() {
        df.retire(1);
        df.retire(2);
        List<Long> drained = new ArrayList<>();
        df.drain((e, n) -> {
            for (int i = 0; i < n; i++) {
                drained.add(e[i]);
            }
        });
        assertEquals(List.of(1L, 2L), drained);
        queued.poll().run();
        assertTrue(released.isEmpty(), "a drained list releases nothing more");
        assertTrue(queued.isEmpty());
    }

    /** Through a HASH map: replaced elements wait, spares taken from the arena come back, values stay whole. */
    @Test
    void hashReplacementsAreBatchedAndSparesReturn() {
        try (TestEnv t = new TestEnv(1)) {
            List<Runnable> calls = new ArrayList<>();
            MapEnv counting = new MapEnv(t.arena, 1, t.registry, r -> {
                calls.add(r);
                t.env.afterGracePeriod().accept(r);
            });
            BpfMap m = MapTypes.create(MapAttr.of(MapType.HASH, 4, 8, 4, 0), counting);
            for (int k = 0; k < 4; k++) {
                m.update(TestEnv.u32(k), TestEnv.u64(k), 0);
            }
            long before = t.arena.allocatedBytes();
            long held = m.lookupElem(t.put(TestEnv.u32(0)), 0);   // a program holds key 0's value
            for (int i = 1; i <= 20; i++) {
                m.update(TestEnv.u32(0), TestEnv.u64(100 + i), 0);
            }
            assertEquals(1, calls.size(), "20 replacements, one callback queued");
            assertEquals(0, t.arena.load64(held), "the held value is untouched until the grace period");
            assertTrue(t.arena.allocatedBytes() > before, "the block ran dry: spares came from the arena");
            assertArrayEquals(TestEnv.u64(120), m.lookup(TestEnv.u32(0), 0));
            t.quiesce();
            // every retired spare went back; key 0's live element is the last spare (16 + 8 + 8 bytes),
            // and 8 bytes are the key put above
            assertEquals(before + 32 + 8, t.arena.allocatedBytes(), "retired spares returned to the arena");
            for (int k = 1; k < 4; k++) {
                assertArrayEquals(TestEnv.u64(k), m.lookup(TestEnv.u32(k), 0), Arrays.toString(TestEnv.u32(k)));
            }
            m.free();
            t.quiesce();
        }
    }
}
