package org.ebpf4j.kernel.net;

/**
 * The UAPI context structs of the socket hooks (include/uapi/linux/bpf.h), as they lie in the
 * arena; offsets checked against this machine's headers with offsetof. Pointer fields are
 * {@code __bpf_md_ptr} (8 bytes). Byte order follows the kernel's {@code *_convert_ctx_access}:
 * addresses are network order; ports as each field's comment says.
 */
public final class SockLayouts {
    private SockLayouts() {}

    /** {@code struct bpf_sock} (80 bytes): the mirror of a socket that {@code skb->sk} and friends point at. */
    public static final class Sock {
        private Sock() {}
        public static final int BOUND_DEV_IF = 0;
        public static final int FAMILY = 4;
        public static final int TYPE = 8;
        public static final int PROTOCOL = 12;
        public static final int MARK = 16;
        public static final int PRIORITY = 20;
        public static final int SRC_IP4 = 24;
        public static final int SRC_IP6 = 28;
        /** Host byte order. */
        public static final int SRC_PORT = 44;
        /** {@code __be16}, followed by 16 zero bits. */
        public static final int DST_PORT = 48;
        public static final int DST_IP4 = 52;
        public static final int DST_IP6 = 56;
        public static final int STATE = 72;
        public static final int RX_QUEUE_MAPPING = 76;
        public static final int SIZE = 80;
        /**
         * Offset of the socket's local-storage owner block, right after the mirror (the model's
         * {@code sk->sk_bpf_storage}; {@link org.ebpf4j.map.storage.OwnerTable#registerAt}): a
         * {@code bpf_sk_storage_get} hit reads the storage pointer there, with no lookup from
         * the {@code bpf_sock} address to the socket. Programs cannot reach it: the verifier
         * bounds their {@code bpf_sock} accesses by {@link #SIZE}.
         */
        public static final int OWNER_BLOCK = SIZE;
        // The rest of a socket's arena block (struct sock, struct socket): SockLayout.
    }

    /** {@code struct bpf_sock_addr} (72 bytes): bind/connect/sendmsg/recvmsg/getpeername/getsockname. */
    public static final class SockAddrCtx {
        private SockAddrCtx() {}
        public static final int USER_FAMILY = 0;
        public static final int USER_IP4 = 4;
        public static final int USER_IP6 = 8;
        /** {@code __be16} in the low half of the u32 ({@code sin_port}). */
        public static final int USER_PORT = 24;
        public static final int FAMILY = 28;
        public static final int TYPE = 32;
        public static final int PROTOCOL = 36;
        public static final int MSG_SRC_IP4 = 40;
        public static final int MSG_SRC_IP6 = 44;
        public static final int SK = 64;
        public static final int SIZE = 72;
    }

    /** {@code struct bpf_sockopt} (40 bytes). */
    public static final class Sockopt {
        private Sockopt() {}
        public static final int SK = 0;
        public static final int OPTVAL = 8;
        public static final int OPTVAL_END = 16;
        public static final int LEVEL = 24;
        public static final int OPTNAME = 28;
        public static final int OPTLEN = 32;
        public static final int RETVAL = 36;
        public static final int SIZE = 40;
    }

    /** {@code struct bpf_sock_ops} (224 bytes on 6.18; 216 before {@code skb_hwtstamp}). */
    public static final class SockOps {
        private SockOps() {}
        public static final int OP = 0;
        public static final int ARGS = 4;
        public static final int REPLY = 4;
        public static final int FAMILY = 20;
        public static final int REMOTE_IP4 = 24;
        public static final int LOCAL_IP4 = 28;
        public static final int REMOTE_IP6 = 32;
        public static final int LOCAL_IP6 = 48;
        /** Network order in the upper 16 bits (little-endian hosts). */
        public static final int REMOTE_PORT = 64;
        /** Host order. */
        public static final int LOCAL_PORT = 68;
        public static final int IS_FULLSOCK = 72;
        public static final int SND_CWND = 76;
        public static final int SRTT_US = 80;
        public static final int CB_FLAGS = 84;
        public static final int STATE = 88;
        public static final int RCV_NXT = 100;
        public static final int SND_NXT = 104;
        public static final int SND_UNA = 108;
        public static final int MSS_CACHE = 112;
        public static final int SEGS_IN = 140;
        public static final int SEGS_OUT = 148;
        public static final int BYTES_RECEIVED = 168;
        public static final int BYTES_ACKED = 176;
        public static final int SK = 184;
        public static final int SKB_DATA = 192;
        public static final int SKB_DATA_END = 200;
        public static final int SKB_LEN = 208;
        public static final int SKB_TCP_FLAGS = 212;
        public static final int SIZE = 224;
    }

    /** {@code struct bpf_tcp_sock} (112 bytes), what {@code bpf_tcp_sock()} returns. */
    public static final class TcpSock {
        private TcpSock() {}
        public static final int SND_CWND = 0;
        public static final int SRTT_US = 4;
        public static final int RTT_MIN = 8;
        public static final int SND_SSTHRESH = 12;
        public static final int RCV_NXT = 16;
        public static final int SND_NXT = 20;
        public static final int SND_UNA = 24;
        public static final int MSS_CACHE = 28;
        public static final int SEGS_IN = 48;
        public static final int DATA_SEGS_IN = 52;
        public static final int SEGS_OUT = 56;
        public static final int DATA_SEGS_OUT = 60;
        public static final int BYTES_RECEIVED = 80;
        public static final int BYTES_ACKED = 88;
        public static final int SIZE = 112;
    }
}
