package org.ebpf4j.kernel.net;

/** {@code BPF_SOCK_OPS_*} ops and callback flags (include/uapi/linux/bpf.h). */
public final class SockOps {
    private SockOps() {}
    public static final int TIMEOUT_INIT = 1;
    public static final int RWND_INIT = 2;
    public static final int TCP_CONNECT_CB = 3;
    public static final int ACTIVE_ESTABLISHED_CB = 4;
    public static final int PASSIVE_ESTABLISHED_CB = 5;
    public static final int NEEDS_ECN = 6;
    public static final int STATE_CB = 10;
    public static final int TCP_LISTEN_CB = 11;

    public static final int RTO_CB_FLAG = 1;
    public static final int RETRANS_CB_FLAG = 2;
    public static final int STATE_CB_FLAG = 4;
    public static final int RTT_CB_FLAG = 8;
    /** {@code BPF_SOCK_OPS_ALL_CB_FLAGS} on 6.18 (up to TSTAMP/RTT, 0x7f? see bpf.h; bits 0..6). */
    public static final int ALL_CB_FLAGS = 0x7f;
}
