package org.ebpf4j.map;

import static org.ebpf4j.isa.Reg.*;
import static org.ebpf4j.map.MapFlags.*;
import static org.ebpf4j.map.TestEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Size;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The wait of §7.7 ({@code maybe_wait_bpf_programs}) with real grace periods, real program runs
 * and real frees: the seed 5 scenario. Programs run in read-side sections of {@link #rcu}; the
 * maps defer their frees through it, as in a runtime.
 */
class MapInMapStressTest {
    private static final MapAttr INNER = MapAttr.of(MapType.ARRAY, 4, 8, 1, 0);
    private final Arena arena = new Arena(64 << 20);
    private final Rcu rcu = new Rcu("normal");
    private final Rcu tasksTrace = new Rcu("tasks-trace");
    private final MapRegistry registry = new MapRegistry(arena);
    private final MapEnv env = new MapEnv(arena, 2, registry, rcu::callAfterGracePeriod, tasksTrace::callAfterGracePeriod);
    private final InnerRefs fds = new InnerRefs();

    @AfterEach
    void close() {
        rcu.close();
        tasksTrace.close();
        arena.close();
    }

    /**
     * {@code inner = bpf_map_lookup_elem(&outer, &zero); v = bpf_map_lookup_elem(inner, &zero);
     * __sync_fetch_and_add(v, 1); return 1;} (0 when a lookup gives NULL). The outer map's
     * address is loaded with lddw, as a loader writes it.
     */
    private Executable readerProgram(BpfMap outer) {
        HelperTable helpers = HelperTable.base();
        MapHelpers.register(helpers, registry);
        var insns = Asm.program()
                .st(Size.W, R10, -4, 0)
                .mov64(R2, R10).add64(R2, -4)
                .lddw(R1, outer.address())
                .call(MapHelpers.BPF_FUNC_map_lookup_elem)
                .jeq(R0, 0, "out")
                .mov64(R1, R0)
                .mov64(R2, R10).add64(R2, -4)
                .call(MapHelpers.BPF_FUNC_map_lookup_elem)
                .jeq(R0, 0, "out")
                .mov64(R1, 1)
                .atomicAdd(Size.DW, R0, 0, R1)
                .mov64(R0, 1)
                .exit()
                .label("out")
                .mov64(R0, 0)
                .exit()
                .build();
        return new Interpreter(arena, helpers).load(new ProgramImage("mim_reader", insns));
    }

    /** BPF_MAP_UPDATE_ELEM as the syscall layer runs it: the update, then the wait on success only. */
    private void sysUpdate(BpfMap outer, int index, int fd) {
        @SuppressWarnings("unchecked")
        FdValueMap<InnerMapRef> o = (FdValueMap<InnerMapRef>) outer;
        o.updateFd(u32(index), u32(fd), BPF_ANY, fds.resolver());
        MapWait.maybeWaitBpfPrograms(outer, rcu);
    }

    private static long counter(BpfMap inner) { return le64(inner.lookup(u32(0), 0), 0); }

    private record Old(BpfMap map, int fd, long afterUpdate, int id) {}

    /** Tagged: 2000 grace periods with readers always inside; seconds on an idle box, longer on a loaded one. */
    @Tag("stress")
    @Test
    void oldInnerMapGoesQuietWhenTheUpdateReturns() throws Exception {   // §7.7 guarantee, §7.8 frees, MM-W1, MM-F1
        final int swaps = 2000;
        BpfMap outer = MapTypes.create(MapAttr.of(MapType.ARRAY_OF_MAPS, 4, 4, 1, 0)
                .withInnerMap(MapTypes.create(INNER, env)), env);
        Executable prog = readerProgram(outer);
        BpfMap current = MapTypes.create(INNER, env);
        int currentFd = fds.open(current);
        sysUpdate(outer, 0, currentFd);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LongAdder runs = new LongAdder();
        LongAdder nulls = new LongAdder();
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            readers.add(Thread.ofPlatform().name("mim-reader-" + t).start(() -> {
                Rcu.Reader rd = rcu.reader();
                try {
                    while (!stop.get()) {
                        rd.lock();
                        long r;
                        try {
                            r = prog.run(0);
                        } finally {
                            rd.unlock();
                        }
                        if (r == 1) {
                            runs.increment();
                        } else {
                            nulls.increment();
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }));
        }

        ArrayDeque<Old> olds = new ArrayDeque<>();
        List<BpfMap> closed = new ArrayList<>();
        long quietTotal = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        try {
            for (int i = 0; i < swaps; i++) {
                while (counter(current) == 0) {   // let the readers use the current map first
                    assertNull(failure.get());
                    assertTrue(System.nanoTime() < deadline, "readers made no progress");
                    Thread.onSpinWait();
                }
                BpfMap next = MapTypes.create(INNER, env);
                int nextFd = fds.open(next);
                sysUpdate(outer, 0, nextFd);
                olds.add(new Old(current, currentFd, counter(current), current.id()));
                current = next;
                currentFd = nextFd;
                while (olds.size() > 2) {   // two swaps later: nothing moved since the update returned
                    Old o = olds.poll();
                    long now = counter(o.map());
                    assertEquals(o.afterUpdate(), now, "inner map id " + o.id() + " moved after its replacement returned");
                    fds.close(o.fd());
                    assertNull(registry.byId(o.id()), "the id goes with the last reference");
                    quietTotal += now;
                    closed.add(o.map());
                }
            }
        } finally {
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
        }
        assertNull(failure.get(), () -> "reader failed: " + failure.get());
        for (Old o : olds) {
            assertEquals(o.afterUpdate(), counter(o.map()));
            quietTotal += o.afterUpdate();
            fds.close(o.fd());
        }
        assertEquals(0, nulls.sum(), "slot 0 was never empty");
        assertEquals(runs.sum(), quietTotal + counter(current), "every increment landed in exactly one inner map");
        assertTrue(runs.sum() >= swaps, "each inner map saw traffic");
        for (BpfMap m : closed) {
            MapWait.await(m, MapWaitEvent.FREED, Duration.ofSeconds(30));
        }
        fds.close(currentFd);
        outer.free();
    }

    @Test
    void updateWaitsForARunThatHoldsTheOldInnerMap() throws Exception {   // MM-W1
        BpfMap outer = MapTypes.create(MapAttr.of(MapType.ARRAY_OF_MAPS, 4, 4, 1, 0)
                .withInnerMap(MapTypes.create(INNER, env)), env);
        int fa = fds.open(MapTypes.create(INNER, env));
        sysUpdate(outer, 0, fa);
        CountDownLatch inside = new CountDownLatch(1);
        AtomicBoolean runEnded = new AtomicBoolean();
        Thread run = Thread.ofPlatform().start(() -> {
            Rcu.Reader rd = rcu.reader();
            rd.lock();
            inside.countDown();
            try {
                Thread.sleep(100);   // a long program run
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            runEnded.set(true);
            rd.unlock();
        });
        inside.await();
        sysUpdate(outer, 0, fds.open(MapTypes.create(INNER, env)));
        assertTrue(runEnded.get(), "the update returned before the run that could see the old map ended");
        run.join();
    }

    @Test
    void failedUpdateAndSleepableRunsAreNotWaitedFor() throws Exception {   // MM-W2, MM-W4
        BpfMap outer = MapTypes.create(MapAttr.of(MapType.ARRAY_OF_MAPS, 4, 4, 1, 0)
                .withInnerMap(MapTypes.create(INNER, env)), env);
        outer.addSleepableRefs(1);
        BpfMap a = MapTypes.create(INNER, env);
        int fa = fds.open(a);
        sysUpdate(outer, 0, fa);
        CountDownLatch inside = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> held = new ArrayList<>();
        for (Rcu domain : List.of(rcu, tasksTrace)) {
            held.add(Thread.ofPlatform().start(() -> {
                Rcu.Reader rd = domain.reader();
                rd.lock();
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                rd.unlock();
            }));
        }
        inside.await();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {   // a hang guard, not a latency bound
                // MM-W2: a failing update (EINVAL) throws before the wait, so it cannot block on the normal reader
                BpfException e = assertThrows(BpfException.class, () -> sysUpdate(outer, 0, fds.open(MapTypes.create(
                        MapAttr.of(MapType.ARRAY, 4, 16, 1, 0), env))));
                assertEquals(Errno.EINVAL, e.errno());
            });
        } finally {
            release.countDown();
        }
        for (Thread t : held) {
            t.join();
        }
        // MM-W4: only a sleepable run is inside now; the update's wait (normal domain) ignores it
        CountDownLatch sleepableInside = new CountDownLatch(1);
        CountDownLatch sleepableRelease = new CountDownLatch(1);
        Thread sleepable = Thread.ofPlatform().start(() -> {
            Rcu.Reader rd = tasksTrace.reader();
            rd.lock();
            sleepableInside.countDown();
            try {
                sleepableRelease.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            rd.unlock();
        });
        sleepableInside.await();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> sysUpdate(outer, 0, fds.open(MapTypes.create(INNER, env))));
            fds.close(fa);
            assertNull(registry.byId(a.id()));
            rcu.barrier();
            assertFalse(MapWait.reached(a, MapWaitEvent.FREED), "the sleepable run may still use A's memory");
        } finally {
            sleepableRelease.countDown();
        }
        sleepable.join();
        MapWait.await(a, MapWaitEvent.FREED, Duration.ofSeconds(30));
    }
}
