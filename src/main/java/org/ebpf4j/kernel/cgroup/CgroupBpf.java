package org.ebpf4j.kernel.cgroup;

import static org.ebpf4j.kernel.cgroup.AttachFlags.BPF_CGROUP_MAX_PROGS;
import static org.ebpf4j.kernel.cgroup.AttachFlags.BPF_F_AFTER;
import static org.ebpf4j.kernel.cgroup.AttachFlags.BPF_F_ALLOW_MULTI;
import static org.ebpf4j.kernel.cgroup.AttachFlags.BPF_F_ALLOW_OVERRIDE;
import static org.ebpf4j.kernel.cgroup.AttachFlags.BPF_F_BEFORE;
import static org.ebpf4j.kernel.cgroup.AttachFlags.BPF_F_ID;
import static org.ebpf4j.kernel.cgroup.AttachFlags.BPF_F_LINK;
import static org.ebpf4j.kernel.cgroup.AttachFlags.BPF_F_PREORDER;
import static org.ebpf4j.kernel.cgroup.AttachFlags.BPF_F_REPLACE;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.ebpf4j.map.storage.CgroupStorage;
import org.ebpf4j.map.storage.CgroupStorageMap;
import org.ebpf4j.map.storage.CgroupStorageRunCtx;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * Attach, detach, link replace and query on a {@link CgroupTree}: {@code __cgroup_bpf_attach},
 * {@code __cgroup_bpf_detach}, {@code __cgroup_bpf_replace}, {@code __cgroup_bpf_query},
 * {@code compute_effective_progs} and {@code update_effective_progs} of kernel/bpf/cgroup.c
 * (spec §2.3–§2.6, §3, §4, §6, §7.3, §7.4). Every method takes the cgroup mutex; errors are
 * {@link BpfException}s in the kernel's check order.
 *
 * <p>Reference ownership follows the kernel: a legacy attach consumes the caller's program
 * reference on success (on failure the caller still owns it); replaced or detached legacy
 * programs are put here; link entries hold no program reference of their own (the link does).
 */
public final class CgroupBpf {
    private final CgroupTree tree;
    private final ReentrantLock mutex;

    CgroupBpf(CgroupTree tree) {
        this.tree = tree;
        this.mutex = tree.lock();
    }

    /**
     * {@code __cgroup_bpf_attach(cgrp, prog, replace_prog, link, type, flags, id_or_fd, revision)}.
     * Exactly one of {@code prog} and {@code link} is non-null. Checks in the order of spec §2.3.
     */
    public void attach(Cgroup cgrp, CgroupProg prog, CgroupProg replaceProg, CgroupLinkRef link, CgroupHook hook,
                       int flags, int idOrFd, long revision, Anchors anchors) {
        int savedFlags = flags & (BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI);
        if (savedFlags == (BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI)
                || ((flags & BPF_F_REPLACE) != 0 && (flags & BPF_F_ALLOW_MULTI) == 0)) {
            throw new BpfException(Errno.EINVAL, "attach_flags 0x" + Integer.toHexString(flags)
                    + ": ALLOW_OVERRIDE with ALLOW_MULTI, or REPLACE without ALLOW_MULTI");
        }
        if ((flags & BPF_F_REPLACE) != 0 && (flags & (BPF_F_BEFORE | BPF_F_AFTER)) != 0) {
            throw new BpfException(Errno.EINVAL, "attach_flags 0x" + Integer.toHexString(flags) + ": REPLACE with BEFORE/AFTER");
        }
        if (link != null && (prog != null || replaceProg != null)) {
            throw new BpfException(Errno.EINVAL, "both a link and a program given");
        }
        if ((link == null) == (prog == null)) {
            throw new BpfException(Errno.EINVAL, "neither a link nor a program given");
        }
        if ((replaceProg != null) != ((flags & BPF_F_REPLACE) != 0)) {
            throw new BpfException(Errno.EINVAL, "replace_bpf_fd given without BPF_F_REPLACE or the reverse");
        }
        int atype = hook.ordinal();
        mutex.lock();
        try {
            if (revision != 0 && revision != cgrp.revisions[atype]) {
                throw new BpfException(Errno.ESTALE, "expected_revision " + revision + " but " + cgrp.path() + " "
                        + hook + " is at " + cgrp.revisions[atype]);
            }
            if (!hierarchyAllowsAttach(cgrp, atype)) {
                throw new BpfException(Errno.EPERM, "an ancestor of " + cgrp.path() + " has an exclusive "
                        + hook + " attachment");
            }
            List<ProgEntry> list = cgrp.progs[atype];
            if (!list.isEmpty() && cgrp.flags[atype] != savedFlags) {
                throw new BpfException(Errno.EPERM, cgrp.path() + " " + hook + " is attached in mode "
                        + modeName(cgrp.flags[atype]) + ", not " + modeName(savedFlags));
            }
            if (list.size() >= BPF_CGROUP_MAX_PROGS) {
                throw new BpfException(Errno.E2BIG, cgrp.path() + " " + hook + " already has "
                        + BPF_CGROUP_MAX_PROGS + " programs");
            }
            ProgEntry pl = findAttachEntry(list, prog, link, replaceProg, flags);
            // bpf_cgroup_storages_alloc: reuse (cgroup, type)'s storages or make new, unlinked ones
            CgroupStorage[] storage = storagesAlloc(cgrp, hook, prog != null ? prog : link.prog());
            CgroupProg oldProg = null;
            try {
                if (pl != null) {
                    oldProg = pl.prog;
                    pl.prog = prog;
                    pl.link = link;
                    pl.flags = flags;
                } else {
                    pl = new ProgEntry(prog, link, flags);
                    insert(list, pl, prog, link, flags, idOrFd, anchors);
                }
            } catch (RuntimeException e) {
                storagesFree(storage);   // only the new ones are freed
                throw e;
            }
            pl.storage = storagesLink(cgrp, storage);   // bpf_cgroup_storages_link, before publication here
            cgrp.flags[atype] = savedFlags;
            updateEffective(cgrp, atype);   // cannot fail in Java: nothing to roll back
            cgrp.revisions[atype]++;
            if (oldProg != null) {
                oldProg.put();
            }
        } finally {
            mutex.unlock();
        }
    }

