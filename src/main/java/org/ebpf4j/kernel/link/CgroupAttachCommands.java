package org.ebpf4j.kernel.link;

import static org.ebpf4j.kernel.cgroup.AttachFlags.*;

import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.LinkObject;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Anchors;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupLinkRef;
import org.ebpf4j.kernel.cgroup.CgroupProg;
import org.ebpf4j.kernel.cgroup.CgroupTree;
import org.ebpf4j.kernel.cgroup.QueryResult;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;

/**
 * The cgroup parts of bpf(2): BPF_PROG_ATTACH / PROG_DETACH / PROG_QUERY on a cgroup and
 * BPF_LINK_CREATE / LINK_UPDATE / LINK_DETACH of cgroup links ({@code bpf_prog_attach},
 * {@code cgroup_bpf_prog_attach}, {@code link_create}, {@code cgroup_bpf_link_attach} ... of
 * kernel/bpf/syscall.c and cgroup.c). Each method reads top to bottom in the kernel's check
 * order (spec §2.2, §3, §6, §7.1, §7.3, §7.4); the syscall {@code Bpf} implementation delegates
 * to it. Also the cgroupfs side a task needs: open a cgroup directory, move into a cgroup.
 *
 * <p>Attrs are typed records, so CHECK_ATTR (non-zero bytes past the last field) cannot arise.
 */
public final class CgroupAttachCommands {
    private final Runtime rt;
    private final CgroupTree tree;

    public CgroupAttachCommands(Runtime rt) {
        this.rt = rt;
        this.tree = rt.cgroups();
    }

    // ---- cgroupfs ----

    /** open("/sys/fs/cgroup" + path, O_RDONLY|O_DIRECTORY): ENOENT if no such online cgroup. */
    public int openCgroup(Task task, String path) {
        Cgroup cg = tree.lookup(path);
        org.ebpf4j.kernel.fs.OpenFile file = rt.fs().kernfsOpen(cg);
        try {
            return task.fds().install(new File.CgroupFile(cg, File.FMODE_READ, file));
        } catch (BpfException e) {
            file.put();
            throw e;
        }
    }

    /** echo PID > cgroup.procs: ENOENT once the cgroup is removed. */
    public void moveTask(Task task, Cgroup cg) {
        tree.lock().lock();
        try {
            if (!cg.online()) {
                throw new BpfException(Errno.ENOENT, "cannot move " + task + " into removed " + cg);
            }
            task.setCgroupId(cg.id());
        } finally {
            tree.lock().unlock();
        }
    }

    /** The task's current cgroup (the root if its cgroup vanished). */
    public Cgroup cgroupOf(Task task) {
        Cgroup cg = tree.byId(task.cgroupId());
        return cg != null ? cg : tree.root();
    }

    /** {@code cgroup_get_from_fd()} (spec §1.3): EBADF for a closed or non-cgroup fd, ENOENT once rmdir'ed. */
    public Cgroup cgroupFromFd(Task task, int fd, String field) {
        File f = task.fds().peek(fd);
        if (f == null) {
            throw new BpfException(Errno.EBADF, field + " " + fd + " is not open");
        }
        if (!(f instanceof File.CgroupFile cf)) {
            throw new BpfException(Errno.EBADF, field + " " + fd + " is a " + f.what() + " fd, not a cgroup directory");
        }
        if (!cf.cgroup().online()) {
            throw new BpfException(Errno.ENOENT, field + " " + fd + ": " + cf.cgroup() + " was removed");
        }
        return cf.cgroup();
    }

    // ---- PROG_ATTACH / DETACH / QUERY ----

