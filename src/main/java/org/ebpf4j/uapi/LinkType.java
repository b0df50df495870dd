package org.ebpf4j.uapi;

/** enum bpf_link_type. Numbers as in Linux 6.18's {@code include/uapi/linux/bpf.h}. */
public enum LinkType {
    UNSPEC(0),
    RAW_TRACEPOINT(1),
    TRACING(2),
    CGROUP(3),
    ITER(4),
    NETNS(5),
    XDP(6),
    PERF_EVENT(7),
    KPROBE_MULTI(8),
    STRUCT_OPS(9),
    NETFILTER(10),
    TCX(11),
    UPROBE_MULTI(12),
    NETKIT(13),
    SOCKMAP(14);

    private static final LinkType[] BY_VALUE = new LinkType[15];

    static {
        for (LinkType t : values()) {
            BY_VALUE[t.value] = t;
        }
    }

    private final int value;

    LinkType(int value) { this.value = value; }

    /** The kernel's number for this constant. */
    public int value() { return value; }

    /** The constant with the kernel number {@code value}, or null if Linux 6.18 has none. */
    public static LinkType of(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
    }
}
