package org.ebpf4j.kernel.iter;

import org.ebpf4j.kernel.LinkObject;
import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.uapi.LinkType;

/**
 * {@code struct bpf_iter_link} (kernel/bpf/bpf_iter.c): an iterator program bound to its target
 * and what {@code attach_target} took (a map held with a user reference). Holds the program's
 * reference. Iterator fds made from it ({@link BpfIter#iterCreate}) hold their own program
 * reference, so they outlive the link. The last reference detaches the target and puts the
 * program after a grace period.
 */
public final class IterLink extends LinkObject {
    private final Runtime runtime;
    private final IterTarget target;
    private final BpfProg prog;
    private volatile Object aux;

    IterLink(Runtime runtime, IterTarget target, BpfProg prog, String origin) {
        super(origin);
        this.runtime = runtime;
        this.target = target;
        this.prog = prog;
    }

    int primeId() { return prime(runtime); }

    void settleLink(Object attached) {
        this.aux = attached;
        settle();
    }

    public BpfProg prog() { return prog; }

    /** {@code reg_info->target}. */
    public String targetName() { return target.name(); }

    IterTarget target() { return target; }

    Object aux() { return aux; }

    /** {@code bpf_iter_link_fill_link_info}. */
    @Override
    public ObjInfo info() {
        Object a = aux;
        return new IterLinkInfo(LinkType.ITER.value(), id(), prog.id(), target.name(), a == null ? 0 : target.mapId(a));
    }

    /** The /proc/PID/fdinfo lines: {@code bpf_link_show_fdinfo} + {@code bpf_iter_link_show_fdinfo} (+ map_id). */
    public String fdinfo() {
        Object a = aux;
        int mapId = a == null ? 0 : target.mapId(a);
        return "link_type:\titer\n"
                + "link_id:\t" + id() + "\n"
                + "prog_tag:\t" + prog.tagHex() + "\n"
                + "prog_id:\t" + prog.id() + "\n"
                + "target_name:\t" + target.name() + "\n"
                + (mapId != 0 ? "map_id:\t" + mapId + "\n" : "");
    }

    /** {@code bpf_iter_link_release} (detach_target) then the program after a grace period. */
    @Override
    protected void destroy() {
        Object a = aux;
        aux = null;
        if (a != null) {
            target.detach(a);
        }
        runtime.rcu().callAfterGracePeriod(prog::put);
    }

    @Override
    public String describe() { return "iter link id " + id() + " " + target.name() + " prog " + prog.id(); }
}