    /** BPF_PROG_ATTACH to a cgroup: spec §2.2 then §2.3. */
    public void progAttach(Task task, Attrs.ProgAttach a) {
        CgroupHook hook = hookOf(a.attachType(), "attach_type");
        if ((a.attachFlags() & ~PROG_ATTACH_MASK) != 0) {
            throw new BpfException(Errno.EINVAL, "attach_flags 0x" + Integer.toHexString(a.attachFlags()) + " has unknown bits");
        }
        CgroupProg prog = progOfType(task, a.attachBpfFd(), hook.progType(), "attach_bpf_fd");
        CgroupProg replace = null;
        try {
            String why = hook.checkAttachType(prog, task.capable(Cap.NET_ADMIN));
            if (why != null) {
                throw new BpfException(Errno.EINVAL, why);   // PROG_ATTACH reports every case as EINVAL (§12.7)
            }
            Cgroup cg = cgroupFromFd(task, a.targetFd(), "target_fd");
            if ((a.attachFlags() & BPF_F_ALLOW_MULTI) != 0 && (a.attachFlags() & BPF_F_REPLACE) != 0) {
                replace = progOfType(task, a.replaceBpfFd(), hook.progType(), "replace_bpf_fd");
            }
            tree.bpf().attach(cg, prog, replace, null, hook, a.attachFlags(), a.relative(), a.expectedRevision(),
                    anchors(task));
            prog = null;   // the attachment owns the reference now
        } finally {
            if (prog != null) {
                prog.put();
            }
            if (replace != null) {
                replace.put();
            }
        }
    }

    /** BPF_PROG_DETACH from a cgroup: spec §3. A bad program fd silently means "no program". */
    public void progDetach(Task task, Attrs.ProgDetach a) {
        if (a.attachFlags() != 0 || a.relativeFd() != 0) {
            throw new BpfException(Errno.EINVAL, "PROG_DETACH: attach_flags and relative_fd must be 0");
        }
        CgroupHook hook = hookOf(a.attachType(), "attach_type");
        Cgroup cg = cgroupFromFd(task, a.targetFd(), "target_fd");
        CgroupProg prog = null;
        try {
            prog = progOfType(task, a.attachBpfFd(), hook.progType(), "attach_bpf_fd");
        } catch (BpfException ignored) {
            // cgroup_bpf_prog_detach: IS_ERR(prog) → prog = NULL
        }
        try {
            tree.bpf().detach(cg, prog, null, hook, a.expectedRevision());
        } finally {
            if (prog != null) {
                prog.put();
            }
        }
    }

    /** BPF_PROG_QUERY on a cgroup: spec §6 (EPERM first; ENOSPC as {@link QueryNoSpaceException}). */
    public Attrs.ProgQueryOut progQuery(Task task, Attrs.ProgQuery q) {
        if (!task.capable(Cap.NET_ADMIN) && !task.capable(Cap.SYS_ADMIN)) {
            throw new BpfException(Errno.EPERM, "PROG_QUERY needs CAP_NET_ADMIN or CAP_SYS_ADMIN");
        }
        if ((q.queryFlags() & ~BPF_F_QUERY_EFFECTIVE) != 0) {
            throw new BpfException(Errno.EINVAL, "query_flags 0x" + Integer.toHexString(q.queryFlags()) + " has unknown bits");
        }
        CgroupHook hook = hookOf(q.attachType(), "attach_type");
        Cgroup cg = cgroupFromFd(task, q.targetFd(), "target_fd");
        boolean effective = (q.queryFlags() & BPF_F_QUERY_EFFECTIVE) != 0;
        if (effective && q.wantAttachFlags()) {
            throw new BpfException(Errno.EINVAL, "prog_attach_flags cannot be asked with BPF_F_QUERY_EFFECTIVE");
        }
        QueryResult r = tree.bpf().query(cg, hook, effective);
        int total = r.count();
        if (q.progCnt() == 0 || !q.wantIds() || total == 0) {
            return new Attrs.ProgQueryOut(r.attachFlags(), total, new int[0], new int[0], r.revision());
        }
        int n = Math.min(q.progCnt(), total);
        int[] ids = java.util.Arrays.copyOf(r.progIds(), n);
        int[] fl = q.wantAttachFlags() ? java.util.Arrays.copyOf(r.progAttachFlags(), n) : new int[0];
        Attrs.ProgQueryOut out = new Attrs.ProgQueryOut(r.attachFlags(), total, ids, fl, r.revision());
        if (q.progCnt() < total) {
            throw new QueryNoSpaceException(out, "prog_cnt " + q.progCnt() + " is less than the " + total + " programs");
        }
        return out;
    }

