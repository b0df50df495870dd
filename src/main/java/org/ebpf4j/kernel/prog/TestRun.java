package org.ebpf4j.kernel.prog;

import org.ebpf4j.kernel.Task;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramFault;

/**
 * BPF_PROG_TEST_RUN after the program is resolved: net/bpf/test_run.c. Dispatches on the type's
 * {@link TestRunKind}; the shared pieces are here: {@code bpf_ctx_init} (ctx_in, E2BIG on a
 * non-zero tail past the struct), {@code bpf_test_run} (repeat runs in one RCU read section, mean
 * duration), {@code bpf_test_finish} (data_out, ENOSPC when cut short) and {@code bpf_ctx_finish}.
 */
public final class TestRun {
    private final ProgEnv env;
    /** The calling thread's CPU clock: {@code bpf_test_timer} (see {@link #repeat}). */
    private final java.lang.management.ThreadMXBean cpuClock = java.lang.management.ManagementFactory.getThreadMXBean();

    public TestRun(ProgEnv env) { this.env = env; }

    /** Runs {@code prog} as {@code task} would through BPF_PROG_TEST_RUN. */
    public TestRunResult run(Task task, BpfProg prog, TestRunAttr attr) {
        TestRunKind kind = ProgTypes.row(prog.progType()).testRun();
        return env.asCurrent(task, () -> switch (kind) {
            case SKB -> SkbTestRun.run(this, task, prog, attr);
            case XDP -> XdpTestRun.run(this, prog, attr);
            case RAW_TP -> rawTp(prog, attr);
            case SYSCALL -> syscall(prog, attr);
            case TRACING -> env.runtime().testFunctions().testRunTracing(prog, attr);   // bpf_prog_test_run_tracing
            case FLOW_DISSECTOR, SK_LOOKUP, NETFILTER -> throw new BpfException(Errno.ENOTSUPP,
                    "BPF_PROG_TEST_RUN of " + prog.progType() + " programs is not modelled yet");
            case NONE -> throw new BpfException(Errno.ENOTSUPP, prog.progType() + " programs have no test_run");
        });
    }

    Arena arena() { return env.runtime().arena(); }

    /** The runtime's network namespace (the dummy sockets of skb test runs live there). */
    org.ebpf4j.kernel.net.Net net() { return env.runtime().net(); }

    int cpus() { return env.runtime().cpus(); }

    /** The outcome of {@code bpf_test_run}. */
    record Runs(int retval, int duration) {}

