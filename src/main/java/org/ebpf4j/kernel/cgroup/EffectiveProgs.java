package org.ebpf4j.kernel.cgroup;

import org.ebpf4j.uapi.Errno;

/**
 * {@code struct bpf_prog_array} of one cgroup and hook: what runs for an event there, in order
 * (spec §4.1). Immutable: a change builds a new array and publishes it with one atomic write
 * ({@link Cgroup#effective(CgroupHook)}), so a run keeps the array it loaded however the
 * attachments change meanwhile (spec §5.1 "Concurrency").
 */
public final class EffectiveProgs {
    /** The empty array (nothing effective): runs allow. Immutable, so sharing it is safe. */
    public static final EffectiveProgs EMPTY = new EffectiveProgs(new CgroupProg[0]);

    private final CgroupProg[] progs;

    EffectiveProgs(CgroupProg[] progs) { this.progs = progs; }

    public int size() { return progs.length; }

    public boolean isEmpty() { return progs.length == 0; }

    public CgroupProg prog(int i) { return progs[i]; }

    /** The program ids in execution order (an effective PROG_QUERY). */
    public int[] ids() {
        int[] ids = new int[progs.length];
        for (int i = 0; i < progs.length; i++) {
            ids[i] = progs[i].id();
        }
        return ids;
    }

    /**
     * {@code bpf_prog_run_array_cg()} (kernel/bpf/cgroup.c), spec §5.1: runs <b>every</b>
     * program (no short-circuit on deny). With {@code retFlags}, bit1 of each return is OR-ed
     * into {@link CgRunCtx#retFlags} and only bit0 decides; a deny turns the running result into
     * -EPERM unless an error (-4095..-1) is already recorded. Returns the final
     * {@link CgRunCtx#retval}. The caller holds an RCU read-side section.
     */
    public int run(long ctx, CgRunCtx rc, boolean retFlags) {
        CgroupProg[] a = progs;
        for (CgroupProg p : a) {
            rc.prog = p;
            long r = p.run(ctx, rc);
            if (retFlags) {
                rc.retFlags |= (int) ((r >>> 1) & 0x7fffffffL);
                r &= 1;
            }
            if (r == 0 && !isErrValue(rc.retval)) {
                rc.retval = Errno.EPERM.negative();
            }
        }
        rc.prog = null;
        return rc.retval;
    }

    /** {@code IS_ERR_VALUE}: a value in [-MAX_ERRNO, -1]. */
    static boolean isErrValue(int v) { return v < 0 && v >= -4095; }
}