    // ---- links ----

    /** BPF_LINK_CREATE for a cgroup: spec §7.1. Returns the new link fd. */
    public int linkCreate(Task task, Attrs.LinkCreate a) {
        CgroupProg prog = anyProg(task, a.progFd(), "prog_fd");
        CgroupLink link = null;
        try {
            // bpf_prog_attach_check_attach_type() asks for CAP_NET_ADMIN before it looks at the type
            if (prog.type() == ProgType.CGROUP_SKB && !task.capable(Cap.NET_ADMIN)) {
                throw new BpfException(Errno.EPERM, "attaching cgroup_skb needs CAP_NET_ADMIN");
            }
            CgroupHook hook = CgroupHook.of(a.attachType());
            if (hook == null) {
                throw new BpfException(Errno.EINVAL, "attach_type " + a.attachType() + " is not a cgroup hook");
            }
            String why = hook.checkAttachType(prog, true);
            if (why != null) {
                throw new BpfException(Errno.EINVAL, why);
            }
            if ((a.flags() & ~LINK_ATTACH_MASK) != 0) {
                throw new BpfException(Errno.EINVAL, "link_create.flags 0x" + Integer.toHexString(a.flags())
                        + ": a cgroup link takes only BPF_F_ID/BEFORE/AFTER/PREORDER/LINK");
            }
            Cgroup cg = cgroupFromFd(task, a.targetFd(), "target_fd");
            link = new CgroupLink(rt, hook, prog, task.origin("BPF_LINK_CREATE"));
            prog = null;   // the link owns it now
            link.primeId();
            tree.lock().lock();
            try {
                tree.bpf().attach(cg, null, null, link, hook, BPF_F_ALLOW_MULTI | a.flags(), a.relative(),
                        a.expectedRevision(), anchors(task));
                link.setCgroup(cg);
            } finally {
                tree.lock().unlock();
            }
            link.settleLink();
            CgroupLink l = link;
            link = null;
            return l.installFd(task);
        } finally {
            if (prog != null) {
                prog.put();
            }
            if (link != null) {
                link.put();   // bpf_link_cleanup: id released, program put
            }
        }
    }

    /** BPF_LINK_UPDATE of a cgroup link: spec §7.3. */
    public void linkUpdate(Task task, Attrs.LinkUpdate a) {
        if ((a.flags() & ~LINK_UPDATE_MASK) != 0) {
            throw new BpfException(Errno.EINVAL, "link_update.flags 0x" + Integer.toHexString(a.flags()) + " has unknown bits");
        }
        CgroupLink link = cgroupLink(task, a.linkFd(), "link_fd");
        CgroupProg newProg = null;
        CgroupProg oldProg = null;
        try {
            newProg = anyProg(task, a.newProgFd(), "new_prog_fd");
            if ((a.flags() & BPF_F_REPLACE) != 0) {
                oldProg = anyProg(task, a.oldProgFd(), "old_prog_fd");
            } else if (a.oldProgFd() != 0) {
                throw new BpfException(Errno.EINVAL, "old_prog_fd " + a.oldProgFd() + " given without BPF_F_REPLACE");
            }
            tree.bpf().replaceLinkProg(link, newProg, oldProg);
            newProg = null;
        } finally {
            if (newProg != null) {
                newProg.put();
            }
            if (oldProg != null) {
                oldProg.put();
            }
            link.put();
        }
    }

    /** BPF_LINK_DETACH: always 0 for a cgroup link, also when already defunct (spec §7.4). */
    public void linkDetach(Task task, int linkFd) {
        CgroupLink link = cgroupLink(task, linkFd, "link_fd");
        try {
            tree.bpf().detachLink(link);
        } finally {
            link.put();
        }
    }

