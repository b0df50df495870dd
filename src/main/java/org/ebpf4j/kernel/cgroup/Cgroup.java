package org.ebpf4j.kernel.cgroup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.ebpf4j.map.storage.CgroupStorage;
import org.ebpf4j.map.storage.CgrpStorageOwner;
import org.ebpf4j.map.storage.LocalStorage;

/**
 * One cgroup of the v2 hierarchy with its BPF state ({@code struct cgroup} +
 * {@code struct cgroup_bpf}, kernel/bpf/cgroup.c; spec §1.1). Per hook: the list of programs
 * attached here, this level's mode (0 / ALLOW_OVERRIDE / ALLOW_MULTI), the revision (starts at
 * 1) and the published {@link EffectiveProgs}.
 *
 * <p>Life cycle (spec §4.4): online until rmdir; then offline but its BPF state lives on while
 * a socket created in it or a descendant still holds a BPF reference ({@link #bpfGet()}); the
 * last {@link #bpfPut()} releases it: legacy programs dropped, links auto-detached, effective
 * arrays emptied, ancestors' references dropped.
 *
 * <p>Everything but {@link #effective} and the reference count is guarded by the tree's
 * cgroup mutex ({@link CgroupTree#lock()}).
 */
public final class Cgroup implements CgrpStorageOwner {
    final CgroupTree tree;
    private final long id;
    private final String name;
    private final Cgroup parent;
    private final int level;
    final List<Cgroup> children = new ArrayList<>();
    volatile boolean online = true;
    boolean released;

    @SuppressWarnings("unchecked")
    final List<ProgEntry>[] progs = new List[CgroupHook.COUNT];
    final int[] flags = new int[CgroupHook.COUNT];
    /** {@code cgrp->bpf.storages}: legacy cgroup storages linked for attach points here. Under the cgroup mutex. */
    final List<CgroupStorage> storages = new ArrayList<>();
    final long[] revisions = new long[CgroupHook.COUNT];
    private final AtomicReferenceArray<EffectiveProgs> effective = new AtomicReferenceArray<>(CgroupHook.COUNT);
    /** {@code cgrp->bpf.refcnt}: 1 while online, +1 per live descendant, +1 per socket. */
    private final AtomicLong bpfRefcnt = new AtomicLong(1);
    /** {@code cgroup->bpf_cgrp_storage} (CGRP_STORAGE); destroyed when the BPF state is released. */
    private final AtomicReference<LocalStorage> bpfCgrpStorage = new AtomicReference<>();

    Cgroup(CgroupTree tree, long id, String name, Cgroup parent) {
        this.tree = tree;
        this.id = id;
        this.name = name;
        this.parent = parent;
        this.level = parent == null ? 0 : parent.level + 1;
        for (int i = 0; i < CgroupHook.COUNT; i++) {
            progs[i] = new ArrayList<>();
            revisions[i] = 1;   // init_cgroup_housekeeping()
            effective.set(i, EffectiveProgs.EMPTY);
        }
    }

    /** The 64-bit cgroup id (kernfs id of its directory; the root's is 1). */
    public long id() { return id; }

    public String name() { return name; }

    public Cgroup parent() { return parent; }

    public int level() { return level; }

    /** The path below the cgroup2 mount ("/" for the root). */
    public String path() {
        if (parent == null) {
            return "/";
        }
        String p = parent.path();
        return (p.equals("/") ? "" : p) + "/" + name;
    }

    /** False once rmdir'ed: {@code cgroup_get_from_fd} then answers ENOENT. */
    @Override
    public boolean online() { return online; }

    @Override
    public AtomicReference<LocalStorage> bpfStorage() { return bpfCgrpStorage; }

    /** {@code !percpu_ref_is_dying(&cgroup->self.refcnt)}: no new CGRP_STORAGE once rmdir started. */
    @Override
    public boolean acceptsNewStorage() { return online; }

    /** True once the BPF state was released (§4.4). */
    public boolean bpfReleased() {
        tree.lock().lock();
        try {
            return released;
        } finally {
            tree.lock().unlock();
        }
    }

    /**
     * The effective array for {@code hook}: one volatile read, never blocks (the RCU-protected
     * {@code cgrp->bpf.effective[atype]}). Readers call it inside an RCU read-side section.
     */
    public EffectiveProgs effective(CgroupHook hook) { return effective.get(hook.ordinal()); }

    void publish(int atype, EffectiveProgs a) { effective.set(atype, a); }

    /** This level's mode for {@code hook} (0, BPF_F_ALLOW_OVERRIDE or BPF_F_ALLOW_MULTI). */
    public int mode(CgroupHook hook) {
        tree.lock().lock();
        try {
            return flags[hook.ordinal()];
        } finally {
            tree.lock().unlock();
        }
    }

    /** {@code cgrp->bpf.revisions[atype]}. */
    public long revision(CgroupHook hook) {
        tree.lock().lock();
        try {
            return revisions[hook.ordinal()];
        } finally {
            tree.lock().unlock();
        }
    }

    /** Current BPF reference count (tests, diagnostics). */
    public long bpfRefcnt() { return bpfRefcnt.get(); }

    /**
     * {@code cgroup_bpf_get}: a socket created in this cgroup keeps its BPF state alive
     * ({@code cgroup_sk_alloc}). Pair with {@link #bpfPut()} when the socket is freed.
     */
    public void bpfGet() {
        long n = bpfRefcnt.getAndIncrement();
        if (n <= 0) {
            bpfRefcnt.getAndDecrement();
            throw new IllegalStateException("bpf reference on released cgroup " + path());
        }
    }

    /** {@code cgroup_bpf_put}: the last reference releases the BPF state (spec §4.4). */
    public void bpfPut() {
        long n = bpfRefcnt.decrementAndGet();
        if (n == 0) {
            tree.release(this);
        } else if (n < 0) {
            bpfRefcnt.incrementAndGet();
            throw new IllegalStateException("bpf refcount of cgroup " + path() + " would go negative");
        }
    }

    @Override
    public String toString() { return "cgroup " + path() + " (id " + id + ")"; }
}
