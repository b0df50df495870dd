package org.ebpf4j.kernel.net;

import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupRunner;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * UDP send and loopback delivery ({@code udp_sendmsg}, {@code ip_send_skb}, {@code udp_queue_rcv_skb};
 * net/ipv4/udp.c). Called with the {@link Net} lock held.
 */
final class Udp {
    private Udp() {}

    static int send(Net net, SockHooks hooks, Socket s, Task task, byte[] data, SockAddr dst) {
        SockAddr to;
        if (dst == null) {
            if (s.peer == null) {
                throw new BpfException(Errno.EDESTADDRREQ, "sendto: no destination on an unconnected UDP socket");
            }
            to = s.peer;
        } else {
            if (dst.family() != s.family) {
                throw new BpfException(Errno.EAFNOSUPPORT, "sendto: address family " + dst.family() + " on an AF " + s.family + " socket");
            }
            to = dst;
        }
        net.autobind(s, to);
        SockAddr from = Net.source(s, to);
        if (dst != null) {   // udp_sendmsg runs sendmsg4/6 only for an explicit destination
            SockAddr[] d = {to};
            SockAddr[] src = {from};
            int err = hooks.sockAddr(s.family == SockAddr.AF_INET ? CgroupHook.UDP4_SENDMSG : CgroupHook.UDP6_SENDMSG,
                    s, task, d, src, new CgRunCtx(0));
            if (err != 0) {
                throw new BpfException(Net.errno(err), "sendto " + dst + ": refused by a cgroup/sendmsg program");
            }
            to = d[0];
            from = src[0].isWildcard() ? from : src[0].withPort(from.port());
        }
        if (to.port() == 0) {
            throw new BpfException(Errno.EINVAL, "sendto: destination port 0");
        }
        byte[] pkt = Packets.udp(from, to, data);
        s.inc();   // skb_set_owner_w: the packet holds its socket while in flight
        try {
            int x = hooks.skb(CgroupHook.INET_EGRESS, s, task, pkt, from, to);
            if (x == CgroupRunner.NET_XMIT_DROP) {
                // drop with congestion notification: ip_send_skb turns it into -ENOBUFS, which
                // udp_send_skb swallows without IP_RECVERR (not modelled): the send "succeeds"
                return data.length;
            }
            if (x != CgroupRunner.NET_XMIT_SUCCESS && x != CgroupRunner.NET_XMIT_CN) {
                // a plain drop: the program's -EPERM is the call's errno
                throw new BpfException(Net.errno(x), "sendto " + to + ": packet dropped by a cgroup_skb/egress program");
            }
            s.segsOut++;
            deliver(net, hooks, task, pkt, from, to, data);
            return data.length;
        } finally {
            s.put();
        }
    }

    /** Loopback receive: the bound socket gets the datagram unless its ingress programs drop it. */
    private static void deliver(Net net, SockHooks hooks, Task task, byte[] pkt, SockAddr from, SockAddr to, byte[] data) {
        if (!to.isLoopback()) {
            return;   // leaves the host: nobody here receives it
        }
        Socket r = net.lookup(Socket.IPPROTO_UDP, to, from, false);
        if (r == null) {
            return;   // ICMP port unreachable; not modelled further
        }
        if (hooks.skb(CgroupHook.INET_INGRESS, r, task, pkt, to, from) != 0) {
            return;
        }
        r.segsIn++;
        r.rcvq.add(new Socket.Datagram(from, data));
    }
}