    /** The fdinfo text of a cgroup link fd (spec §7.6). */
    public String linkFdinfo(Task task, int linkFd) {
        CgroupLink link = cgroupLink(task, linkFd, "fd");
        try {
            return link.fdinfo();
        } finally {
            link.put();
        }
    }

    // ---- resolution helpers ----

    private static CgroupHook hookOf(int attachType, String field) {
        CgroupHook h = CgroupHook.of(attachType);
        if (h == null) {
            AttachType t = AttachType.of(attachType);
            throw new BpfException(Errno.EINVAL, field + " " + (t != null ? t : attachType) + " is not a cgroup attach type");
        }
        return h;
    }

    /** {@code bpf_prog_get_type}: EBADF / EINVAL (not a program, other type). A reference for the caller. */
    private static CgroupProg progOfType(Task task, int fd, ProgType type, String field) {
        CgroupProg p = anyProg(task, fd, field);
        if (p.type() != type) {
            p.put();
            throw new BpfException(Errno.EINVAL, field + " " + fd + " is a " + p.type() + " program, not " + type);
        }
        return p;
    }

    /** {@code bpf_prog_get}: EBADF / EINVAL. A reference for the caller. */
    private static CgroupProg anyProg(Task task, int fd, String field) {
        File f = task.fds().get(fd);
        if (!(f instanceof File.ProgFile pf)) {
            throw new BpfException(Errno.EINVAL, field + " " + fd + " is a " + f.what() + " fd, not a program");
        }
        ProgObject po = pf.prog();
        if (!(po instanceof CgroupProg cp)) {
            throw new BpfException(Errno.EINVAL, field + " " + fd + ": " + po.describe() + " cannot run from a cgroup hook");
        }
        if (!po.tryInc()) {
            throw new BpfException(Errno.EBADF, field + " " + fd + " was closed");
        }
        return cp;
    }

    /** {@code bpf_link_get_from_fd} restricted to cgroup links: EBADF / EINVAL. A reference for the caller. */
    private static CgroupLink cgroupLink(Task task, int fd, String field) {
        File f = task.fds().get(fd);
        if (!(f instanceof File.LinkFile lf)) {
            throw new BpfException(Errno.EINVAL, field + " " + fd + " is a " + f.what() + " fd, not a link");
        }
        if (!(lf.link() instanceof CgroupLink cl)) {
            throw new BpfException(Errno.EINVAL, field + " " + fd + " is not a cgroup link");
        }
        if (!cl.tryInc()) {
            throw new BpfException(Errno.EBADF, field + " " + fd + " was closed");
        }
        return cl;
    }

    /**
     * Anchor lookups for BPF_F_BEFORE/AFTER (spec §2.5). The kernel takes and drops a reference
     * around the comparison; the comparison runs under the cgroup mutex with the object
     * reachable from the fd or the id table, so identity is enough here.
     */
    private Anchors anchors(Task task) {
        return new Anchors() {
            @Override
            public CgroupProg progById(int id) {
                ProgObject p = rt.progIds().get(id);
                if (p == null || !p.alive() || !(p instanceof CgroupProg cp)) {
                    throw new BpfException(Errno.ENOENT, "relative_id: no program with id " + id);
                }
                return cp;
            }

            @Override
            public CgroupProg progByFd(int fd) {
                CgroupProg p = anyProg(task, fd, "relative_fd");
                p.put();
                return p;
            }

            @Override
            public CgroupLinkRef linkById(int id) {
                LinkObject l = rt.linkIds().get(id);
                if (l == null || !l.alive()) {
                    throw new BpfException(Errno.ENOENT, "relative_id: no link with id " + id);
                }
                if (!l.settled()) {
                    throw new BpfException(Errno.EAGAIN, "relative_id: link id " + id + " is still being created");
                }
                if (!(l instanceof CgroupLink cl)) {
                    throw new BpfException(Errno.EINVAL, "relative_id: link id " + id + " is not a cgroup link");
                }
                return cl;
            }

            @Override
            public CgroupLinkRef linkByFd(int fd) {
                CgroupLink l = cgroupLink(task, fd, "relative_fd");
                l.put();
                return l;
            }
        };
    }
}
