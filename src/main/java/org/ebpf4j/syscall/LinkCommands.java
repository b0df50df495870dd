package org.ebpf4j.syscall;

import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.link.CgroupAttachCommands;
import org.ebpf4j.kernel.link.CgroupLink;
import org.ebpf4j.kernel.trace.RawTpLink;
import org.ebpf4j.kernel.trace.TraceAttachCommands;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The attach and link commands of bpf(2): BPF_PROG_ATTACH / PROG_DETACH / PROG_QUERY and
 * BPF_LINK_CREATE / LINK_UPDATE / LINK_DETACH ({@code bpf_prog_attach}, {@code link_create} ...
 * of kernel/bpf/syscall.c), plus the link part of {@code /proc/PID/fdinfo}. ebpf4j models the
 * cgroup targets only, whose bodies are {@link CgroupAttachCommands} (spec-cgroup-attach-link
 * §2–§7); every other target answers EINVAL from there, with a message naming the attach type,
 * as Linux does for a target it cannot attach to. LINK_GET_FD_BY_ID / GET_NEXT_ID and link info
 * are the generic id and info commands ({@link IdCommands}, {@link InfoCommands}).
 */
final class LinkCommands {
    private final CgroupAttachCommands cgroups;
    private final TraceAttachCommands traces;

    private final org.ebpf4j.kernel.iter.BpfIter iters;

    LinkCommands(Runtime rt, TraceAttachCommands traces) {
        this.iters = rt.progs().iters();
        this.cgroups = new CgroupAttachCommands(rt);
        this.traces = traces;
    }

    /** The cgroup bodies (cgroupfs helpers included), for callers that model cgroups directly. */
    CgroupAttachCommands cgroups() { return cgroups; }

    void progAttach(Task t, Attrs.ProgAttach a) { cgroups.progAttach(t, a); }

    void progDetach(Task t, Attrs.ProgDetach a) { cgroups.progDetach(t, a); }

    Attrs.ProgQueryOut progQuery(Task t, Attrs.ProgQuery q) { return cgroups.progQuery(t, q); }

    /** {@code link_create} dispatches on the program's type: tracing programs to raw tracepoints, the rest to cgroups. */
    int linkCreate(Task t, Attrs.LinkCreate a) {
        File pf0 = t.fds().peek(a.progFd());
        if (org.ebpf4j.kernel.iter.BpfIter.handles(pf0)) {
            return iters.linkCreate(t, a);
        }
        if (pf0 instanceof File.ProgFile pf && TraceAttachCommands.handles(pf.prog().progType())) {
            return traces.linkCreate(t, a);
        }
        return cgroups.linkCreate(t, a);
    }

    void linkUpdate(Task t, Attrs.LinkUpdate a) { cgroups.linkUpdate(t, a); }

    void linkDetach(Task t, int linkFd) { cgroups.linkDetach(t, linkFd); }

    /**
     * The link lines of {@code /proc/PID/fdinfo/FD} ({@code bpf_link_show_fdinfo}): EBADF for a
     * closed fd, EINVAL for an fd that is not a link (the file exists, but has no link lines).
     */
    String linkFdinfo(Task t, int fd) {
        File f = t.fds().get(fd);
        if (!(f instanceof File.LinkFile lf)) {
            throw new BpfException(Errno.EINVAL, "fd " + fd + " is a " + f.what() + " fd, not a link");
        }
        if (lf.link() instanceof CgroupLink) {
            return cgroups.linkFdinfo(t, fd);
        }
        if (lf.link() instanceof RawTpLink rl) {
            return rl.fdinfo();
        }
        if (lf.link() instanceof org.ebpf4j.kernel.trampoline.TracingLink tl) {
            return tl.fdinfo();
        }
        if (lf.link() instanceof org.ebpf4j.kernel.iter.IterLink il) {
            return il.fdinfo();
        }
        throw new BpfException(Errno.EINVAL, "fd " + fd + ": " + lf.link().describe() + " has no fdinfo model");
    }
}
