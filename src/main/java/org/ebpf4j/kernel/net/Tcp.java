package org.ebpf4j.kernel.net;

import java.io.ByteArrayOutputStream;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupRunner;
import org.ebpf4j.map.storage.SkStorageMap;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The TCP connection model (net/ipv4/tcp_ipv4.c, tcp_input.c, tcp_output.c) as state
 * transitions on loopback, with every segment passing the sender's cgroup_skb egress and the
 * receiver's ingress, and the sockops callbacks a connection goes through:
 *
 * <pre>
 * client                                   listener / child
 * TCP_CONNECT_CB, RWND_INIT, TIMEOUT_INIT
 * SYN_SENT ── SYN ─────────────────────▶  (ingress on the listener)
 *          ◀──────────────── SYN-ACK ──  (egress on the listener)
 * ESTABLISHED, ACTIVE_ESTABLISHED_CB
 *          ── ACK ─────────────────────▶  child ESTABLISHED, PASSIVE_ESTABLISHED_CB, accept queue
 * </pre>
 *
 * The child inherits the listener's cgroup ({@code sk_clone_lock} copies {@code sk_cgrp_data}).
 * No retransmission: a dropped SYN (or full backlog) fails connect with ETIMEDOUT, which Linux
 * reports after its retries; a dropped data segment is lost (Linux would retransmit it forever
 * while the program keeps dropping). Called with the {@link Net} lock held.
 */
final class Tcp {
    private final Net net;
    private final SockHooks hooks;
    private long isn = 1_000_000;

    Tcp(Net net, SockHooks hooks) {
        this.net = net;
        this.hooks = hooks;
    }

    void connect(Socket c, Task task, SockAddr to) {
        if (!to.isLoopback()) {
            throw new BpfException(Errno.ENETUNREACH, "connect " + to + ": only loopback is modelled");
        }
        net.autobind(c, to);
        SockAddr from = Net.source(c, to);
        if (c.local.isWildcard()) {
            c.local = from;   // inet_rcv_saddr takes the route's source
        }
        c.peer = to;
        hooks.sockOps(c, task, SockOps.TCP_CONNECT_CB);
        hooks.sockOps(c, task, SockOps.RWND_INIT);
        hooks.sockOps(c, task, SockOps.TIMEOUT_INIT);
        net.setState(c, TcpState.SYN_SENT);
        long cseq = isn++;
        if (!transmit(c, task, Packets.tcp(from, to, cseq, 0, Packets.TCP_SYN, new byte[0]), from, to)) {
            fail(c, Errno.ETIMEDOUT, "SYN to " + to + " dropped by a cgroup_skb/egress program");
        }
        Socket l = net.lookup(Socket.IPPROTO_TCP, to, from, true);
        if (l == null) {
            // RST back to the client
            hooks.skb(CgroupHook.INET_INGRESS, c, task, Packets.tcp(to, from, 0, cseq + 1, Packets.TCP_RST | Packets.TCP_ACK, new byte[0]), from, to);
            fail(c, Errno.ECONNREFUSED, "nothing listens on " + to);
        }
        byte[] syn = Packets.tcp(from, to, cseq, 0, Packets.TCP_SYN, new byte[0]);
        if (hooks.skb(CgroupHook.INET_INGRESS, l, task, syn, to, from) != 0 || l.acceptq.size() >= l.backlog) {
            fail(c, Errno.ETIMEDOUT, "SYN to " + to + " dropped at the listener");
        }
        long lseq = isn++;
        byte[] synAck = Packets.tcp(to, from, lseq, cseq + 1, Packets.TCP_SYN | Packets.TCP_ACK, new byte[0]);
        if (!transmit(l, task, synAck, to, from) || hooks.skb(CgroupHook.INET_INGRESS, c, task, synAck, from, to) != 0) {
            fail(c, Errno.ETIMEDOUT, "SYN-ACK from " + to + " dropped");
        }
        c.segsIn++;
        net.setState(c, TcpState.ESTABLISHED);
        hooks.sockOps(c, task, SockOps.ACTIVE_ESTABLISHED_CB);
        byte[] ack = Packets.tcp(from, to, cseq + 1, lseq + 1, Packets.TCP_ACK, new byte[0]);
        if (!transmit(c, task, ack, from, to) || hooks.skb(CgroupHook.INET_INGRESS, l, task, ack, to, from) != 0) {
            return;   // the client is established; the server never completes (Linux: it retransmits SYN-ACK)
        }
        l.cgroup.bpfGet();
        Socket child = new Socket(net, l.family, l.type, l.protocol, l.ownerPid, l.cgroup, "accept on " + l.describe());
        // sk_clone_lock() → bpf_sk_storage_clone() (net/core/sock.c, net/core/bpf_sk_storage.c):
        // the child starts with copies of the listener's BPF_F_CLONE storages, before any program
        // sees it. If copying fails the child is freed and the server side never completes, as
        // for any failed clone (the client, already established, is left to its retransmits).
        if (SkStorageMap.clone(l, child) != 0) {
            child.put();
            return;
        }
        net.hashChild(child, to, from);
        child.peer = from;
        child.listener = l;
        child.peerSock = c;
        child.options.putAll(l.options);
        child.mark = l.mark;   // sk_clone_lock → sock_copy: the child starts as a copy of the listener
        child.priority = l.priority;
        child.cbFlags = l.cbFlags;
        child.segsIn = 2;
        child.segsOut = 1;
        c.peerSock = child;
        net.setState(child, TcpState.ESTABLISHED);
        hooks.sockOps(child, task, SockOps.PASSIVE_ESTABLISHED_CB);
        l.acceptq.add(child);   // the queue holds the child's first reference
    }

