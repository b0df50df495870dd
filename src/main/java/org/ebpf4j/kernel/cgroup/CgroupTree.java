package org.ebpf4j.kernel.cgroup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongPredicate;
import org.ebpf4j.map.storage.LocalStorage;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The cgroup v2 hierarchy of one runtime ({@code cgrp_dfl_root}, kernel/cgroup/cgroup.c): mkdir,
 * rmdir, path and id lookup, and the one {@code cgroup_mutex} every attach, detach, query and
 * release serialises on. Readers of effective arrays never take it.
 *
 * <p>Ids are 64-bit and never reused (kernfs ids); the root's is 1.
 */
public final class CgroupTree {
    /** The root cgroup's id (kernfs root id). */
    public static final long ROOT_ID = 1;

    private final ReentrantLock cgroupMutex = new ReentrantLock();
    private final LongPredicate populated;
    private final Map<Long, Cgroup> byId = new ConcurrentHashMap<>();
    private final Cgroup root;
    private final CgroupBpf bpf;
    private long nextId = ROOT_ID + 1;
    /** Told of each cgroup whose BPF state was released (the runtime frees its arena mirror then). */
    private volatile Consumer<Cgroup> releaseListener = c -> {};

    /**
     * @param populated whether a live task runs in the cgroup with this id (rmdir then fails
     *                  EBUSY, {@code cgroup_is_populated})
     */
    public CgroupTree(LongPredicate populated) {
        this.populated = populated;
        this.root = new Cgroup(this, ROOT_ID, "", null);
        byId.put(ROOT_ID, root);
        this.bpf = new CgroupBpf(this);
    }

    /** A tree whose cgroups never hold tasks (unit tests, benchmarks). */
    public CgroupTree() { this(id -> false); }

    /** Told of each cgroup rmdir'ed ({@code kernfs_remove} of its directory: the runtime drops its kernfs inode). */
    private volatile Consumer<Cgroup> removeListener = c -> {};

    /** Sets who is told that a cgroup's directory was removed (one listener), after the cgroup mutex is released. */
    public void setRemoveListener(Consumer<Cgroup> listener) { this.removeListener = listener; }

    /** Sets who is told, after its CGRP_STORAGE is destroyed, that a cgroup was released (one listener). */
    public void setReleaseListener(Consumer<Cgroup> listener) { this.releaseListener = listener; }

    /** {@code cgroup_mutex}. Reentrant: a release triggered while it is held runs inline. */
    public ReentrantLock lock() { return cgroupMutex; }

    public Cgroup root() { return root; }

    /** Attach, detach, replace and query on this tree. */
    public CgroupBpf bpf() { return bpf; }

    /** The online cgroup with this id, or null ({@code cgroup_get_from_id}). */
    public Cgroup byId(long id) {
        Cgroup c = byId.get(id);
        return c != null && c.online ? c : null;
    }

    /**
     * mkdir(2) of {@code name} under {@code parent}: ENOENT if the parent is gone, EEXIST if the
     * name is taken, EINVAL for a name with '/' or empty. The new cgroup inherits the effective
     * arrays of its ancestors and takes a BPF reference on each of them
     * ({@code cgroup_bpf_inherit}, spec §4.2).
     */
    public Cgroup mkdir(Cgroup parent, String name) {
        if (name == null || name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new BpfException(Errno.EINVAL, "cgroup name '" + name + "' is not a single path component");
        }
        cgroupMutex.lock();
        try {
            if (!parent.online) {
                throw new BpfException(Errno.ENOENT, "mkdir " + name + ": parent " + parent.path() + " was removed");
            }
            if (child(parent, name) != null) {
                throw new BpfException(Errno.EEXIST, "mkdir: " + parent.path() + "/" + name + " exists");
            }
            Cgroup c = new Cgroup(this, nextId++, name, parent);
            for (Cgroup p = parent; p != null; p = p.parent()) {
                p.bpfGet();
            }
            for (CgroupHook h : CgroupHook.values()) {
                c.publish(h.ordinal(), bpf.computeEffective(c, h.ordinal()));
            }
            parent.children.add(c);
            byId.put(c.id(), c);
            return c;
        } finally {
            cgroupMutex.unlock();
        }
    }

    /** mkdir -p relative to the root: every missing component is created. */
    public Cgroup mkdirs(String path) {
        cgroupMutex.lock();
        try {
            Cgroup c = root;
            for (String part : split(path)) {
                Cgroup next = child(c, part);
                c = next != null ? next : mkdir(c, part);
            }
            return c;
        } finally {
            cgroupMutex.unlock();
        }
    }

    /**
     * rmdir(2) ({@code cgroup_destroy_locked}): EBUSY for the root, a populated cgroup or one with
     * online children. The cgroup goes offline at once (fds to it then resolve to ENOENT); its BPF
     * state is released when its last BPF reference goes (spec §4.4).
     */
    public void rmdir(Cgroup c) {
        cgroupMutex.lock();
        try {
            if (c.parent() == null) {
                throw new BpfException(Errno.EBUSY, "rmdir of the cgroup2 root");
            }
            if (!c.online) {
                throw new BpfException(Errno.ENOENT, "rmdir: " + c.path() + " was already removed");
            }
            if (populated.test(c.id())) {
                throw new BpfException(Errno.EBUSY, "rmdir: " + c.path() + " still has tasks");
            }
            for (Cgroup ch : c.children) {
                if (ch.online) {
                    throw new BpfException(Errno.EBUSY, "rmdir: " + c.path() + " has child " + ch.name());
                }
            }
            c.online = false;
            c.bpfPut();   // cgroup_bpf_offline: percpu_ref_kill
        } finally {
            cgroupMutex.unlock();
        }
        removeListener.accept(c);
    }

    /** The online cgroup at {@code path} (absolute below the mount, "/" = root), or ENOENT. */
    public Cgroup lookup(String path) {
        cgroupMutex.lock();
        try {
            Cgroup c = root;
            for (String part : split(path)) {
                c = child(c, part);
                if (c == null) {
                    throw new BpfException(Errno.ENOENT, "no cgroup " + path);
                }
            }
            return c;
        } finally {
            cgroupMutex.unlock();
        }
    }

    /** Online children of {@code c} (snapshot). */
    public List<Cgroup> children(Cgroup c) {
        cgroupMutex.lock();
        try {
            List<Cgroup> out = new ArrayList<>();
            for (Cgroup ch : c.children) {
                if (ch.online) {
                    out.add(ch);
                }
            }
            return out;
        } finally {
            cgroupMutex.unlock();
        }
    }

    /** {@code cgroup_bpf_release} (spec §4.4), run when the last BPF reference goes. */
    void release(Cgroup c) {
        cgroupMutex.lock();
        try {
            bpf.release(c);
            if (c.parent() != null) {
                c.parent().children.remove(c);
            }
            byId.remove(c.id(), c);
        } finally {
            cgroupMutex.unlock();
        }
        // css_free_rwork_fn → bpf_cgrp_storage_free: the model frees the cgroup with its BPF state
        LocalStorage.destroy(c);
        releaseListener.accept(c);
        for (Cgroup p = c.parent(); p != null; p = p.parent()) {
            p.bpfPut();
        }
    }

    private static Cgroup child(Cgroup parent, String name) {
        for (Cgroup ch : parent.children) {
            if (ch.online && ch.name().equals(name)) {
                return ch;
            }
        }
        return null;
    }

    private static List<String> split(String path) {
        List<String> parts = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        return parts;
    }
}
