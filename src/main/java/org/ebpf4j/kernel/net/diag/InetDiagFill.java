package org.ebpf4j.kernel.net.diag;

import java.util.List;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.Socket;
import org.ebpf4j.kernel.net.TcpState;
import org.ebpf4j.map.storage.SkStorageDiag;
import org.ebpf4j.uapi.Errno;

/**
 * One socket's reply message ({@code inet_sk_diag_fill}, {@code inet_diag_msg_attrs_fill},
 * {@code inet_twsk_diag_fill} of net/ipv4/inet_diag.c, Linux 6.18) and its SK_STORAGE part
 * ({@code bpf_sk_storage_diag_put} and {@code diag_get} of net/core/bpf_sk_storage.c).
 *
 * <p>Attribute order as 6.18 emits it: SHUTDOWN; TOS (ext); TCLASS (ext) and SKV6ONLY (IPv6,
 * LISTEN/CLOSE); MARK (CAP_NET_ADMIN); CLASS_ID (ext TCLASS); CGROUP_ID; SOCKOPT; MEMINFO and
 * SKMEMINFO (ext); then, for TCP only, SK_BPF_STORAGES last. UDP's fill has no
 * {@code inet_connection_sock} and returns before the storage part, so a UDP socket never
 * reports its storage (checked against this machine's kernel).
 *
 * <p>Model values: timers, retransmits, {@code INET_DIAG_INFO}/{@code CONG} (not emitted),
 * inode (0) and queue sizes other than a listener's backlog (0) are not modelled; socket
 * buffers report Linux's defaults (212992).
 */
final class InetDiagFill {
    private InetDiagFill() {}

    static final int SOCK_BUF_DEFAULT = 212992;
    /** {@code struct inet_diag_sockopt} bits this model sets: is_icsk (TCP), mc_loop and mc_all (inet defaults). */
    static final int SOCKOPT_IS_ICSK = 1 << 1;
    static final int SOCKOPT_MC_LOOP = 1 << 4;
    static final int SOCKOPT_MC_ALL = 1 << 6;

    /** What a fill needs of the dump: the request, the reply header fields, the storage selection, the dump's size hint. */
    interface Ctx {
        int portid();

        int seq();

        int type();

        int ext();

        boolean netAdmin();

        /** Null when the request had no INET_DIAG_REQ_SK_BPF_STORAGES. */
        SkStorageDiag storageDiag();

        /** The values to report for {@code s} (read by the caller in an RCU read section). */
        List<SkStorageDiag.Entry> storageValues(Socket s);

        /** {@code cb->min_dump_alloc}. */
        int minDumpAlloc();

        void minDumpAlloc(int v);
    }

    /** Fills {@code s}'s message into {@code skb}: 0, or -EMSGSIZE with {@code skb} unchanged. */
    static int fill(Socket s, NlBuf skb, Ctx c) {
        int at = skb.nlmsgPut(c.portid(), c.seq(), c.type(), InetDiag.MSG_SIZE, Netlink.NLM_F_MULTI);
        if (at < 0) {
            return Errno.EMSGSIZE.negative();
        }
        int r = at + Netlink.NLMSG_HDRLEN;
        boolean tw = s.state() == TcpState.TIME_WAIT;
        commonFill(skb, r, s);
        skb.write(r + 1, new byte[] {(byte) s.state(), (byte) (tw ? 3 : 0)});
        if (tw) {   // inet_twsk_diag_fill: no attributes, uid and inode 0
            skb.nlmsgEnd(at);
            return 0;
        }
        if (!attrsFill(skb, r, s, c)) {
            skb.trim(at);
            return Errno.EMSGSIZE.negative();
        }
        boolean tcp = s.protocol() == Socket.IPPROTO_TCP;
        if (!tcp) {   // udp_diag_get_info; then "goto out": no storage part without an icsk
            skb.putU32At(r + 56, 0);
            skb.putU32At(r + 60, 0);
            skb.nlmsgEnd(at);
            return 0;
        }
        boolean listen = s.state() == TcpState.LISTEN;
        skb.putU32At(r + 56, listen ? s.pendingAccepts() : 0);   // tcp_diag_get_info
        skb.putU32At(r + 60, listen ? s.backlog() : 0);
        if (c.storageDiag() != null) {
            boolean firstNlmsg = at == 0;
            int msgLen = skb.len() - at;
            int[] total = {0};
            int err = storagePut(c.storageValues(s), skb, total);
            if (err != 0) {
                long want = (long) total[0] + msgLen;
                int prev = c.minDumpAlloc();
                if (want > prev) {
                    c.minDumpAlloc((int) Math.min(want, Integer.MAX_VALUE));
                }
                if (!firstNlmsg || c.minDumpAlloc() > prev) {
                    skb.trim(at);   // retried in a later skb, or in this one once expanded
                    return Errno.EMSGSIZE.negative();
                }
                // best effort: send what fitted for this socket
            }
        }
        skb.nlmsgEnd(at);
        return 0;
    }