    private void fail(Socket c, Errno e, String why) {
        net.setState(c, TcpState.CLOSE);
        c.peer = null;
        net.syncSock(c);
        throw new BpfException(e, "connect: " + why);
    }

    /** Runs egress for a segment of {@code s}; true when it may go on. */
    private boolean transmit(Socket s, Task task, byte[] seg, SockAddr from, SockAddr to) {
        int x = hooks.skb(CgroupHook.INET_EGRESS, s, task, seg, from, to);
        if (x == CgroupRunner.NET_XMIT_SUCCESS || x == CgroupRunner.NET_XMIT_CN) {
            s.segsOut++;
            return true;
        }
        return false;
    }

    int send(Socket s, Task task, byte[] data) {
        if (s.state != TcpState.ESTABLISHED && s.state != TcpState.CLOSE_WAIT) {
            throw new BpfException(s.state == TcpState.CLOSE && s.peer == null ? Errno.ENOTCONN : Errno.EPIPE,
                    "send on a " + TcpState.name(s.state) + " TCP socket");
        }
        SockAddr from = s.local;
        SockAddr to = s.peer;
        byte[] seg = Packets.tcp(from, to, 0, 0, Packets.TCP_PSH | Packets.TCP_ACK, data);
        s.inc();
        try {
            if (!transmit(s, task, seg, from, to)) {
                return data.length;   // queued for a retransmission that the program keeps dropping
            }
            Socket p = s.peerSock;
            if (p == null || p.released() && p.state == TcpState.CLOSE) {
                return data.length;
            }
            if (hooks.skb(CgroupHook.INET_INGRESS, p, task, seg, to, from) != 0) {
                return data.length;
            }
            p.segsIn++;
            p.bytesReceived += data.length;
            s.bytesAcked += data.length;
            p.rcvq.add(new Socket.Datagram(from, data));
            return data.length;
        } finally {
            s.put();
        }
    }

    Socket.Datagram recv(Socket s, Task task, int max) {
        if (s.state == TcpState.LISTEN || s.peer == null) {
            throw new BpfException(Errno.ENOTCONN, "recv on an unconnected TCP socket");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (out.size() < max && !s.rcvq.isEmpty()) {
            Socket.Datagram d = s.rcvq.poll();
            int take = Math.min(max - out.size(), d.data().length);
            out.write(d.data(), 0, take);
            if (take < d.data().length) {
                s.rcvq.addFirst(new Socket.Datagram(d.from(), java.util.Arrays.copyOfRange(d.data(), take, d.data().length)));
            }
        }
        if (out.size() == 0 && !s.shutdownRead) {
            throw new BpfException(Errno.EAGAIN, "recv: no data queued");
        }
        return new Socket.Datagram(s.peer, out.toByteArray());
    }

    /** {@code tcp_close}: FIN to the peer (which moves to CLOSE_WAIT), pending children dropped. */
    void close(Socket s) {
        if (s.state == TcpState.LISTEN) {
            Socket ch;
            while ((ch = s.acceptq.poll()) != null) {
                Socket peer = ch.peerSock;
                if (peer != null) {
                    peer.shutdownRead = true;
                }
                net.setState(ch, TcpState.CLOSE);
                ch.put();
            }
            return;
        }
        Socket p = s.peerSock;
        if ((s.state == TcpState.ESTABLISHED || s.state == TcpState.CLOSE_WAIT) && p != null) {
            Task task = net.runtime().task(s.ownerPid);
            byte[] fin = Packets.tcp(s.local, s.peer, 0, 0, Packets.TCP_FIN | Packets.TCP_ACK, new byte[0]);
            if (transmit(s, task, fin, s.local, s.peer) && !p.released()
                    && hooks.skb(CgroupHook.INET_INGRESS, p, task, fin, s.peer, s.local) == 0) {
                p.shutdownRead = true;
                if (p.state == TcpState.ESTABLISHED) {
                    net.setState(p, TcpState.CLOSE_WAIT);
                }
            }
            p.peerSock = null;
        }
        s.peerSock = null;
    }
}
