package org.ebpf4j.kernel.cgroup;

/**
 * The cgroup side of {@code struct bpf_cgroup_link} (include/linux/bpf-cgroup.h): the program it
 * currently holds and the cgroup it is attached to (null = defunct: detached or auto-detached).
 * The link object of {@code org.ebpf4j.kernel.link} implements this; both setters are called by
 * {@link CgroupBpf} only, under the cgroup mutex.
 */
public interface CgroupLinkRef {
    /** The link id. */
    int id();

    /** {@code link->link.prog}: the program the link holds a reference on. */
    CgroupProg prog();

    void setProg(CgroupProg prog);

    /** {@code cg_link->cgroup}: null once defunct. */
    Cgroup cgroup();

    void setCgroup(Cgroup cgroup);

    /** The hook given at LINK_CREATE. */
    CgroupHook hook();
}
