package org.ebpf4j.kernel.net;

/** {@code BPF_TCP_*} states (include/uapi/linux/bpf.h; same numbers as {@code TCP_*} in include/net/tcp_states.h). */
public final class TcpState {
    private TcpState() {}
    public static final int ESTABLISHED = 1;
    public static final int SYN_SENT = 2;
    public static final int SYN_RECV = 3;
    public static final int FIN_WAIT1 = 4;
    public static final int FIN_WAIT2 = 5;
    public static final int TIME_WAIT = 6;
    public static final int CLOSE = 7;
    public static final int CLOSE_WAIT = 8;
    public static final int LAST_ACK = 9;
    public static final int LISTEN = 10;

    private static final String[] NAMES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
        "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN"};

    public static String name(int s) { return s > 0 && s < NAMES.length ? NAMES[s] : "state " + s; }
}
