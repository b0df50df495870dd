package org.ebpf4j.kernel.cgroup;

/** A link stand-in holding a program reference, as a {@code bpf_cgroup_link} does. */
public final class FakeLink implements CgroupLinkRef {
    private final int id;
    private final CgroupHook hook;
    private CgroupProg prog;
    private Cgroup cgroup;

    public FakeLink(int id, CgroupHook hook, CgroupProg prog, Cgroup cgroup) {
        this.id = id;
        this.hook = hook;
        this.prog = prog;
        this.cgroup = cgroup;
    }

    /** LINK_CREATE at the model level: MULTI plus the given position flags. */
    public static FakeLink create(CgroupTree tree, int id, Cgroup cg, CgroupHook hook, CgroupProg prog, int flags) {
        FakeLink l = new FakeLink(id, hook, prog, cg);
        tree.bpf().attach(cg, null, null, l, hook, AttachFlags.BPF_F_ALLOW_MULTI | flags, 0, 0, Anchors.NONE);
        return l;
    }

    @Override public int id() { return id; }

    @Override public CgroupProg prog() { return prog; }

    @Override public void setProg(CgroupProg prog) { this.prog = prog; }

    @Override public Cgroup cgroup() { return cgroup; }

    @Override public void setCgroup(Cgroup cgroup) { this.cgroup = cgroup; }

    @Override public CgroupHook hook() { return hook; }
}