    /**
     * {@code bpf_cgroup_storages_alloc()}: for each legacy storage map {@code prog} uses, the
     * storage of (cgroup, attach type) if linked, else a new zeroed one (spec §6.2, seed 1).
     * ENOMEM if one cannot be allocated (the attach fails, nothing is kept). Null if none.
     */
    static CgroupStorage[] storagesAlloc(Cgroup cgrp, CgroupHook hook, CgroupProg prog) {
        CgroupStorageMap[] maps = prog.cgroupStorageMaps();
        if (maps == null) {
            return null;
        }
        CgroupStorage[] st = new CgroupStorage[CgroupStorageRunCtx.TYPES];
        for (int i = 0; i < st.length; i++) {
            if (maps[i] != null) {
                st[i] = maps[i].findOrAlloc(cgrp.id(), hook.attachType().value());
                if (st[i] == null) {
                    storagesFree(st);
                    throw new BpfException(Errno.ENOMEM, "no memory for the " + maps[i].type() + " storage of "
                            + cgrp.path() + " " + hook);
                }
            }
        }
        return st;
    }

    /** Frees the storages of a failed attach that were made for it (reused ones are linked and stay). */
    static void storagesFree(CgroupStorage[] st) {
        if (st != null) {
            for (CgroupStorage s : st) {
                if (s != null) {
                    s.map().freeUnlinked(s);
                }
            }
        }
    }

    /** {@code bpf_cgroup_storages_link()}: new storages join their map and {@code cgrp->bpf.storages}. Caller holds the mutex. */
    static CgroupStorage[] storagesLink(Cgroup cgrp, CgroupStorage[] st) {
        if (st == null) {
            return null;
        }
        for (int i = 0; i < st.length; i++) {
            if (st[i] != null && !st[i].linked()) {
                st[i] = st[i].map().link(st[i]);
                cgrp.storages.add(st[i]);
            }
        }
        return st;
    }

    /** {@code find_attach_entry()}: the entry to overwrite, or null for a new one. */
    private static ProgEntry findAttachEntry(List<ProgEntry> list, CgroupProg prog, CgroupLinkRef link,
                                             CgroupProg replaceProg, int flags) {
        if ((flags & BPF_F_ALLOW_MULTI) == 0) {
            return list.isEmpty() ? null : list.get(0);   // single entry replaced in place
        }
        for (ProgEntry pl : list) {
            if (prog != null && pl.prog == prog && prog != replaceProg) {
                throw new BpfException(Errno.EINVAL, "program id " + prog.id() + " is already attached here");
            }
            if (link != null && pl.link == link) {
                throw new BpfException(Errno.EINVAL, "link id " + link.id() + " is already attached here");
            }
        }
        if (replaceProg != null) {
            for (ProgEntry pl : list) {
                if (pl.prog == replaceProg) {
                    return pl;
                }
            }
            throw new BpfException(Errno.ENOENT, "replace_bpf_fd: program id " + replaceProg.id() + " is not attached here");
        }
        return null;
    }

