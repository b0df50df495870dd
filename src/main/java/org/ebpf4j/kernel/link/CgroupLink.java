package org.ebpf4j.kernel.link;

import org.ebpf4j.kernel.LinkObject;
import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupLinkRef;
import org.ebpf4j.kernel.cgroup.CgroupProg;
import org.ebpf4j.uapi.LinkType;

/**
 * {@code struct bpf_cgroup_link} (kernel/bpf/cgroup.c, spec §7): always a MULTI attachment; holds
 * its program's reference and (while attached) its cgroup. Refcounted by fds and bpffs pins like
 * every link; when the last reference goes ({@link #destroy()} = {@code bpf_link_free}) its id is
 * already gone, then it is detached if still attached and its program put.
 *
 * <p>Deviation: the kernel frees a link whose last pin is unlinked from a workqueue; here it is
 * freed synchronously by whoever drops the last reference (earlier, never later).
 */
public final class CgroupLink extends LinkObject implements CgroupLinkRef {
    private final Runtime runtime;
    private final CgroupHook hook;
    private volatile CgroupProg prog;
    private volatile Cgroup cgroup;

    CgroupLink(Runtime runtime, CgroupHook hook, CgroupProg prog, String origin) {
        super(origin);
        this.runtime = runtime;
        this.hook = hook;
        this.prog = prog;
    }

    /** {@code bpf_link_prime}: the id is reserved (invisible to GET_FD_BY_ID until settled). */
    int primeId() { return prime(runtime); }

    void settleLink() { settle(); }

    @Override public CgroupProg prog() { return prog; }

    @Override public void setProg(CgroupProg prog) { this.prog = prog; }

    /** The attached cgroup, or null once detached or auto-detached (defunct). */
    @Override public Cgroup cgroup() { return cgroup; }

    @Override public void setCgroup(Cgroup cgroup) { this.cgroup = cgroup; }

    @Override public CgroupHook hook() { return hook; }

    /** True once detached (LINK_DETACH, or the cgroup's BPF state was released). */
    public boolean defunct() { return cgroup == null; }

    /** {@code bpf_cgroup_link_fill_link_info} (spec §7.6): cgroup_id 0 once defunct. */
    @Override
    public ObjInfo info() {
        Cgroup cg = cgroup;
        return new CgroupLinkInfo(LinkType.CGROUP.value(), id(), prog.id(), cg == null ? 0 : cg.id(),
                hook.attachType().value());
    }

    /** {@code bpf_link_show_fdinfo} + {@code bpf_cgroup_link_show_fdinfo}: the /proc/PID/fdinfo lines. */
    public String fdinfo() {
        Cgroup cg = cgroup;
        CgroupProg p = prog;
        return "link_type:\tcgroup\n"
                + "link_id:\t" + id() + "\n"
                + "prog_tag:\t" + p.tagHex() + "\n"
                + "prog_id:\t" + p.id() + "\n"
                + "cgroup_id:\t" + (cg == null ? 0 : cg.id()) + "\n"
                + "attach_type:\t" + hook.attachType().value() + "\n";
    }

    /** {@code bpf_link_free}: release (= detach if still attached), then drop the program. */
    @Override
    protected void destroy() {
        runtime.cgroups().bpf().detachLink(this);
        prog.put();
    }

    @Override
    public String describe() { return "cgroup link id " + id() + " " + hook + " prog " + prog.id(); }
}
