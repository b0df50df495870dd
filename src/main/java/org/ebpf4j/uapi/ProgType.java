package org.ebpf4j.uapi;

/** BPF_PROG_TYPE_*: program types. Numbers as in Linux 6.18's {@code include/uapi/linux/bpf.h}. */
public enum ProgType {
    UNSPEC(0),
    SOCKET_FILTER(1),
    KPROBE(2),
    SCHED_CLS(3),
    SCHED_ACT(4),
    TRACEPOINT(5),
    XDP(6),
    PERF_EVENT(7),
    CGROUP_SKB(8),
    CGROUP_SOCK(9),
    LWT_IN(10),
    LWT_OUT(11),
    LWT_XMIT(12),
    SOCK_OPS(13),
    SK_SKB(14),
    CGROUP_DEVICE(15),
    SK_MSG(16),
    RAW_TRACEPOINT(17),
    CGROUP_SOCK_ADDR(18),
    LWT_SEG6LOCAL(19),
    LIRC_MODE2(20),
    SK_REUSEPORT(21),
    FLOW_DISSECTOR(22),
    CGROUP_SYSCTL(23),
    RAW_TRACEPOINT_WRITABLE(24),
    CGROUP_SOCKOPT(25),
    TRACING(26),
    STRUCT_OPS(27),
    EXT(28),
    LSM(29),
    SK_LOOKUP(30),
    SYSCALL(31),
    NETFILTER(32);

    private static final ProgType[] BY_VALUE = new ProgType[33];

    static {
        for (ProgType t : values()) {
            BY_VALUE[t.value] = t;
        }
    }

    private final int value;

    ProgType(int value) { this.value = value; }

    /** The kernel's number for this constant. */
    public int value() { return value; }

    /** The constant with the kernel number {@code value}, or null if Linux 6.18 has none. */
    public static ProgType of(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
    }
}
