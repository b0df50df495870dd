package org.ebpf4j.rcu;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Grace periods (issue 7, spec §11): what synchronize() must and must not wait for. */
class RcuTest {

    @Test
    void synchronizeWaitsForASectionThatWasActive() throws Exception {
        try (Rcu rcu = new Rcu("t")) {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean returned = new AtomicBoolean();
            AtomicBoolean returnedWhileInside = new AtomicBoolean();
            Thread reader = Thread.ofPlatform().start(() -> {
                Rcu.Reader r = rcu.reader();
                r.lock();
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                returnedWhileInside.set(returned.get());
                r.unlock();
            });
            inside.await();
            Thread writer = Thread.ofPlatform().start(() -> {
                rcu.synchronize();
                returned.set(true);
            });
            writer.join(200); // give it every chance to return early (it must not)
            release.countDown();
            reader.join();
            writer.join();
            assertFalse(returnedWhileInside.get(), "synchronize returned while a prior reader was inside");
            assertTrue(returned.get());
        }
    }

    @Test
    void synchronizeNeverWaitsForSectionsThatBeganAfterIt() {
        try (Rcu rcu = new Rcu("t")) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread busy = Thread.ofPlatform().start(() -> {
                Rcu.Reader r = rcu.reader();
                while (!stop.get()) {
                    r.lock(); // always (almost) inside a section, but a new one each time
                    Thread.onSpinWait();
                    r.unlock();
                }
            });
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                for (int i = 0; i < 1000; i++) {
                    rcu.synchronize();
                }
            });
            stop.set(true);
            assertDoesNotThrow(() -> busy.join());
        }
    }

    /** A reader never sees an object freed while its section, which loaded it, is still open. */
    @Test
    void noReaderSeesMemoryFreedUnderIt() throws Exception {
        final class Obj {
            volatile boolean freed;
        }
        try (Rcu rcu = new Rcu("t")) {
            AtomicReference<Obj> published = new AtomicReference<>(new Obj());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong violations = new AtomicLong();
            AtomicLong reads = new AtomicLong();
            Thread[] readers = new Thread[2];
            for (int t = 0; t < readers.length; t++) {
                readers[t] = Thread.ofPlatform().start(() -> {
                    Rcu.Reader r = rcu.reader();
                    while (!stop.get()) {
                        r.lock();
                        Obj o = published.get();
                        for (int k = 0; k < 50; k++) {
                            if (o.freed) {
                                violations.incrementAndGet();
                            }
                        }
                        r.unlock();
                        reads.incrementAndGet();
                    }
                });
            }
            // keep swapping until the readers have really overlapped with the writer (on a loaded
            // machine they may not even have started after 2000 swaps)
            for (int i = 0; i < 2000 || (reads.get() < 2000 && i < 2_000_000); i++) {
                Obj old = published.getAndSet(new Obj());
                rcu.synchronize();
                old.freed = true;
            }
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
            assertEquals(0, violations.get());
            assertTrue(reads.get() > 0);
        }
    }

    @Test
    void callbacksRunAfterAGracePeriodAndBarrierWaitsForThem() {
        try (Rcu rcu = new Rcu("t")) {
            AtomicInteger ran = new AtomicInteger();
            for (int i = 0; i < 100; i++) {
                rcu.callAfterGracePeriod(ran::incrementAndGet);
            }
            rcu.barrier();
            assertEquals(100, ran.get());
        }
    }

    @Test
    void fencedReadersAreCorrectToo() throws Exception {
        try (Rcu rcu = new Rcu("fenced", true)) {
            assertFalse(rcu.expedited());
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean returned = new AtomicBoolean();
            Thread reader = Thread.ofPlatform().start(() -> {
                rcu.reader().lock();
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                assertFalse(returned.get());
                rcu.reader().unlock();
            });
            inside.await();
            Thread writer = Thread.ofPlatform().start(() -> {
                rcu.synchronize();
                returned.set(true);
            });
            writer.join(100);
            assertFalse(returned.get());
            release.countDown();
            reader.join();
            writer.join();
            assertTrue(returned.get());
        }
    }

    @Test
    void readersNeedNoFenceWhereMembarrierExists() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux")
                && System.getProperty("os.arch").equals("amd64"), "membarrier path is Linux x86-64 only");
        try (Rcu rcu = new Rcu("t")) {
            assertTrue(rcu.expedited(), "membarrier(PRIVATE_EXPEDITED) should be usable on Linux");
        }
    }

    @Test
    void nestedSectionsInsideAWaitedSectionDoNotEndIt() throws Exception {
        // inner lock/unlock pairs inside the outer section: synchronize must still wait for
        // the outer section (and must not wait for the next outer section)
        try (Rcu rcu = new Rcu("t")) {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch writerStarted = new CountDownLatch(1);
            AtomicBoolean returned = new AtomicBoolean();
            AtomicBoolean returnedWhileInside = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = Thread.ofPlatform().start(() -> {
                Rcu.Reader r = rcu.reader();
                r.lock();
                inside.countDown();
                try {
                    writerStarted.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                long until = System.nanoTime() + 200_000_000L;
                while (System.nanoTime() < until) {
                    r.lock();
                    r.unlock();
                    Thread.onSpinWait();
                }
                returnedWhileInside.set(returned.get());
                r.unlock();
                while (!stop.get()) {      // then back-to-back sections, which must not hold the writer
                    r.lock();
                    r.unlock();
                }
            });
            inside.await();
            Thread writer = Thread.ofPlatform().start(() -> {
                writerStarted.countDown();
                rcu.synchronize();
                returned.set(true);
            });
            writer.join(Duration.ofSeconds(30));
            stop.set(true);
            reader.join();
            assertFalse(returnedWhileInside.get(), "synchronize returned inside the outer section");
            assertTrue(returned.get(), "synchronize never returned");
        }
    }

    /** A callback that queues another (a batched free re-arming itself) still runs before close returns. */
    @Test
    void closeRunsCallbacksQueuedByCallbacks() {
        Rcu rcu = new Rcu("t");
        AtomicInteger ran = new AtomicInteger();
        rcu.callAfterGracePeriod(() -> {
            ran.incrementAndGet();
            rcu.callAfterGracePeriod(() -> {
                ran.incrementAndGet();
                rcu.callAfterGracePeriod(ran::incrementAndGet);
            });
        });
        rcu.close();
        assertEquals(3, ran.get());
        assertTrue(rcu.idle());
        assertThrows(IllegalStateException.class, () -> rcu.callAfterGracePeriod(ran::incrementAndGet));
    }

    @Test
    void nestingAndMisuseAreCaught() {
        try (Rcu rcu = new Rcu("t")) {
            Rcu.Reader r = rcu.reader();
            r.lock();
            r.lock();
            r.unlock();
            assertTrue(r.held());
            assertThrows(IllegalStateException.class, rcu::synchronize);
            r.unlock();
            assertFalse(r.held());
            assertThrows(IllegalStateException.class, r::unlock);
            rcu.synchronize();
        }
    }

    /**
     * The two-word reader (enter/exit): nesting lives outside the words a writer reads, so any
     * depth is fine, the words say "inside" until the outermost unlock, and after many sections
     * the reader is still seen as outside (synchronize returns at once on this thread's own reader).
     */
    @Test
    void deepNestingKeepsTheOuterSectionAndManySectionsLeaveItOutside() {
        try (Rcu rcu = new Rcu("t")) {
            Rcu.Reader r = rcu.reader();
            for (int k = 0; k < 100_000; k++) {
                r.lock();
            }
            for (int k = 1; k < 100_000; k++) {
                r.unlock();
                assertTrue(r.held(), "outer section ended after " + k + " inner unlocks");
            }
            r.unlock();
            assertFalse(r.held());
            for (int k = 0; k < 1_000; k++) {
                r.lock();
                r.unlock();
            }
            assertFalse(r.held());
            rcu.synchronize();
            assertThrows(IllegalStateException.class, r::unlock);
        }
    }
}
