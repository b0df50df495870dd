package org.ebpf4j.kernel.cgroup;

/** Attach/query flag bits of include/uapi/linux/bpf.h used by cgroup attachment (spec §2.1, §6). */
public final class AttachFlags {
    private AttachFlags() {}

    public static final int BPF_F_ALLOW_OVERRIDE = 1;
    public static final int BPF_F_ALLOW_MULTI = 1 << 1;
    public static final int BPF_F_REPLACE = 1 << 2;
    public static final int BPF_F_BEFORE = 1 << 3;
    public static final int BPF_F_AFTER = 1 << 4;
    public static final int BPF_F_ID = 1 << 5;
    public static final int BPF_F_PREORDER = 1 << 6;
    public static final int BPF_F_LINK = 1 << 13;

    /** BPF_F_QUERY_EFFECTIVE of PROG_QUERY's {@code query_flags}. */
    public static final int BPF_F_QUERY_EFFECTIVE = 1;

    /** What PROG_ATTACH accepts for a cgroup program type (syscall.c BPF_F_ATTACH_MASK_MPROG). */
    public static final int PROG_ATTACH_MASK = BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI | BPF_F_REPLACE
            | BPF_F_PREORDER | BPF_F_BEFORE | BPF_F_AFTER | BPF_F_ID | BPF_F_LINK;

    /** What LINK_CREATE accepts for a cgroup (cgroup.c BPF_F_LINK_ATTACH_MASK). */
    public static final int LINK_ATTACH_MASK = BPF_F_ID | BPF_F_BEFORE | BPF_F_AFTER | BPF_F_PREORDER | BPF_F_LINK;

    /** The only link-update flag (syscall.c link_update). */
    public static final int LINK_UPDATE_MASK = BPF_F_REPLACE;

    /** BPF_CGROUP_MAX_PROGS: entries one (cgroup, attach type) list may hold (cgroup.c). */
    public static final int BPF_CGROUP_MAX_PROGS = 64;
}
