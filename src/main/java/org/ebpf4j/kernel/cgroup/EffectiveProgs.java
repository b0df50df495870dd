package org.ebpf4j.kernel.cgroup;

import org.ebpf4j.map.storage.CgroupStorage;
import org.ebpf4j.map.storage.CgroupStorageRunCtx;
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
    /** {@code item->cgroup_storage[]} per program (null when no program uses legacy storage). */
    private final CgroupStorage[][] storages;

    EffectiveProgs(CgroupProg[] progs) { this(progs, null); }

    EffectiveProgs(CgroupProg[] progs, CgroupStorage[][] storages) {
        this.progs = progs;
        this.storages = storages;
    }

    /** The legacy cgroup storages the {@code i}th program runs with (null: none). */
    public CgroupStorage[] storages(int i) { return storages == null ? null : storages[i]; }

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
        CgroupStorageRunCtx sc = storages == null ? null : rc.storageCtx;
        for (int i = 0; i < a.length; i++) {
            CgroupProg p = a[i];
            rc.prog = p;
            long r;
            if (sc == null) {
                r = p.run(ctx, rc);
            } else {
                CgroupStorage[] saved = sc.enter(storages[i]);   // run_ctx.prog_item
                try {
                    r = p.run(ctx, rc);
                } finally {
                    sc.exit(saved);
                }
            }
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
