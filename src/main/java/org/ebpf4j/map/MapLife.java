package org.ebpf4j.map;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The lifetime facts of one map that map-in-map and the {@link MapWait} extension read: how many
 * outer-map slots hold it, whether programs may still hold it from an outer lookup, the sticky
 * "free after both grace periods" flag ({@code free_after_mult_rcu_gp}, kernel/bpf/map_in_map.c),
 * the sleepable-program count of an outer map ({@code sleepable_refcnt}) and the completion of
 * its deferred free.
 *
 * <p><b>Pending references, and why they are counted this way.</b> A program gets a map from
 * another map only by an outer lookup inside its read-side section, and can only find it while it
 * sits in some slot. So once the map has left its last slot, the references programs obtained
 * from outer maps are exactly those of sections that began before; one grace period started after
 * that moment ends all of them. We record that grace period (a generation per "left the last
 * slot") instead of counting references per lookup: the per-lookup counter would put two atomic
 * read-modify-writes and a section-exit hook on the program hot path (shared cache lines between
 * CPUs), for the same answer. The price is that a wait may last up to one grace period longer
 * than strictly needed.
 */
final class MapLife {
    private long outerSlots;
    private long leftGen;     // incremented each time the map left its last slot
    private long quietGen;    // the last such generation whose grace period has completed
    private volatile boolean freeAfterMultGp;
    private final java.util.concurrent.atomic.AtomicLong sleepableRefcnt = new java.util.concurrent.atomic.AtomicLong();
    final CompletableFuture<Void> freed = new CompletableFuture<>();

    synchronized void enterSlot() { outerSlots++; }

    /**
     * The map left one outer slot (already cleared, so no new lookup can find it there). If it was
     * the last, a grace period on {@code afterGracePeriod} marks the references drained.
     */
    void leaveSlot(Consumer<Runnable> afterGracePeriod) {
        long gen;
        synchronized (this) {
            if (--outerSlots > 0) {
                return;
            }
            gen = ++leftGen;
        }
        afterGracePeriod.accept(() -> quiet(gen));
    }

    private synchronized void quiet(long gen) {
        if (gen > quietGen) {
            quietGen = gen;
        }
        notifyAll();
    }

    /** No slot holds the map and the grace period after it left the last one has passed. */
    synchronized boolean noPendingRefs() { return outerSlots == 0 && quietGen >= leftGen; }

    /** Waits for {@link #noPendingRefs()}; false if {@code timeoutNanos} passed first. */
    synchronized boolean awaitNoPendingRefs(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!noPendingRefs()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    synchronized long outerSlots() { return outerSlots; }

    void markFreeAfterMultGp() { freeAfterMultGp = true; }

    boolean freeAfterMultGp() { return freeAfterMultGp; }

    long sleepableRefcnt() { return sleepableRefcnt.get(); }

    void addSleepableRefs(long delta) {
        if (sleepableRefcnt.addAndGet(delta) < 0) {
            sleepableRefcnt.addAndGet(-delta);
            throw new IllegalStateException("sleepable_refcnt would go negative");
        }
    }
}
