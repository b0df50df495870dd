package org.ebpf4j.map.storage;

import java.util.function.LongSupplier;

/**
 * The part of {@code struct bpf_cg_run_ctx} that {@code bpf_get_local_storage} reads: the
 * storages of the effective-array item being run ({@code ctx->prog_item->cgroup_storage[stype]}),
 * or the fresh ones of a BPF_PROG_TEST_RUN. One per runtime; the kernel reaches it through
 * {@code current->bpf_ctx}, here a thread-local of this instance (no static state).
 */
public final class CgroupStorageRunCtx {
    /** {@code BPF_CGROUP_STORAGE_SHARED}, {@code BPF_CGROUP_STORAGE_PERCPU}. */
    public static final int SHARED = 0;
    public static final int PERCPU = 1;
    public static final int TYPES = 2;

    private final ThreadLocal<CgroupStorage[]> current = new ThreadLocal<>();

    /**
     * Runs {@code body} with {@code storages} (indexed by {@link #SHARED}/{@link #PERCPU}, either
     * may be null) as the running program's storages; nests (a program run from inside another
     * sees its own, the outer ones are restored after).
     */
    public long run(CgroupStorage[] storages, LongSupplier body) {
        CgroupStorage[] saved = current.get();
        current.set(storages);
        try {
            return body.getAsLong();
        } finally {
            current.set(saved);
        }
    }

    /** Makes {@code storages} current on this thread; returns what was, for {@link #exit}. Allocation-free form of {@link #run}. */
    public CgroupStorage[] enter(CgroupStorage[] storages) {
        CgroupStorage[] saved = current.get();
        current.set(storages);
        return saved;
    }

    /** Restores what {@link #enter} returned. */
    public void exit(CgroupStorage[] saved) { current.set(saved); }

    /** The running program's storage of type {@code stype}, or null (no cgroup run: a bug upstream). */
    public CgroupStorage current(int stype) {
        CgroupStorage[] s = current.get();
        return s == null ? null : s[stype];
    }
}
