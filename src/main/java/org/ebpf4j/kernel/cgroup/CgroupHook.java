package org.ebpf4j.kernel.cgroup;

import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

/**
 * {@code enum cgroup_bpf_attach_type} (include/linux/bpf-cgroup-defs.h): one slot per cgroup
 * hook, each with the UAPI attach type it stands for ({@code to_cgroup_bpf_attach_type}), the
 * program type that hook takes ({@code attach_type_to_prog_type}, syscall.c) and the way its
 * run results combine (spec §1.2, §5.2). The slot index is the ordinal.
 * BPF_LSM_CGROUP is out of scope (spec §0).
 */
public enum CgroupHook {
    INET_INGRESS(AttachType.CGROUP_INET_INGRESS, ProgType.CGROUP_SKB, Combine.SKB_INGRESS),
    INET_EGRESS(AttachType.CGROUP_INET_EGRESS, ProgType.CGROUP_SKB, Combine.SKB_EGRESS),
    INET_SOCK_CREATE(AttachType.CGROUP_INET_SOCK_CREATE, ProgType.CGROUP_SOCK, Combine.PLAIN),
    SOCK_OPS(AttachType.CGROUP_SOCK_OPS, ProgType.SOCK_OPS, Combine.PLAIN),
    DEVICE(AttachType.CGROUP_DEVICE, ProgType.CGROUP_DEVICE, Combine.PLAIN),
    INET4_BIND(AttachType.CGROUP_INET4_BIND, ProgType.CGROUP_SOCK_ADDR, Combine.FLAGS),
    INET6_BIND(AttachType.CGROUP_INET6_BIND, ProgType.CGROUP_SOCK_ADDR, Combine.FLAGS),
    INET4_CONNECT(AttachType.CGROUP_INET4_CONNECT, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    INET6_CONNECT(AttachType.CGROUP_INET6_CONNECT, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    UNIX_CONNECT(AttachType.CGROUP_UNIX_CONNECT, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    INET4_POST_BIND(AttachType.CGROUP_INET4_POST_BIND, ProgType.CGROUP_SOCK, Combine.PLAIN),
    INET6_POST_BIND(AttachType.CGROUP_INET6_POST_BIND, ProgType.CGROUP_SOCK, Combine.PLAIN),
    UDP4_SENDMSG(AttachType.CGROUP_UDP4_SENDMSG, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    UDP6_SENDMSG(AttachType.CGROUP_UDP6_SENDMSG, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    UNIX_SENDMSG(AttachType.CGROUP_UNIX_SENDMSG, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    SYSCTL(AttachType.CGROUP_SYSCTL, ProgType.CGROUP_SYSCTL, Combine.PLAIN),
    UDP4_RECVMSG(AttachType.CGROUP_UDP4_RECVMSG, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    UDP6_RECVMSG(AttachType.CGROUP_UDP6_RECVMSG, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    UNIX_RECVMSG(AttachType.CGROUP_UNIX_RECVMSG, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    GETSOCKOPT(AttachType.CGROUP_GETSOCKOPT, ProgType.CGROUP_SOCKOPT, Combine.PLAIN),
    SETSOCKOPT(AttachType.CGROUP_SETSOCKOPT, ProgType.CGROUP_SOCKOPT, Combine.PLAIN),
    INET4_GETPEERNAME(AttachType.CGROUP_INET4_GETPEERNAME, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    INET6_GETPEERNAME(AttachType.CGROUP_INET6_GETPEERNAME, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    UNIX_GETPEERNAME(AttachType.CGROUP_UNIX_GETPEERNAME, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    INET4_GETSOCKNAME(AttachType.CGROUP_INET4_GETSOCKNAME, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    INET6_GETSOCKNAME(AttachType.CGROUP_INET6_GETSOCKNAME, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    UNIX_GETSOCKNAME(AttachType.CGROUP_UNIX_GETSOCKNAME, ProgType.CGROUP_SOCK_ADDR, Combine.PLAIN),
    INET_SOCK_RELEASE(AttachType.CGROUP_INET_SOCK_RELEASE, ProgType.CGROUP_SOCK, Combine.PLAIN);

    /** How {@code bpf_prog_run_array_cg} is called and its result post-processed (spec §5.2). */
    public enum Combine {
        /** retval as is (0 or -errno): sock, sock_addr, sock_ops, device, sysctl, sockopt. */
        PLAIN,
        /** bit1 of each return collected into {@link CgRunCtx#retFlags} (bind: skip CAP_NET_BIND_SERVICE). */
        FLAGS,
        /** {@code __cgroup_bpf_run_filter_skb} ingress: a positive retval becomes -EFAULT. */
        SKB_INGRESS,
        /** egress: return codes 0..3, congestion notification → NET_XMIT_* or -EPERM. */
        SKB_EGRESS
    }

    /** Number of slots (kernel MAX_CGROUP_BPF_ATTACH_TYPE without the LSM ones). */
    public static final int COUNT = values().length;

    private static final CgroupHook[] BY_ATTACH_TYPE = new CgroupHook[64];

    static {
        for (CgroupHook h : values()) {
            BY_ATTACH_TYPE[h.attachType.value()] = h;
        }
    }

    private final AttachType attachType;
    private final ProgType progType;
    private final Combine combine;

    CgroupHook(AttachType attachType, ProgType progType, Combine combine) {
        this.attachType = attachType;
        this.progType = progType;
        this.combine = combine;
    }

    public AttachType attachType() { return attachType; }

    /** The program type this hook takes ({@code attach_type_to_prog_type}). */
    public ProgType progType() { return progType; }

    public Combine combine() { return combine; }

    /** {@code to_cgroup_bpf_attach_type}: the slot of a UAPI attach type, or null if not a cgroup hook. */
    public static CgroupHook of(AttachType t) {
        return t == null || t.value() >= BY_ATTACH_TYPE.length ? null : BY_ATTACH_TYPE[t.value()];
    }

    /** The slot of a raw UAPI attach type number, or null. */
    public static CgroupHook of(int attachType) { return of(AttachType.of(attachType)); }

    /**
     * {@code bpf_prog_attach_check_attach_type()} (syscall.c) for a cgroup hook; spec §1.2.
     * Returns null when {@code prog} may be attached here, else why not. {@code netAdmin} is the
     * caller's CAP_NET_ADMIN, needed for CGROUP_SKB (the caller picks EINVAL or EPERM).
     */
    public String checkAttachType(CgroupProg prog, boolean netAdmin) {
        ProgType pt = prog.type();
        switch (pt) {
            case CGROUP_SOCK, CGROUP_SOCK_ADDR, CGROUP_SOCKOPT -> {
                return prog.expectedAttachType() == attachType ? null
                        : "program expected_attach_type " + prog.expectedAttachType() + " differs from attach_type " + attachType;
            }
            case CGROUP_SKB -> {
                if (!netAdmin) {
                    return "attaching cgroup_skb needs CAP_NET_ADMIN";
                }
                if (progType != ProgType.CGROUP_SKB) {
                    return "attach_type " + attachType + " does not take a CGROUP_SKB program";
                }
                if (prog.enforceExpectedAttachType() && prog.expectedAttachType() != attachType) {
                    return "program returns egress-only codes and may attach only to " + prog.expectedAttachType();
                }
                return null;
            }
            default -> {
                return progType == pt ? null : "attach_type " + attachType + " takes " + progType + ", not " + pt;
            }
        }
    }
}