    /** {@code insert_pl_to_hlist()} / {@code get_prog_list()}: spec §2.5. */
    private static void insert(List<ProgEntry> list, ProgEntry pl, CgroupProg prog, CgroupLinkRef link,
                               int flags, int idOrFd, Anchors anchors) {
        boolean isLink = (flags & BPF_F_LINK) != 0;
        boolean isId = (flags & BPF_F_ID) != 0;
        boolean before = (flags & BPF_F_BEFORE) != 0;
        boolean after = (flags & BPF_F_AFTER) != 0;
        if (isLink || isId || idOrFd != 0) {
            if (before == after) {
                throw new BpfException(Errno.EINVAL, "a relative fd/id needs exactly one of BPF_F_BEFORE and BPF_F_AFTER");
            }
            if ((isLink && link == null) || (!isLink && prog == null)) {
                throw new BpfException(Errno.EINVAL, isLink ? "BPF_F_LINK anchors only link attachments"
                        : "a link attachment must be anchored with BPF_F_LINK");
            }
        } else if (!list.isEmpty() && before && after) {
            throw new BpfException(Errno.EINVAL, "BPF_F_BEFORE together with BPF_F_AFTER");
        }
        CgroupProg newProg = prog != null ? prog : link.prog();
        CgroupProg anchorProg = null;
        CgroupLinkRef anchorLink = null;
        if (isLink) {
            anchorLink = isId ? anchors.linkById(idOrFd) : anchors.linkByFd(idOrFd);
            if (anchorLink.prog().type() != newProg.type()) {
                throw new BpfException(Errno.EINVAL, "relative link id " + anchorLink.id() + " holds a "
                        + anchorLink.prog().type() + " program, not " + newProg.type());
            }
        } else if (isId || idOrFd != 0) {
            anchorProg = isId ? anchors.progById(idOrFd) : anchors.progByFd(idOrFd);
            if (anchorProg.type() != newProg.type()) {
                throw new BpfException(Errno.EINVAL, "relative program id " + anchorProg.id() + " is "
                        + anchorProg.type() + ", not " + newProg.type());
            }
        }
        if (anchorProg == null && anchorLink == null) {
            list.add(before ? 0 : list.size(), pl);
            return;
        }
        boolean preorder = (flags & BPF_F_PREORDER) != 0;
        for (int i = 0; i < list.size(); i++) {
            ProgEntry e = list.get(i);
            if ((anchorProg != null && e.prog == anchorProg) || (anchorLink != null && e.link == anchorLink)) {
                if (e.preorder() != preorder) {
                    throw new BpfException(Errno.EINVAL, "the relative entry's BPF_F_PREORDER differs from this one's");
                }
                list.add(before ? i : i + 1, pl);
                return;
            }
        }
        throw new BpfException(Errno.ENOENT, "the relative " + (anchorLink != null ? "link id " + anchorLink.id()
                : "program id " + anchorProg.id()) + " is not attached here");
    }

    /** {@code hierarchy_allows_attach()}: spec §2.4. Caller holds the mutex. */
    static boolean hierarchyAllowsAttach(Cgroup cgrp, int atype) {
        for (Cgroup p = cgrp.parent(); p != null; p = p.parent()) {
            int f = p.flags[atype];
            if ((f & BPF_F_ALLOW_MULTI) != 0) {
                return true;
            }
            if (p.progs[atype].size() == 1) {
                return (f & BPF_F_ALLOW_OVERRIDE) != 0;
            }
        }
        return true;
    }

    /**
     * {@code __cgroup_bpf_detach(cgrp, prog, link, type, revision)}: spec §3 steps 5–9. For a
     * legacy detach {@code prog} may be null (no/invalid fd); for a link, {@code link} is set.
     */
    public void detach(Cgroup cgrp, CgroupProg prog, CgroupLinkRef link, CgroupHook hook, long revision) {
        int atype = hook.ordinal();
        mutex.lock();
        try {
            if (revision != 0 && revision != cgrp.revisions[atype]) {
                throw new BpfException(Errno.ESTALE, "expected_revision " + revision + " but " + cgrp.path() + " "
                        + hook + " is at " + cgrp.revisions[atype]);
            }
            List<ProgEntry> list = cgrp.progs[atype];
            ProgEntry pl = findDetachEntry(cgrp, list, prog, link, hook);
            CgroupProg old = pl.prog;
            list.remove(pl);
            cgrp.revisions[atype]++;
            if (list.isEmpty()) {
                cgrp.flags[atype] = 0;
            }
            updateEffective(cgrp, atype);
            if (old != null) {
                old.put();
            }
        } finally {
            mutex.unlock();
        }
    }

