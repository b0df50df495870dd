package org.ebpf4j.kernel.prog;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.map.storage.CgroupStorageMap;
import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.cgroup.CgroupProg;
import org.ebpf4j.kernel.helpers.TailCallTarget;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramFault;

/**
 * A loaded program ({@code struct bpf_prog} + {@code bpf_prog_aux}): what PROG_LOAD made of the
 * attributes. It holds one reference on every map it uses ({@code aux->used_maps}) for as long
 * as it lives, so a map whose last fd closes stays alive while a program still uses it; those
 * references go a grace period after the program dies ({@code bpf_prog_free_deferred} →
 * {@code bpf_free_used_maps}). As a PROG_ARRAY slot value it is a {@link TailCallTarget}; as
 * what a cgroup attachment or link holds it is a {@link CgroupProg}.
 */
public final class BpfProg extends ProgObject implements TailCallTarget, CgroupProg {
    private final Runtime runtime;
    private final ProgType type;
    private final AttachType expectedAttachType;
    private final String name;
    private final byte[] tag;
    private final boolean gplCompatible;
    private final List<MapObject> usedMaps;
    private final List<Insn> xlated;
    private final Executable executable;
    private final long loadTime;
    private final int uid;
    private final int maxCtxOffset;
    private final int progFlags;
    /** {@code aux->attach_btf_id} / {@code aux->attach_func_name} of a tp_btf program; null otherwise. */
    private final AttachBtf attachBtf;
    private final AtomicLong runCnt = new AtomicLong();
    private final AtomicLong runTimeNs = new AtomicLong();
    private final AtomicLong faults = new AtomicLong();
    /** {@code prog->aux->recursion_misses}: runs skipped because the program was already running on this CPU. */
    private final AtomicLong recursionMisses = new AtomicLong();
    /**
     * {@code prog->active}, per CPU in the kernel: how deep this program is running on this thread.
     * A model thread does not migrate while it runs a program, as the kernel's runs hold
     * {@code migrate_disable()}, so per thread is per CPU without spurious misses between threads.
     */
    private final ThreadLocal<int[]> active = ThreadLocal.withInitial(() -> new int[1]);

    BpfProg(Runtime runtime, ProgType type, AttachType expectedAttachType, String name, byte[] tag,
            boolean gplCompatible, List<MapObject> usedMaps, List<Insn> xlated, Executable executable, long loadTime,
            int uid, int maxCtxOffset, int progFlags, AttachBtf attachBtf, String origin) {
        super(origin);
        this.attachBtf = attachBtf;
        this.runtime = runtime;
        this.type = type;
        this.expectedAttachType = expectedAttachType;
        this.name = name;
        this.tag = tag.clone();
        this.gplCompatible = gplCompatible;
        this.usedMaps = List.copyOf(usedMaps);
        this.xlated = List.copyOf(xlated);
        this.executable = executable;
        this.loadTime = loadTime;
        this.uid = uid;
        this.maxCtxOffset = maxCtxOffset;
        this.progFlags = progFlags;
    }

    /**
     * {@code prog->aux->max_rdwr_access}: the end of the furthest access through an rdwr
     * PTR_TO_BUF context field (an iterator's value), which attach compares with value_size.
     * Set once by the loader before the program is published.
     */
    private int maxRdwrAccess;

    public int maxRdwrAccess() { return maxRdwrAccess; }

    void maxRdwrAccess(int bytes) { this.maxRdwrAccess = bytes; }

    /** {@code prog->aux->max_rdonly_access}: the same for read-only PTR_TO_BUF fields (an iterator's key). */
    private int maxRdonlyAccess;

    public int maxRdonlyAccess() { return maxRdonlyAccess; }

    void maxRdonlyAccess(int bytes) { this.maxRdonlyAccess = bytes; }

    /** {@code bpf_prog_alloc_id}, the last step of a successful load. */
    int publishIn(Runtime rt) { return publish(rt); }

    @Override public ProgType progType() { return type; }

    /** {@code prog->aux->cgroup_storage[]}: checked at load (one map per storage type). */
    @Override
    public CgroupStorageMap[] cgroupStorageMaps() {
        CgroupStorageMap[] m = CgroupStorageMap.assign(usedMaps.stream().map(MapObject::map).toList());
        return m[0] == null && m[1] == null ? null : m;
    }

    /** {@code expected_attach_type} after {@code bpf_prog_load_fixup_attach_type} (null = 0). */
    public AttachType expectedAttachType() { return expectedAttachType; }

    @Override public String name() { return name; }

    public byte[] tag() { return tag.clone(); }

    public boolean gplCompatible() { return gplCompatible; }

    public List<MapObject> usedMaps() { return usedMaps; }

    /** The instructions as the engine received them (maps resolved, context accesses rewritten). */
    public List<Insn> xlated() { return xlated; }

    @Override public Executable executable() { return executable; }

    /** {@code aux->max_ctx_offset}: the end of the furthest context byte the program accesses. */
    public int maxCtxOffset() { return maxCtxOffset; }

