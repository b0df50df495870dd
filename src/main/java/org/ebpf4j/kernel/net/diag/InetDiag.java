package org.ebpf4j.kernel.net.diag;

/**
 * Numbers of include/uapi/linux/sock_diag.h and inet_diag.h (Linux 6.18): message types, request
 * and reply attribute types, the SK_STORAGE diag enums, the {@code idiag_ext} bits and the
 * {@code idiag_states} bit for each TCP state.
 */
public final class InetDiag {
    private InetDiag() {}

    /** {@code SOCK_DIAG_BY_FAMILY}: the request and reply message type. */
    public static final int SOCK_DIAG_BY_FAMILY = 20;
    public static final int SOCK_DESTROY = 21;
    /** Compat request types ({@code struct inet_diag_req}), not modelled. */
    public static final int TCPDIAG_GETSOCK = 18;
    public static final int DCCPDIAG_GETSOCK = 19;

    /** {@code sizeof(struct inet_diag_req_v2)}. */
    public static final int REQ_V2_SIZE = 56;
    /** {@code sizeof(struct inet_diag_msg)}. */
    public static final int MSG_SIZE = 72;

    // request attributes
    public static final int INET_DIAG_REQ_BYTECODE = 1;
    public static final int INET_DIAG_REQ_SK_BPF_STORAGES = 2;
    public static final int INET_DIAG_REQ_PROTOCOL = 3;
    public static final int INET_DIAG_REQ_MAX_PLUS1 = 4;

    // reply attributes (and idiag_ext bits: 1 << (attr - 1))
    public static final int INET_DIAG_MEMINFO = 1;
    public static final int INET_DIAG_INFO = 2;
    public static final int INET_DIAG_VEGASINFO = 3;
    public static final int INET_DIAG_CONG = 4;
    public static final int INET_DIAG_TOS = 5;
    public static final int INET_DIAG_TCLASS = 6;
    public static final int INET_DIAG_SKMEMINFO = 7;
    public static final int INET_DIAG_SHUTDOWN = 8;
    public static final int INET_DIAG_SKV6ONLY = 11;
    public static final int INET_DIAG_PAD = 14;
    public static final int INET_DIAG_MARK = 15;
    public static final int INET_DIAG_CLASS_ID = 17;
    public static final int INET_DIAG_SK_BPF_STORAGES = 20;
    public static final int INET_DIAG_CGROUP_ID = 21;
    public static final int INET_DIAG_SOCKOPT = 22;

    // include/uapi/linux/sock_diag.h: request nest INET_DIAG_REQ_SK_BPF_STORAGES
    public static final int SK_DIAG_BPF_STORAGE_REQ_MAP_FD = 1;
    // reply nest INET_DIAG_SK_BPF_STORAGES holds SK_DIAG_BPF_STORAGE nests
    public static final int SK_DIAG_BPF_STORAGE = 1;
    // inside SK_DIAG_BPF_STORAGE
    public static final int SK_DIAG_BPF_STORAGE_PAD = 1;
    public static final int SK_DIAG_BPF_STORAGE_MAP_ID = 2;
    public static final int SK_DIAG_BPF_STORAGE_MAP_VALUE = 3;

    /** {@code SK_MEMINFO_VARS}: u32s of INET_DIAG_SKMEMINFO. */
    public static final int SK_MEMINFO_VARS = 9;
    public static final int SK_MEMINFO_OPTMEM = 6;

    /** {@code idiag_ext} bit asking for reply attribute {@code attr}. */
    public static int ext(int attr) { return 1 << (attr - 1); }

    /** {@code idiag_states} bit of TCP state {@code state} ({@code TCPF_*} = 1 << state). */
    public static int stateBit(int state) { return 1 << state; }

    /** Every state ({@code ss -a}). */
    public static final int ALL_STATES = 0xffffffff;
}
