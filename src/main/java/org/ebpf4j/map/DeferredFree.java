package org.ebpf4j.map;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Elements that left a map and wait for a grace period before reuse, handed to the RCU domain
 * in batches, as kernel/bpf/memalloc.c does for {@code bpf_mem_alloc} ({@code free_by_rcu} →
 * {@code waiting_for_gp} → one {@code call_rcu} for the whole list, {@code __free_rcu}).
 *
 * <p>Why: one {@code call_rcu} per deleted or replaced element costs a lock, an allocation and
 * a wake-up of the RCU worker each time, and a grace period (a membarrier) per handful of
 * elements; an update-heavy program then spends microseconds per update. Here at most one
 * callback per map is queued at a time: elements retired meanwhile collect in
 * {@code freeByRcu}; when the callback runs, the batch it covers ({@code waitingForGp}) is
 * released and, if more were retired meanwhile, they become the next batch and the callback is
 * queued again. An element is released only by a callback queued after it was retired, so it
 * has waited a full grace period.
 *
 * <p>Thread-safe; retiring never blocks on the grace period and does not allocate once the
 * lists have grown to the map's churn.
 */
final class DeferredFree {
    /** Releases a batch of elements whose grace period has passed. */
    @FunctionalInterface
    interface Release {
        void release(long[] elems, int n);
    }

    private final Consumer<Runnable> afterGracePeriod;
    private final Release release;
    private final Runnable callback = this::gracePeriodEnded;
    private long[] freeByRcu = new long[16];
    private int nFreeByRcu;
    private long[] waitingForGp = new long[16];
    private int nWaitingForGp;
    private boolean queued;
    private boolean drained;
    /** The callback is releasing {@code waitingForGp} outside the lock: {@link #drain} leaves it. */
    private boolean releasing;

    DeferredFree(Consumer<Runnable> afterGracePeriod, Release release) {
        this.afterGracePeriod = afterGracePeriod;
        this.release = release;
    }

    /** {@code elem} left the map: released after a grace period. */
    void retire(long elem) {
        synchronized (this) {
            if (nFreeByRcu == freeByRcu.length) {
                freeByRcu = Arrays.copyOf(freeByRcu, freeByRcu.length * 2);
            }
            freeByRcu[nFreeByRcu++] = elem;
            if (queued) {
                return;
            }
            queued = true;
            startBatch();
        }
        afterGracePeriod.accept(callback);
    }

    /** Under the lock, nothing waiting: what was retired so far is the batch the next callback frees. */
    private void startBatch() {
        long[] t = waitingForGp;
        waitingForGp = freeByRcu;
        nWaitingForGp = nFreeByRcu;
        freeByRcu = t;
        nFreeByRcu = 0;
    }

    /** The callback: a grace period has passed since {@code waitingForGp} was closed. */
    private void gracePeriodEnded() {
        long[] batch;
        int n;
        synchronized (this) {
            if (drained) {
                queued = false;
                return;
            }
            batch = waitingForGp;
            n = nWaitingForGp;
            releasing = true;
        }
        // while queued, retire() only appends to freeByRcu: the batch is ours without the lock
        release.release(batch, n);
        synchronized (this) {
            releasing = false;
            nWaitingForGp = 0;
            if (drained || nFreeByRcu == 0) {
                queued = false;
                return;
            }
            startBatch();
        }
        afterGracePeriod.accept(callback);
    }

    /**
     * The map's storage is going (after its own grace period, so after every element retired
     * before the map died has waited one): hands every element still listed to {@code sink}
     * and turns a callback still queued into a no-op.
     */
    void drain(Release sink) {
        long[] a;
        int na;
        long[] b;
        int nb;
        synchronized (this) {
            drained = true;
            a = waitingForGp;
            na = releasing ? 0 : nWaitingForGp;
            b = freeByRcu;
            nb = nFreeByRcu;
            if (!releasing) {
                nWaitingForGp = 0;
            }
            nFreeByRcu = 0;
        }
        sink.release(a, na);
        sink.release(b, nb);
    }
}
