package org.ebpf4j.rcu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.LockSupport;

/**
 * One RCU domain (kernel/rcu): read-side sections that cost a couple of plain stores, and
 * {@link #synchronize()} that returns once every section active when it was called has ended.
 * A runtime has two: the normal domain, around every program run, and the tasks-trace domain
 * for sleepable programs (kernel: {@code rcu_read_lock_trace}).
 *
 * <p>How: each reading thread owns a {@link Reader} whose word says whether it is inside a
 * section and in which grace period that section began (see {@link Reader}); synchronize opens a
 * new grace period. {@code synchronize()}
 * first forces a memory barrier on every thread ({@link Membarrier}), so a reader either made its "I am inside" store visible before the
 * barrier (and is waited for) or begins after it (and then sees the writer's unpublished
 * pointer already gone). It then waits only for the readers that were inside at that moment,
 * until those sections end: a section that began after the call is never waited for.
 * Where membarrier is unavailable, readers fence on entry instead (correct, a few ns slower).
 *
 * <p>Deferred work ({@link #callAfterGracePeriod}) is batched: a daemon thread of this domain
 * takes everything queued, waits one grace period and runs it (kernel: {@code call_rcu}).
 */
public final class Rcu implements AutoCloseable {
    private static final VarHandle CTR;

    static {
        try {
            CTR = MethodHandles.lookup().findVarHandle(Reader.class, "ctr", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final Membarrier membarrier;
    private final boolean readerFences;
    private final List<Reader> readers = new CopyOnWriteArrayList<>();
    /** The grace-period number readers stamp their sections with; each synchronize() opens a new one. */
    private final AtomicLong gp = new AtomicLong(1);
    private final ThreadLocal<Reader> current = ThreadLocal.withInitial(this::register);

    private final ReentrantLock cbLock = new ReentrantLock();
    private final Condition cbQueued = cbLock.newCondition();
    private final Condition cbDone = cbLock.newCondition();
    private List<Runnable> pending = new ArrayList<>();
    private long queuedBatches;   // number of callbacks ever queued
    private long completed;       // number of callbacks ever run
    private Thread worker;
    private boolean closed;

    public Rcu(String name) { this(name, false); }

    /**
     * @param forceReaderFences make readers fence on entry even where membarrier exists (what
     *                          platforms without membarrier pay; for tests and benchmarks)
     */
    public Rcu(String name, boolean forceReaderFences) {
        this.name = name;
        this.membarrier = forceReaderFences ? null : Membarrier.open();
        this.readerFences = membarrier == null;
    }

    /**
     * The reading side of one thread. Not thread-safe: only its owner thread may use it.
     *
     * <p>One word, {@code ctr}: 0 outside a section; inside, the domain's grace-period number
     * ({@link #gp}) read when the outermost section began (liburcu's "memb" reader, which stores
     * the global counter the same way). A writer that opened grace period {@code G} waits for
     * the readers whose {@code ctr} is non-zero and below {@code G}; a section begun after its
     * membarrier reads {@code G} or later and is not waited for. Nested sections only touch
     * {@link #nested}, which no one else reads.
     *
     * <p>Why this shape (issue 7: ≤ 2 ns per program run): no stored value depends on an earlier
     * store of the reader. lock stores a load of the shared, rarely written {@code gp}; unlock
     * stores the constant 0. A counter that lock and unlock both read-modify-write (the previous
     * one-word depth+epoch reader) makes each wait for the other's store to be forwarded, two
     * store-to-load latencies per section (the 3.7 ns BENCHMARKS.md recorded). The kernel's
     * PREEMPT_RCU reader ({@code current->rcu_read_lock_nesting}, kernel/rcu/tree_plugin.h) is a
     * counter because its grace periods learn of quiescent states from the scheduler instead.
     */
    public static final class Reader {
        /** 0, or the grace-period number the current section began in; writers read it through CTR. */
        private long ctr;
        /** Depth beyond the outermost section; the owner's alone. */
        private int nested;
        private final AtomicLong gp;
        /** The domain's choice, copied here so the fast path reads only this object. */
        private final boolean fences;
        final Thread owner = Thread.currentThread();

        private Reader(Rcu domain) {
            this.fences = domain.readerFences;
            this.gp = domain.gp;
        }

        /** rcu_read_lock(): nests. */
        public void lock() {
            if (ctr != 0) {
                if (nested == Integer.MAX_VALUE) {
                    throw new IllegalStateException("rcu_read_lock nested too deep");
                }
                nested++;
                return;
            }
            CTR.setOpaque(this, gp.getOpaque());
            // The section's loads must not be performed before this store. The compiler is kept
            // from hoisting them by the fence (in HotSpot an acquire fence is a compiler barrier
            // for every memory access, and free on x86); the CPU's store buffer is drained by the
            // writer's membarrier (liburcu's "memb" scheme). Without membarrier the reader pays
            // for a full fence instead. A stale gp (read before a writer's increment, stored
            // after its scan) is harmless: the section's loads come after the writer's barrier
            // and see its unpublished pointer gone; later writers wait for it as they should.
            if (fences) {
                VarHandle.fullFence();
            } else {
                VarHandle.acquireFence();
            }
        }

        /** rcu_read_unlock(). */
        public void unlock() {
            if (nested != 0) {
                nested--;
                return;
            }
            if (ctr == 0) {
                throw new IllegalStateException("rcu_read_unlock without rcu_read_lock");
            }
            CTR.setRelease(this, 0L);   // the section's accesses are done before a writer sees it end
        }

        public boolean held() { return ctr != 0; }
    }

    private Reader register() {
        Reader r = new Reader(this);
        readers.add(r);
        return r;
    }

    /** This thread's reader (registered on first use). Cache it on hot paths. */
    public Reader reader() { return current.get(); }

    /** True when membarrier is in use (readers do not fence). */
    public boolean expedited() { return !readerFences; }

    /**
     * synchronize_rcu(): waits for every read-side section that had begun before this call.
     * Must not be called from inside a section of this domain on this thread (it would wait for
     * itself, as in the kernel): that is rejected.
     */
    public void synchronize() {
        Reader self = current.get();
        if (self.held()) {
            throw new IllegalStateException("synchronize() inside a read-side section of " + name);
        }
        // A new number first, so sections that begin after the barrier carry it (or later).
        long g = gp.incrementAndGet();
        if (membarrier != null) {
            membarrier.barrier();
        } else {
            VarHandle.fullFence();
        }
        for (Reader r : readers) {
            int spins = 0;
            while (true) {
                long c = (long) CTR.getAcquire(r);
                if (c == 0 || c >= g) {
                    break;          // outside, or in a section that began after the barrier
                }
                if (!r.owner.isAlive()) {
                    break; // a thread that died inside a section holds nothing any more
                }
                if (++spins < 100) {
                    Thread.onSpinWait();
                } else if (spins < 200) {
                    Thread.yield();
                } else {
                    LockSupport.parkNanos(20_000);
                }
            }
        }
        VarHandle.fullFence();
    }

    /** call_rcu(): runs {@code callback} on this domain's worker after a grace period. */
    public void callAfterGracePeriod(Runnable callback) {
        cbLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("RCU domain " + name + " is closed");
            }
            pending.add(callback);
            queuedBatches++;
            if (worker == null) {
                worker = Thread.ofPlatform().daemon().name("rcu-" + name).start(this::work);
            }
            cbQueued.signal();
        } finally {
            cbLock.unlock();
        }
    }

    /** rcu_barrier(): waits until every callback queued before this call has run. */
    public void barrier() {
        cbLock.lock();
        try {
            long target = queuedBatches;
            while (completed < target) {
                cbDone.awaitUninterruptibly();
            }
        } finally {
            cbLock.unlock();
        }
    }

    private void work() {
        while (true) {
            List<Runnable> batch;
            cbLock.lock();
            try {
                while (pending.isEmpty() && !closed) {
                    try {
                        cbQueued.await(1, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (pending.isEmpty()) {
                    return;
                }
                batch = pending;
                pending = new ArrayList<>();
            } finally {
                cbLock.unlock();
            }
            synchronize();
            for (Runnable r : batch) {
                try {
                    r.run();
                } catch (RuntimeException | Error e) {
                    // a failing free must not stop later ones; report it as the kernel WARNs
                    System.err.println("ebpf4j rcu-" + name + ": deferred callback failed: " + e);
                }
            }
            cbLock.lock();
            try {
                completed += batch.size();
                cbDone.signalAll();
            } finally {
                cbLock.unlock();
            }
        }
    }

    /** True when every callback queued so far has run. */
    public boolean idle() {
        cbLock.lock();
        try {
            return completed == queuedBatches;
        } finally {
            cbLock.unlock();
        }
    }

    /**
     * Runs what is queued, including callbacks that queued more while running (a batched free
     * re-arms itself), then stops the worker and waits for it, so nothing runs after close.
     */
    @Override
    public void close() {
        Thread w;
        while (true) {
            barrier();
            cbLock.lock();
            try {
                if (completed == queuedBatches) {
                    closed = true;
                    cbQueued.signalAll();
                    w = worker;
                    break;
                }
            } finally {
                cbLock.unlock();
            }
        }
        if (w != null && w != Thread.currentThread()) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