    private static ProgEntry findDetachEntry(Cgroup cgrp, List<ProgEntry> list, CgroupProg prog, CgroupLinkRef link,
                                             CgroupHook hook) {
        if (list.isEmpty()) {
            throw new BpfException(Errno.ENOENT, "nothing is attached to " + cgrp.path() + " " + hook);
        }
        if ((cgrp.flags[hook.ordinal()] & BPF_F_ALLOW_MULTI) == 0) {
            return list.get(0);   // legacy contract: NONE/OVERRIDE detach whatever fd was passed
        }
        if (prog == null && link == null) {
            throw new BpfException(Errno.EINVAL, cgrp.path() + " " + hook
                    + " is in ALLOW_MULTI mode: detach needs the fd of an attached program");
        }
        for (ProgEntry pl : list) {
            if (pl.prog == prog && pl.link == link) {
                return pl;
            }
        }
        throw new BpfException(Errno.ENOENT, (link != null ? "link id " + link.id() : "program id " + prog.id())
                + " is not attached to " + cgrp.path() + " " + hook + (link == null ? " (as a legacy attachment)" : ""));
    }

    /**
     * {@code bpf_cgroup_link_release()} / {@code bpf_cgroup_link_detach()} (spec §7.2, §7.4):
     * detaches the link if it is still attached and makes it defunct. Returns true if it was
     * attached. Never fails.
     */
    public boolean detachLink(CgroupLinkRef link) {
        mutex.lock();
        try {
            Cgroup cg = link.cgroup();
            if (cg == null) {
                return false;
            }
            detach(cg, null, link, link.hook(), 0);
            link.setCgroup(null);
            return true;
        } finally {
            mutex.unlock();
        }
    }

    /**
     * {@code cgroup_bpf_replace()} + {@code __cgroup_bpf_replace()} (spec §7.3 steps 5–10):
     * ENOLINK when defunct, EPERM when {@code oldProg} is given and is not the link's program,
     * EINVAL when the program types differ. On success the link holds {@code newProg} (whose
     * reference the caller hands over) and the old program's reference is dropped.
     */
    public void replaceLinkProg(CgroupLinkRef link, CgroupProg newProg, CgroupProg oldProg) {
        mutex.lock();
        try {
            Cgroup cg = link.cgroup();
            if (cg == null) {
                throw new BpfException(Errno.ENOLINK, "link id " + link.id() + " is detached from its cgroup");
            }
            if (oldProg != null && link.prog() != oldProg) {
                throw new BpfException(Errno.EPERM, "link id " + link.id() + " holds program id " + link.prog().id()
                        + ", not old_prog_fd's id " + oldProg.id());
            }
            if (newProg.type() != link.prog().type()) {
                throw new BpfException(Errno.EINVAL, "new program is " + newProg.type() + ", the link's is "
                        + link.prog().type());
            }
            int atype = link.hook().ordinal();
            boolean found = false;
            for (ProgEntry pl : cg.progs[atype]) {
                if (pl.link == link) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                throw new BpfException(Errno.ENOENT, "link id " + link.id() + " not found in " + cg.path());
            }
            // Divergence (spec §6.5 recommendation): the kernel keeps pl->storage on link update
            // (a NULL storage for a new program that uses one); we resolve them as attach does.
            CgroupStorage[] storage = storagesAlloc(cg, link.hook(), newProg);
            for (ProgEntry pl : cg.progs[atype]) {
                if (pl.link == link) {
                    pl.storage = storagesLink(cg, storage);
                }
            }
            cg.revisions[atype]++;
            CgroupProg old = link.prog();
            link.setProg(newProg);
            // The kernel overwrites the slot in place; recomputing gives the same arrays with the
            // new program at the same index in every descendant (spec §14), PREORDER included.
            updateEffective(cg, atype);
            old.put();
        } finally {
            mutex.unlock();
        }
    }

