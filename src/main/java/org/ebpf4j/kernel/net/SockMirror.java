package org.ebpf4j.kernel.net;

import org.ebpf4j.memory.Arena;

/**
 * Writes a socket's {@code struct sock} and {@code struct socket} into its arena block, at the
 * model kernel BTF's offsets ({@link SockLayout}), so a BTF-typed program (fentry/fexit, LSM,
 * iterator) that reads {@code sk->__sk_common.skc_family} through CO-RE sees what the socket is.
 * Field meanings and byte orders follow include/net/sock.h and inet_sock.h: {@code skc_daddr}
 * and {@code skc_rcv_saddr} are the IPv4 addresses in network order ({@code inet_daddr},
 * {@code inet_rcv_saddr}), {@code skc_dport} the peer port in network order, {@code skc_num}
 * the local port in host order, {@code skc_v6_*} the IPv6 addresses of an AF_INET6 socket,
 * {@code skc_state} a {@code TCP_*} state (UDP: CLOSE, or ESTABLISHED once connected),
 * {@code skc_cookie} 0 until {@code sock_gen_cookie} gave the socket one.
 *
 * <p>Fields are written one by one, never zeroed first: a program reading the struct while it
 * changes (an iterator, a tracing program on another thread) sees an old or a new value of each
 * field, never a transient zero. The block itself comes zeroed from the arena.
 */
final class SockMirror {
    /** {@code LOOPBACK4_IPV6} (include/net/ipv6.h: 127.0.0.6 in network order) as a little-endian u32. */
    static final int LOOPBACK4_IPV6 = 0x0600007f;

    private final Arena arena;
    private final SockLayout l;

    SockMirror(Arena arena, SockLayout l) {
        this.arena = arena;
        this.l = l;
    }

    /**
     * {@code sk_alloc} + {@code sock_init_data}: what never changes ({@code skc_family},
     * {@code sk_type}, {@code sk_protocol}, {@code sk_cgrp_data.cgroup} = the creating cgroup's
     * {@code struct cgroup} mirror or 0, {@code sock->sk}, {@code sock->type}), then the rest.
     */
    void init(Socket s, long cgroupMirror) {
        long sk = s.sk;
        arena.store16(sk + l.family, (short) s.family);
        arena.store16(sk + l.type, (short) s.type);
        arena.store16(sk + l.protocol, (short) s.protocol);
        arena.store64(sk + l.cgroup, cgroupMirror);
        long sock = s.sock;
        arena.store16(sock + l.socketType, (short) s.type);
        arena.store64(sock + l.socketSk, sk);
        write(s);
    }

    /** Rewrites what changes: addresses, ports, state, mark, priority, buffers, cookie, uid, {@code sk_socket}. */
    void write(Socket s) {
        long sk = s.sk;
        SockAddr local = s.local;
        SockAddr peer = s.peer;
        boolean v4 = s.family == SockAddr.AF_INET;
        if (v4) {
            arena.store32(sk + l.rcvSaddr, local != null ? be32(local.addr()) : 0);
            arena.store32(sk + l.daddr, peer != null ? be32(peer.addr()) : 0);
        } else {
            // AF_INET6 (no v4-mapped addresses in the model): __inet6_bind, tcp_v6_connect and
            // ip6_datagram_connect put LOOPBACK4_IPV6 in inet_rcv_saddr once a local address is
            // set; tcp_v6_syn_recv_sock puts it in the accepted child's inet_daddr as well
            arena.store32(sk + l.rcvSaddr, local != null && !local.isWildcard() ? LOOPBACK4_IPV6 : 0);
            arena.store32(sk + l.daddr, peer != null && s.listener != null ? LOOPBACK4_IPV6 : 0);
        }
        if (s.family == SockAddr.AF_INET6) {
            storeAddr16(sk + l.v6RcvSaddr, local);
            storeAddr16(sk + l.v6Daddr, peer);
        }
        arena.store16(sk + l.num, (short) (local == null ? 0 : local.port()));
        int dport = peer == null ? 0 : peer.port();
        arena.store8(sk + l.dport, dport >> 8);   // __be16
        arena.store8(sk + l.dport + 1, dport);
        arena.store8(sk + l.state, s.state);
        arena.store32(sk + l.mark, s.mark);
        arena.store32(sk + l.priority, s.priority);
        arena.store32(sk + l.rcvbuf, Sockopts.rcvbuf(s));
        arena.store32(sk + l.sndbuf, Sockopts.sndbuf(s));
        long cookie = s.cookie;
        if (cookie != 0) {   // 0 → cookie once (cookie()), never back: a stale 0 must not overwrite it
            arena.store64(sk + l.cookie, cookie);
        }
        arena.store32(sk + l.uid, s.uid());
        // sock_graft / sock_orphan: a socket with a struct socket points back at it
        arena.store64(sk + l.socket, s.grafted ? s.sock : 0);
        // inet_stream_connect / inet_accept: a connected stream socket is SS_CONNECTED (a datagram
        // socket's connect leaves sock->state alone)
        boolean connected = s.type == Socket.SOCK_STREAM && peer != null && s.state != TcpState.CLOSE
                && s.state != TcpState.SYN_SENT;
        arena.store32(s.sock + l.socketState, connected ? SockLayout.SS_CONNECTED : SockLayout.SS_UNCONNECTED);
    }

    /** {@code sock_gen_cookie} published the socket's cookie: {@code atomic64_cmpxchg(&sk->sk_cookie, 0, cookie)}. */
    void cookie(Socket s, long cookie) { arena.store64(s.sk + l.cookie, cookie); }

    private void storeAddr16(long at, SockAddr a) {
        byte[] ip = a == null ? null : a.addr();
        for (int i = 0; i < 16; i++) {
            arena.store8(at + i, ip != null && i < ip.length ? ip[i] : 0);
        }
    }

    /** The 4 bytes of an IPv4 address as a little-endian u32 load sees them in memory (network order bytes). */
    private static int be32(byte[] ip) {
        if (ip.length < 4) {
            return 0;
        }
        return (ip[0] & 0xff) | (ip[1] & 0xff) << 8 | (ip[2] & 0xff) << 16 | (ip[3] & 0xff) << 24;
    }
}