    /** {@code inet_diag_msg_common_fill}: family, ports (big-endian), addresses, ifindex 0, cookie. */
    private static void commonFill(NlBuf skb, int r, Socket s) {
        byte[] m = new byte[InetDiag.MSG_SIZE];
        m[0] = (byte) s.family();
        SockAddr local = s.local();
        SockAddr peer = s.peer();
        int sport = local == null ? 0 : local.port();
        int dport = peer == null ? 0 : peer.port();
        m[4] = (byte) (sport >>> 8);
        m[5] = (byte) sport;
        m[6] = (byte) (dport >>> 8);
        m[7] = (byte) dport;
        if (local != null) {
            byte[] a = local.addr();
            System.arraycopy(a, 0, m, 8, a.length);
        }
        if (peer != null) {
            byte[] a = peer.addr();
            System.arraycopy(a, 0, m, 24, a.length);
        }
        long cookie = s.cookie();   // sock_diag_save_cookie: generates it on first use
        putLe32(m, 44, (int) cookie);
        putLe32(m, 48, (int) (cookie >>> 32));
        skb.write(r, m);
    }

    private static boolean attrsFill(NlBuf skb, int r, Socket s, Ctx c) {
        int ext = c.ext();
        if (!skb.putU8(InetDiag.INET_DIAG_SHUTDOWN, s.shutdownRead() ? 1 : 0)) {
            return false;
        }
        if ((ext & InetDiag.ext(InetDiag.INET_DIAG_TOS)) != 0 && !skb.putU8(InetDiag.INET_DIAG_TOS, 0)) {
            return false;
        }
        if (s.family() == SockAddr.AF_INET6) {
            if ((ext & InetDiag.ext(InetDiag.INET_DIAG_TCLASS)) != 0 && !skb.putU8(InetDiag.INET_DIAG_TCLASS, 0)) {
                return false;
            }
            boolean lc = s.state() == TcpState.LISTEN || s.state() == TcpState.CLOSE;
            if (lc && !skb.putU8(InetDiag.INET_DIAG_SKV6ONLY, 1)) {   // the model has no dual stack
                return false;
            }
        }
        if (c.netAdmin() && !skb.putU32(InetDiag.INET_DIAG_MARK, s.mark())) {
            return false;
        }
        if ((ext & InetDiag.ext(InetDiag.INET_DIAG_TCLASS)) != 0 && !skb.putU32(InetDiag.INET_DIAG_CLASS_ID, s.priority())) {
            return false;   // cgroup2 classid is 0: sk_priority stands in
        }
        if (!skb.putU64(InetDiag.INET_DIAG_CGROUP_ID, s.cgroup().id())) {
            return false;
        }
        skb.putU32At(r + 64, s.uid());
        skb.putU32At(r + 68, 0);   // sock_i_ino: not modelled
        int opt = SOCKOPT_MC_LOOP | SOCKOPT_MC_ALL | (s.protocol() == Socket.IPPROTO_TCP ? SOCKOPT_IS_ICSK : 0);
        if (!skb.putU16(InetDiag.INET_DIAG_SOCKOPT, opt)) {
            return false;
        }
        if ((ext & InetDiag.ext(InetDiag.INET_DIAG_MEMINFO)) != 0 && !skb.nlaPut(InetDiag.INET_DIAG_MEMINFO, new byte[16])) {
            return false;
        }
        if ((ext & InetDiag.ext(InetDiag.INET_DIAG_SKMEMINFO)) != 0) {
            byte[] mem = new byte[InetDiag.SK_MEMINFO_VARS * 4];
            putLe32(mem, 4, SOCK_BUF_DEFAULT);    // SK_MEMINFO_RCVBUF
            putLe32(mem, 12, SOCK_BUF_DEFAULT);   // SK_MEMINFO_SNDBUF
            putLe32(mem, InetDiag.SK_MEMINFO_OPTMEM * 4, s.omemAlloc());   // what SK_STORAGE is charged to
            if (!skb.nlaPut(InetDiag.INET_DIAG_SKMEMINFO, mem)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code bpf_sk_storage_diag_put}: the INET_DIAG_SK_BPF_STORAGES nest of {@code values}.
     * Returns 0 or -EMSGSIZE; either way {@code total[0]} is the size the whole nest needs
     * (0 when there is nothing to report), so the caller can size a retry.
     */
    static int storagePut(List<SkStorageDiag.Entry> values, NlBuf skb, int[] total) {
        total[0] = 0;
        if (values.isEmpty()) {
            return 0;
        }
        int err = 0;
        int nest = skb.nestStart(InetDiag.INET_DIAG_SK_BPF_STORAGES);
        if (nest < 0) {
            err = Errno.EMSGSIZE.negative();   // continue to learn the size
        }
        int saved = skb.len();
        int size = Netlink.NLA_HDRLEN;
        for (SkStorageDiag.Entry e : values) {
            size += valueSize(e.valueSize());
            if (nest >= 0 && diagGet(e, skb) != 0) {
                err = Errno.EMSGSIZE.negative();
            }
        }
        if (nest >= 0) {
            if (saved == skb.len()) {
                skb.nestCancel(nest);
            } else {
                skb.nestEnd(nest);
            }
        }
        total[0] = size;
        return err;
    }

    /** {@code nla_value_size}: SK_DIAG_BPF_STORAGE nest + MAP_ID u32 + MAP_VALUE (no pad on x86_64). */
    static int valueSize(int valueSize) {
        return Netlink.NLA_HDRLEN + Netlink.align(Netlink.NLA_HDRLEN + 4) + Netlink.align(Netlink.NLA_HDRLEN + valueSize);
    }

    /** {@code diag_get}: one SK_DIAG_BPF_STORAGE { MAP_ID, MAP_VALUE }, or -EMSGSIZE with nothing added. */
    private static int diagGet(SkStorageDiag.Entry e, NlBuf skb) {
        int stg = skb.nestStart(InetDiag.SK_DIAG_BPF_STORAGE);
        if (stg < 0) {
            return Errno.EMSGSIZE.negative();
        }
        if (!skb.putU32(InetDiag.SK_DIAG_BPF_STORAGE_MAP_ID, e.mapId())) {
            skb.nestCancel(stg);
            return Errno.EMSGSIZE.negative();
        }
        int v = skb.nlaReserve(InetDiag.SK_DIAG_BPF_STORAGE_MAP_VALUE, e.valueSize());
        if (v < 0) {
            skb.nestCancel(stg);
            return Errno.EMSGSIZE.negative();
        }
        skb.write(v, e.value());
        skb.nestEnd(stg);
        return 0;
    }

    private static void putLe32(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }
}