    /** {@code __cgroup_bpf_query()} for one hook, before the copy to the user (spec §6). */
    public QueryResult query(Cgroup cgrp, CgroupHook hook, boolean effective) {
        int atype = hook.ordinal();
        mutex.lock();
        try {
            if (effective) {
                return new QueryResult(0, cgrp.effective(hook).ids(), new int[0], 0);
            }
            List<ProgEntry> list = cgrp.progs[atype];
            int[] ids = new int[list.size()];
            int[] fl = new int[list.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = list.get(i).runProg().id();
                fl[i] = cgrp.flags[atype];
            }
            return new QueryResult(cgrp.flags[atype], ids, fl, cgrp.revisions[atype]);
        } finally {
            mutex.unlock();
        }
    }

    /** {@code compute_effective_progs()}: spec §4.1, PREORDER-aware. Caller holds the mutex. */
    EffectiveProgs computeEffective(Cgroup cgrp, int atype) {
        Deque<ProgEntry> pre = new ArrayDeque<>();
        List<ProgEntry> post = new ArrayList<>();
        int collected = 0;
        for (Cgroup p = cgrp; p != null; p = p.parent()) {
            if (collected > 0 && (p.flags[atype] & BPF_F_ALLOW_MULTI) == 0) {
                continue;
            }
            List<ProgEntry> list = p.progs[atype];
            List<ProgEntry> preL = new ArrayList<>();
            for (ProgEntry e : list) {
                if (e.preorder()) {
                    preL.add(e);
                } else {
                    post.add(e);
                }
            }
            for (int i = preL.size() - 1; i >= 0; i--) {
                pre.addFirst(preL.get(i));   // ancestors' preorder entries come first
            }
            collected += list.size();
        }
        if (pre.isEmpty() && post.isEmpty()) {
            return EffectiveProgs.EMPTY;
        }
        CgroupProg[] a = new CgroupProg[pre.size() + post.size()];
        CgroupStorage[][] st = new CgroupStorage[a.length][];   // item->cgroup_storage = pl->storage
        boolean anyStorage = false;
        int i = 0;
        for (ProgEntry e : pre) {
            anyStorage |= e.storage != null;
            st[i] = e.storage;
            a[i++] = e.runProg();
        }
        for (ProgEntry e : post) {
            anyStorage |= e.storage != null;
            st[i] = e.storage;
            a[i++] = e.runProg();
        }
        return new EffectiveProgs(a, anyStorage ? st : null);
    }

    /**
     * {@code update_effective_progs()}: spec §4.3. Computes the arrays of {@code cgrp} and every
     * descendant whose BPF state is not released (pre-order), then publishes them all; a reader
     * sees, per cgroup, either the old array or the new one. Caller holds the mutex.
     */
    void updateEffective(Cgroup cgrp, int atype) {
        List<Cgroup> order = new ArrayList<>();
        List<EffectiveProgs> staged = new ArrayList<>();
        Deque<Cgroup> stack = new ArrayDeque<>();
        stack.push(cgrp);
        while (!stack.isEmpty()) {
            Cgroup c = stack.pop();
            if (c.released) {
                continue;
            }
            order.add(c);
            staged.add(computeEffective(c, atype));
            for (int i = c.children.size() - 1; i >= 0; i--) {
                stack.push(c.children.get(i));
            }
        }
        for (int i = 0; i < order.size(); i++) {
            order.get(i).publish(atype, staged.get(i));
        }
    }

    /**
     * {@code cgroup_bpf_release()}: spec §4.4 / §7.5. Legacy programs are put, links made defunct
     * (the link object, its fds, pins, id and program survive), arrays emptied.
     */
    void release(Cgroup c) {
        mutex.lock();
        try {
            for (int atype = 0; atype < CgroupHook.COUNT; atype++) {
                List<ProgEntry> list = c.progs[atype];
                for (ProgEntry pl : list) {
                    if (pl.link != null) {
                        pl.link.setCgroup(null);
                    } else {
                        pl.prog.put();
                    }
                }
                list.clear();
                c.flags[atype] = 0;
                c.publish(atype, EffectiveProgs.EMPTY);
            }
            c.released = true;
            // cgroup_bpf_release: the cgroup's legacy storages go (spec §6.2)
            for (CgroupStorage s : c.storages) {
                s.map().cgroupReleased(c.id());
            }
            c.storages.clear();
        } finally {
            mutex.unlock();
        }
    }

    private static String modeName(int mode) {
        return switch (mode) {
            case 0 -> "NONE";
            case BPF_F_ALLOW_OVERRIDE -> "ALLOW_OVERRIDE";
            case BPF_F_ALLOW_MULTI -> "ALLOW_MULTI";
            default -> "0x" + Integer.toHexString(mode);
        };
    }
}