    /**
     * {@code bpf_test_run}: {@code repeat} runs (0 means 1) on the same context; mean ns per run.
     *
     * <p>The duration is the calling thread's CPU time over the runs, divided by their number.
     * The kernel's {@code bpf_test_timer} stops its clock whenever the task must reschedule
     * ({@code bpf_test_timer_continue}: time spent so far is banked, {@code cond_resched()}, the
     * clock restarts), so time given to other tasks never counts; a thread's CPU clock has the
     * same property, where wall time on a busy machine would count every other process's turn.
     * (Wall time, if the JVM has no thread CPU clock.) BPF_ENABLE_STATS' run_time_ns stays wall
     * time, as the kernel's sched_clock-based accounting is.
     */
    Runs repeat(BpfProg prog, long ctxAddr, int repeat) {
        long n = repeat == 0 ? 1 : Integer.toUnsignedLong(repeat);
        Executable exe = prog.executable();
        Rcu.Reader reader = env.runtime().rcu().reader();
        long r0 = 0;
        // bpf_test_run: fresh legacy cgroup storages for the run (bpf_cgroup_storages_alloc), never linked
        org.ebpf4j.map.storage.CgroupStorageMap[] stMaps = prog.cgroupStorageMaps();
        org.ebpf4j.map.storage.CgroupStorage[] storages = null;
        if (stMaps != null) {
            storages = new org.ebpf4j.map.storage.CgroupStorage[stMaps.length];
            for (int i = 0; i < stMaps.length; i++) {
                if (stMaps[i] != null) {
                    storages[i] = stMaps[i].allocUnlinked(0, 0);
                    if (storages[i] == null) {
                        freeStorages(stMaps, storages);
                        throw new BpfException(Errno.ENOMEM, "no memory for the test run's " + stMaps[i].type() + " storage");
                    }
                }
            }
        }
        org.ebpf4j.map.storage.CgroupStorageRunCtx sctx = env.runtime().cgroupStorageCtx();
        org.ebpf4j.map.storage.CgroupStorage[] saved = sctx.enter(storages);
        long cpu0 = cpuClock.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long total;
        long cpu1;
        reader.lock();
        try {
            for (long i = 0; i < n; i++) {
                r0 = exe.run(ctxAddr);
            }
            total = System.nanoTime() - start;
            cpu1 = cpuClock.getCurrentThreadCpuTime();
        } catch (ProgramFault f) {
            throw new BpfException(Errno.EFAULT, "program " + prog.name() + " aborted (the kernel's verifier would"
                    + " have refused it): " + f.getMessage());
        } finally {
            reader.unlock();
            sctx.exit(saved);
            freeStorages(stMaps, storages);
        }
        if (env.statsEnabled().get() > 0) {
            prog.countRun(total);
        }
        long mean = (cpu0 < 0 || cpu1 < 0 ? total : cpu1 - cpu0) / n;
        return new Runs((int) r0, (int) Math.min(mean, 0xffffffffL));
    }

    private static void freeStorages(org.ebpf4j.map.storage.CgroupStorageMap[] maps, org.ebpf4j.map.storage.CgroupStorage[] st) {
        if (st == null) {
            return;
        }
        for (int i = 0; i < st.length; i++) {
            if (st[i] != null) {
                maps[i].freeUnlinked(st[i]);
            }
        }
    }

    /**
     * {@code bpf_ctx_init}: the user's ctx_in over a zeroed struct of {@code maxSize}; E2BIG when
     * it is longer and the tail is not zero. Null when neither ctx_in nor ctx_out is given.
     */
    static byte[] ctxInit(TestRunAttr attr, int maxSize) {
        if (attr.ctxIn() == null && attr.ctxSizeOut() == null) {
            return null;
        }
        byte[] ctx = new byte[maxSize];
        if (attr.ctxIn() != null) {
            byte[] in = attr.ctxIn();
            for (int i = maxSize; i < in.length; i++) {
                if (in[i] != 0) {
                    throw new BpfException(Errno.E2BIG, "ctx_in byte " + i + " is past the " + maxSize
                            + "-byte context and not zero");
                }
            }
            System.arraycopy(in, 0, ctx, 0, Math.min(in.length, maxSize));
        }
        return ctx;
    }

    /** {@code bpf_test_finish} then {@code bpf_ctx_finish}: the outputs, ENOSPC if a buffer was too small. */
    static TestRunResult finish(TestRunAttr attr, Runs runs, byte[] data, byte[] ctx) {
        boolean noSpace = false;
        byte[] dataOut = null;
        int dataSize = data == null ? 0 : data.length;
        if (attr.dataSizeOut() != null && data != null) {
            int cap = attr.dataSizeOut();
            int n = dataSize;
            if (cap != 0 && Integer.toUnsignedLong(dataSize) > Integer.toUnsignedLong(cap)) {
                n = cap;
                noSpace = true;
            }
            dataOut = java.util.Arrays.copyOf(data, n);
        }
        byte[] ctxOut = null;
        int ctxSize = ctx == null ? 0 : ctx.length;
        if (!noSpace && ctx != null && attr.ctxSizeOut() != null) {
            int n = ctxSize;
            if (ctxSize > attr.ctxSizeOut()) {
                n = attr.ctxSizeOut();
                noSpace = true;
            }
            ctxOut = java.util.Arrays.copyOf(ctx, n);
        }
        TestRunResult r = new TestRunResult(runs.retval(), runs.duration(), dataOut, dataSize, ctxOut, ctxSize);
        if (noSpace) {
            throw new TestRunException("an output buffer is smaller than the output (data " + dataSize
                    + " bytes, ctx " + ctxSize + " bytes)", r);
        }
        return r;
    }