    public int progFlags() { return progFlags; }

    /** {@code aux->attach_btf_id}: the kernel BTF type the program was loaded for (0 if none). */
    public int attachBtfId() { return attachBtf == null ? 0 : attachBtf.btfId(); }

    /** {@code aux->attach_func_name}: for tp_btf the tracepoint name ("sys_enter"); null if none. */
    public String attachFuncName() { return attachBtf == null ? null : attachBtf.funcName(); }

    /**
     * One run from a raw tracepoint ({@code __bpf_trace_run}): the caller holds the RCU read
     * section and has made the task current. A {@link ProgramFault} ends the run (R0 = 0) and is
     * counted in {@link #faults()}; the tracepoint's caller never sees it.
     */
    public long runTracing(long ctx) {
        boolean stats = runtime.progs().statsEnabled().get() > 0;
        long start = stats ? System.nanoTime() : 0;
        try {
            return executable.run(ctx);
        } catch (ProgramFault f) {
            faults.incrementAndGet();
            return 0;
        } finally {
            if (stats) {
                countRun(System.nanoTime() - start);
            }
        }
    }

    /**
     * One run from a trampoline or a raw tracepoint with the kernel's recursion protection
     * ({@code __bpf_prog_enter_recur} / {@code __bpf_trace_run}): if this program is already
     * running on this CPU the run is skipped, counted in {@code recursion_misses}, and
     * {@code skipped} is returned. The caller holds the RCU read section and made the task current.
     */
    public long runRecur(long ctx, long skipped) {
        int[] depth = active.get();
        if (++depth[0] != 1) {
            depth[0]--;
            recursionMisses.incrementAndGet();
            return skipped;
        }
        try {
            return runTracing(ctx);
        } finally {
            depth[0]--;
        }
    }

    /** {@code bpf_prog_info.recursion_misses}. */
    public long recursionMisses() { return recursionMisses.get(); }

    /** The attach target this program was loaded for (tp_btf, fentry/fexit/fmod_ret, lsm), or null. */
    public AttachBtf attachBtf() { return attachBtf; }

    public Runtime runtime() { return runtime; }

    /** Accounts one run for BPF_ENABLE_STATS ({@code bpf_prog_run} with {@code bpf_stats_enabled_key}). */
    public void countRun(long ns) {
        runCnt.incrementAndGet();
        runTimeNs.addAndGet(ns);
    }

    // ---- as a cgroup program (kernel/bpf/cgroup.c, spec §5.1) ----

    @Override public ProgType type() { return type; }

    @Override public String tagHex() { return ProgTag.hex(tag); }

    /**
     * One run from a cgroup hook ({@code bpf_prog_run_array_cg}'s {@code run_prog}): the caller
     * ({@link org.ebpf4j.kernel.cgroup.CgroupRunner}) holds the RCU read section; here
     * {@code rc} becomes this thread's run context ({@code bpf_set_run_ctx}) so bpf_get_retval /
     * bpf_set_retval reach it, and a context field aliasing the retval
     * ({@link CgRunCtx#retvalAlias}, getsockopt) is kept in step with it.
     *
     * <p>A {@link ProgramFault} (a program the kernel's verifier would have refused) ends the
     * run as a deny (R0 = 0) and is counted in {@link #faults()}; it never reaches the hook.
     */
    @Override
    public long run(long ctx, CgRunCtx rc) {
        ProgEnv env = runtime.progs();
        Object prev = env.setRunCtx(rc);
        if (rc.storageCtx == null) {
            rc.storageCtx = env.cgroupStorageCtx();
        }
        long alias = rc.retvalAlias;
        boolean stats = env.statsEnabled().get() > 0;
        long start = stats ? System.nanoTime() : 0;
        try {
            if (alias != 0) {
                runtime.arena().store32(alias, rc.retval);
            }
            long r0 = executable.run(ctx);
            if (alias != 0) {
                rc.retval = (int) runtime.arena().load32(alias);
            }
            return r0;
        } catch (ProgramFault f) {
            faults.incrementAndGet();
            return 0;
        } finally {
            env.resetRunCtx(prev);
            if (stats) {
                countRun(System.nanoTime() - start);
            }
        }
    }

    /** Runs from cgroup hooks that aborted with a {@link ProgramFault} (counted as denies). */
    public long faults() { return faults.get(); }

    @Override
    public ObjInfo info() {
        return new ProgInfo(id(), type, tag, name, xlated.size() * 8, 0, loadTime, uid,
                usedMaps.stream().map(m -> m.map().id()).toList(), gplCompatible, 0, runTimeNs.get(), runCnt.get(),
                recursionMisses.get(),
                xlated.size(), expectedAttachType == null ? 0 : expectedAttachType.value());
    }

    @Override
    protected void destroy() {
        // __bpf_prog_put_noref → bpf_prog_free_deferred: the used maps go after a grace period,
        // since a run that started before the last put may still be using them.
        runtime.rcu().callAfterGracePeriod(() -> usedMaps.forEach(MapObject::put));
    }
}
