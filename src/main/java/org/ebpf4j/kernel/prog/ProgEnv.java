package org.ebpf4j.kernel.prog;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.helpers.MiscHelpers;
import org.ebpf4j.kernel.helpers.TaskIdentity;
import org.ebpf4j.kernel.helpers.TracePipe;
import org.ebpf4j.map.MapHelpers;
import org.ebpf4j.map.storage.CgroupStorageMap;
import org.ebpf4j.map.storage.CgroupStorageRunCtx;
import org.ebpf4j.map.storage.LocalStorageHelpers;
import org.ebpf4j.map.storage.OwnerTable;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * What programs of one {@link Runtime} run with: the helper table (every helper ebpf4j
 * implements; which of them a program may call is {@link ProgTypes}' business), the engines, the
 * trace pipe, and who "current" is on each thread while a program runs. One per runtime
 * ({@link Runtime#progs()}).
 */
public final class ProgEnv {
    /** Which engine loads a program. */
    public enum EngineKind { INTERPRETER, JIT }

    /**
     * What the engines relax for programs PROG_LOAD has verified: r0 at a main-program exit
     * (the type verifier checked it where the attach target reads it).
     */
    static final Set<org.ebpf4j.vm.VerifierOption> LOADED = Set.of(org.ebpf4j.vm.VerifierOption.MAIN_EXIT_R0_UNCHECKED);

    private final Runtime runtime;
    private final HelperTable helpers;
    private final TracePipe trace = new TracePipe();
    private final ThreadLocal<Task> current = new ThreadLocal<>();
    /** {@code current->bpf_ctx}: the run context of the hook running a program on this thread. */
    private final ThreadLocal<Object> runCtx = new ThreadLocal<>();
    private final Map<EngineKind, Engine> engines = new EnumMap<>(EngineKind.class);
    private final AtomicInteger statsEnabled = new AtomicInteger();
    /** Programs are JIT-compiled by default, as Linux does with BPF_JIT_ALWAYS_ON. */
    private volatile EngineKind defaultEngine = EngineKind.JIT;
    /** Where {@code bpf_get_local_storage} finds the running program's legacy cgroup storages. */
    /** The runtime's one legacy cgroup storage run context (helper 81, the cgroup runners, TEST_RUN). */
    private final CgroupStorageRunCtx cgroupStorageCtx;
    /** Owners (sockets, tasks, cgroups) by the kernel address programs hold, for the local-storage helpers. */
    private final OwnerTable storageOwners;
    private final ProgLoader loader;
    /** BPF iterators: iter links, iterator fds, and the bpf_seq_* helpers. */
    private final org.ebpf4j.kernel.iter.BpfIter iters;
    private final TestRun testRun;

    public ProgEnv(Runtime runtime) {
        this.runtime = runtime;
        this.cgroupStorageCtx = runtime.cgroupStorageCtx();
        this.helpers = HelperTable.base();
        MapHelpers.register(helpers, runtime.mapRegistry());
        new MiscHelpers(runtime.arena(), runtime.mapRegistry(), trace, this::currentIdentity,
                ThreadLocalRandom.current().nextLong()).registerInto(helpers);
        new org.ebpf4j.kernel.helpers.CgroupRetvalHelpers(runtime.arena(), runCtx::get).registerInto(helpers);
        storageOwners = OwnerTable.of(runtime.mapRegistry());
        // task_struct / cgroup pointers come from the mirrors (bpf_get_current_task_btf ...), sockets
        // from their bpf_sock mirrors or struct socks in the network (made after this), other owners from the table,
        // whose owner blocks also give the arena fast path (storageAt)
        org.ebpf4j.kernel.task.KernelMirrors mirrors = runtime.mirrors();
        LocalStorageHelpers.register(helpers, runtime.mapRegistry(), new org.ebpf4j.map.storage.OwnerResolver() {
            @Override
            public org.ebpf4j.map.storage.StorageOwner ownerAt(long addr) {
                // sockets first: they are the hot owners (sk storage from skb hooks)
                org.ebpf4j.map.storage.StorageOwner o = runtime.net() != null ? runtime.net().socketAt(addr) : null;
                if (o == null) {
                    o = mirrors.ownerAt(addr);
                }
                return o != null ? o : storageOwners.ownerAt(addr);
            }

            /**
             * The owner's storage block for the arena fast path: from the owner table's block, else
             * (sockets, task and cgroup mirrors) through the owner object's storage pointer.
             */
            @Override
            public long storageAt(long addr) {
                long a = storageOwners.storageAt(addr);
                if (a != 0) {
                    return a;
                }
                // a socket's block follows its bpf_sock mirror and precedes its struct sock
                // (sk->sk_bpf_storage, kernel.net.SockLayout): no lookup from either pointer
                a = storageOwners.probe(addr + org.ebpf4j.kernel.net.SockLayouts.Sock.OWNER_BLOCK);
                if (a != OwnerTable.NOT_A_BLOCK) {
                    return a;
                }
                a = storageOwners.probe(addr + org.ebpf4j.kernel.net.SockLayout.SK_TO_OWNER_BLOCK);
                if (a != OwnerTable.NOT_A_BLOCK) {
                    return a;
                }
                org.ebpf4j.map.storage.StorageOwner o = ownerAt(addr);
                org.ebpf4j.map.storage.LocalStorage ls = o == null ? null : o.bpfStorage().get();
                return ls == null ? 0 : ls.address();
            }
        });
        new org.ebpf4j.kernel.task.TaskHelpers(runtime.arena(), mirrors, current::get).registerInto(helpers);
        CgroupStorageMap.registerHelper(helpers, runtime.mapRegistry(), cgroupStorageCtx);
        new org.ebpf4j.kernel.kfunc.GenericKfuncs(mirrors::cgroupAddress,
                addr -> mirrors.ownerAt(addr) instanceof org.ebpf4j.kernel.cgroup.Cgroup c && c.online(), runtime::task)
                .registerInto(helpers.kfuncs(), runtime.kernelBtf());
        engines.put(EngineKind.INTERPRETER, new Interpreter(runtime.arena(), helpers, LOADED, runtime.cpus()));
        engines.put(EngineKind.JIT, new org.ebpf4j.vm.jit.JitCompiler(runtime.arena(), helpers, LOADED, runtime.cpus()));
        iters = new org.ebpf4j.kernel.iter.BpfIter(runtime, helpers, storageOwners);
        loader = new ProgLoader(this);
        testRun = new TestRun(this);
    }

    /** The legacy cgroup storage run context ({@code bpf_get_local_storage}). */
    public CgroupStorageRunCtx cgroupStorageCtx() { return cgroupStorageCtx; }

    /** Where storage owners get the kernel addresses the local-storage helpers resolve. */
    public OwnerTable storageOwners() { return storageOwners; }

    /** The runtime's BPF iterators (BPF_TRACE_ITER links, BPF_ITER_CREATE). */
    public org.ebpf4j.kernel.iter.BpfIter iters() { return iters; }

    /** BPF_PROG_LOAD's body. */
    public ProgLoader loader() { return loader; }

    /** BPF_PROG_TEST_RUN's body. */
    public TestRun testRun() { return testRun; }

    public Runtime runtime() { return runtime; }

    public HelperTable helpers() { return helpers; }

    /** The runtime's trace pipe (bpf_trace_printk output). */
    public TracePipe tracePipe() { return trace; }

    /**
     * The engine of {@code kind}. JIT engines register themselves with {@link #registerEngine};
     * asking for one that is not there is a caller error.
     */
    public synchronized Engine engine(EngineKind kind) {
        Engine e = engines.get(kind);
        if (e == null) {
            throw new IllegalArgumentException("engine " + kind + " is not available in this build");
        }
        return e;
    }

    /** Adds (or replaces) an engine, built over this runtime's arena and helper table. */
    public synchronized void registerEngine(EngineKind kind, Function<ProgEnv, Engine> factory) {
        engines.put(kind, factory.apply(this));
    }

    public synchronized boolean hasEngine(EngineKind kind) { return engines.containsKey(kind); }

    /** The engine BPF_PROG_LOAD uses (the JIT unless changed). */
    public EngineKind defaultEngine() { return defaultEngine; }

    /** Makes {@code kind} (which must be registered) the engine of later loads. */
    public void setDefaultEngine(EngineKind kind) {
        engine(kind);
        defaultEngine = kind;
    }

    /** Runs {@code body} with {@code task} as the current task of this thread (helpers read it). */
    public <T> T asCurrent(Task task, java.util.function.Supplier<T> body) {
        Task prev = current.get();
        current.set(task);
        try {
            return body.get();
        } finally {
            if (prev == null) {
                current.remove();
            } else {
                current.set(prev);
            }
        }
    }

    /**
     * {@code bpf_set_run_ctx}: makes {@code ctx} the run context helpers of this thread see (for a
     * cgroup hook its {@link org.ebpf4j.kernel.cgroup.CgRunCtx}); returns the previous one, which
     * the caller gives back to {@link #resetRunCtx} ({@code bpf_reset_run_ctx}) when the run ends,
     * so nested runs restore it.
     */
    public Object setRunCtx(Object ctx) {
        Object prev = runCtx.get();
        runCtx.set(ctx);
        return prev;
    }

    /** {@code bpf_reset_run_ctx}: restores what {@link #setRunCtx} returned. */
    public void resetRunCtx(Object prev) {
        if (prev == null) {
            runCtx.remove();
        } else {
            runCtx.set(prev);
        }
    }

    /** The run context of the hook running on this thread, or null. */
    public Object runCtx() { return runCtx.get(); }

    /** The task programs on this thread run for, or null (then helpers see the idle task). */
    public Task current() { return current.get(); }

    private TaskIdentity currentIdentity() {
        Task t = current.get();
        if (t == null) {
            return new TaskIdentity(0, 0, 0, 0, "swapper/0");
        }
        return new TaskIdentity(t.pid(), t.tgid(), t.uid(), t.gid(), t.comm());
    }

    /** BPF_ENABLE_STATS(BPF_STATS_RUN_TIME) holders: while non-zero, runs count run_cnt/run_time_ns. */
    public AtomicInteger statsEnabled() { return statsEnabled; }
}