    /** {@code bpf_prog_test_run_raw_tp}: once, on up to 12 u64 arguments; only retval comes back. */
    private TestRunResult rawTp(BpfProg prog, TestRunAttr attr) {
        if (attr.dataIn() != null || attr.dataSizeOut() != null || attr.ctxSizeOut() != null || attr.duration() != 0
                || attr.repeat() != 0 || attr.batchSize() != 0) {
            throw new BpfException(Errno.EINVAL, "raw_tp test runs take only ctx_in (no data, ctx_out, duration, repeat, batch_size)");
        }
        int size = attr.ctxIn() == null ? 0 : attr.ctxIn().length;
        if (size < prog.maxCtxOffset() || size > 12 * 8) {
            throw new BpfException(Errno.EINVAL, "ctx_size_in " + size + " must be in " + prog.maxCtxOffset() + "..96");
        }
        if ((attr.flags() & ~TestRunAttr.BPF_F_TEST_RUN_ON_CPU) != 0) {
            throw new BpfException(Errno.EINVAL, "flags 0x" + Integer.toHexString(attr.flags()) + " has unknown bits");
        }
        if ((attr.flags() & TestRunAttr.BPF_F_TEST_RUN_ON_CPU) == 0 && attr.cpu() != 0) {
            throw new BpfException(Errno.EINVAL, "cpu " + attr.cpu() + " without BPF_F_TEST_RUN_ON_CPU");
        }
        if ((attr.flags() & TestRunAttr.BPF_F_TEST_RUN_ON_CPU) != 0 && Integer.toUnsignedLong(attr.cpu()) >= cpus()) {
            throw new BpfException(Errno.ENXIO, "cpu " + Integer.toUnsignedString(attr.cpu()) + " is not online");
        }
        return runOnCopy(prog, attr.ctxIn(), 12 * 8, false);
    }

    /** {@code bpf_prog_test_run_syscall}: once; the context is written back to ctx_in. */
    private TestRunResult syscall(BpfProg prog, TestRunAttr attr) {
        if (attr.dataIn() != null || attr.dataSizeOut() != null || attr.ctxSizeOut() != null || attr.duration() != 0
                || attr.repeat() != 0 || attr.flags() != 0 || attr.batchSize() != 0 || attr.cpu() != 0) {
            throw new BpfException(Errno.EINVAL, "syscall test runs take only ctx_in");
        }
        int size = attr.ctxIn() == null ? 0 : attr.ctxIn().length;
        if (size < prog.maxCtxOffset() || size > 0xffff) {
            throw new BpfException(Errno.EINVAL, "ctx_size_in " + size + " must be in " + prog.maxCtxOffset() + "..65535");
        }
        return runOnCopy(prog, attr.ctxIn(), size, true);
    }

    private TestRunResult runOnCopy(BpfProg prog, byte[] in, int allocSize, boolean copyBack) {
        Arena a = arena();
        long size = Math.max(8, allocSize);
        long addr = a.alloc(size);
        if (addr == 0) {
            throw new BpfException(Errno.ENOMEM, "no arena memory for a " + size + "-byte context");
        }
        try {
            a.fill(addr, size, (byte) 0);
            if (in != null) {
                a.copyIn(addr, in);
            }
            Runs r = repeat(prog, in == null ? 0 : addr, 1);
            byte[] back = copyBack && in != null ? a.copyOut(addr, in.length) : null;
            return new TestRunResult(r.retval(), 0, null, 0, back, back == null ? 0 : back.length);
        } finally {
            a.free(addr, size);
        }
    }
}
