package org.ebpf4j.kernel.net;

import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.memory.SkBuffLayout;

/**
 * Lays out each hook's UAPI context in the arena, runs the socket's cgroup effective array
 * through {@link org.ebpf4j.kernel.cgroup.CgroupRunner} and reads back what the program may
 * have rewritten. One method per kernel call site: {@code BPF_CGROUP_RUN_PROG_INET_SOCK}
 * (include/linux/bpf-cgroup.h), {@code __cgroup_bpf_run_filter_sock_addr},
 * {@code __cgroup_bpf_run_filter_skb}, {@code tcp_call_bpf} (include/net/tcp.h). Contexts are
 * freed when the run ends; a program that keeps a pointer is the verifier's problem, as in Linux.
 */
final class SockHooks {
    private final Net net;
    private final Arena arena;

    SockHooks(Net net) {
        this.net = net;
        this.arena = net.arena();
    }

    /** Refreshes the {@code struct bpf_sock} (and {@code bpf_tcp_sock}) mirror from the socket. */
    void syncMirror(Socket s) {
        long m = s.mirror;
        arena.fill(m, SockLayouts.Sock.SIZE, (byte) 0);
        arena.store32(m + SockLayouts.Sock.FAMILY, s.family);
        arena.store32(m + SockLayouts.Sock.TYPE, s.type);
        arena.store32(m + SockLayouts.Sock.PROTOCOL, s.protocol);
        arena.store32(m + SockLayouts.Sock.MARK, s.mark);
        arena.store32(m + SockLayouts.Sock.PRIORITY, s.priority);
        if (s.local != null) {
            putAddr(m + SockLayouts.Sock.SRC_IP4, m + SockLayouts.Sock.SRC_IP6, s.local);
            arena.store32(m + SockLayouts.Sock.SRC_PORT, s.local.port());
        }
        if (s.peer != null) {
            putAddr(m + SockLayouts.Sock.DST_IP4, m + SockLayouts.Sock.DST_IP6, s.peer);
            arena.store8(m + SockLayouts.Sock.DST_PORT, s.peer.port() >> 8);
            arena.store8(m + SockLayouts.Sock.DST_PORT + 1, s.peer.port());
        }
        arena.store32(m + SockLayouts.Sock.STATE, s.state);
        arena.store32(m + SockLayouts.Sock.RX_QUEUE_MAPPING, -1);
        if (s.tcpMirror != 0) {
            long t = s.tcpMirror;
            arena.store32(t + SockLayouts.TcpSock.SND_CWND, 10);
            arena.store32(t + SockLayouts.TcpSock.MSS_CACHE, s.family == SockAddr.AF_INET ? 65483 : 65464);
            arena.store32(t + SockLayouts.TcpSock.SEGS_IN, s.segsIn);
            arena.store32(t + SockLayouts.TcpSock.SEGS_OUT, s.segsOut);
            arena.store64(t + SockLayouts.TcpSock.BYTES_RECEIVED, s.bytesReceived);
            arena.store64(t + SockLayouts.TcpSock.BYTES_ACKED, s.bytesAcked);
        }
    }

    /**
     * CGROUP_SOCK hooks (sock_create, sock_release, post_bind4/6): ctx is the socket's own
     * {@code bpf_sock}; sock_create may write mark, priority and bound_dev_if, which stick.
     * Returns 0 or -errno.
     */
    int sock(CgroupHook hook, Socket s, Task task) {
        syncMirror(s);
        int ret = run(hook, s, task, s.mirror, new CgRunCtx(0), null);
        if (hook == CgroupHook.INET_SOCK_CREATE) {
            s.mark = (int) arena.load32(s.mirror + SockLayouts.Sock.MARK);
            s.priority = (int) arena.load32(s.mirror + SockLayouts.Sock.PRIORITY);
            net.syncSock(s);
        }
        return ret;
    }

    /**
     * sock_addr hooks: {@code addr[0]} is the user address in and the (possibly rewritten) one out;
     * {@code src}, if not null, is sendmsg's source address ({@code msg_src_ip4/6}), likewise.
     * {@code rc} collects bit1 of the returns (bind). Returns 0 or -errno.
     */
    int sockAddr(CgroupHook hook, Socket s, Task task, SockAddr[] addr, SockAddr[] src, CgRunCtx rc) {
        if (s.cgroup.effective(hook).isEmpty()) {
            return 0;
        }
        syncMirror(s);
        long ctx = arena.alloc(SockLayouts.SockAddrCtx.SIZE);
        try {
            arena.fill(ctx, SockLayouts.SockAddrCtx.SIZE, (byte) 0);
            SockAddr a = addr[0];
            arena.store32(ctx + SockLayouts.SockAddrCtx.USER_FAMILY, a.family());
            putAddr(ctx + SockLayouts.SockAddrCtx.USER_IP4, ctx + SockLayouts.SockAddrCtx.USER_IP6, a);
            arena.store8(ctx + SockLayouts.SockAddrCtx.USER_PORT, a.port() >> 8);
            arena.store8(ctx + SockLayouts.SockAddrCtx.USER_PORT + 1, a.port());
            arena.store32(ctx + SockLayouts.SockAddrCtx.FAMILY, s.family);
            arena.store32(ctx + SockLayouts.SockAddrCtx.TYPE, s.type);
            arena.store32(ctx + SockLayouts.SockAddrCtx.PROTOCOL, s.protocol);
            if (src != null && src[0] != null) {
                putAddr(ctx + SockLayouts.SockAddrCtx.MSG_SRC_IP4, ctx + SockLayouts.SockAddrCtx.MSG_SRC_IP6, src[0]);
            }
            arena.store64(ctx + SockLayouts.SockAddrCtx.SK, s.mirror);
            HookRun hr = new HookRun(s, task, rc, ctx);
            hr.bindAllowed = hook == CgroupHook.INET4_CONNECT || hook == CgroupHook.INET6_CONNECT;
            int ret = run(hook, s, task, ctx, rc, hr);
            addr[0] = a.withAddr(getAddr(ctx + SockLayouts.SockAddrCtx.USER_IP4, ctx + SockLayouts.SockAddrCtx.USER_IP6, a.family()))
                    .withPort((int) (arena.load8(ctx + SockLayouts.SockAddrCtx.USER_PORT) << 8
                            | arena.load8(ctx + SockLayouts.SockAddrCtx.USER_PORT + 1)));
            if (src != null && src[0] != null) {
                src[0] = src[0].withAddr(getAddr(ctx + SockLayouts.SockAddrCtx.MSG_SRC_IP4,
                        ctx + SockLayouts.SockAddrCtx.MSG_SRC_IP6, src[0].family()));
            }
            return ret;
        } finally {
            arena.free(ctx, SockLayouts.SockAddrCtx.SIZE);
        }
    }

    /**
     * cgroup_skb ingress/egress on {@code packet} (network header onward) for socket {@code s}.
     * Returns what {@code CgroupRunner} combined: egress NET_XMIT_* or -errno, ingress 0 or -errno.
     */
    int skb(CgroupHook hook, Socket s, Task task, byte[] packet, SockAddr local, SockAddr remote) {
        if (s.cgroup.effective(hook).isEmpty()) {
            return 0;
        }
        syncMirror(s);
        long ctx = arena.alloc(SkBuffLayout.ALLOC_SIZE);
        long data = arena.alloc(Math.max(packet.length, 1));
        try {
            arena.fill(ctx, SkBuffLayout.ALLOC_SIZE, (byte) 0);
            arena.copyIn(data, packet);
            boolean ingress = hook == CgroupHook.INET_INGRESS;
            arena.store32(ctx + SkBuffLayout.LEN, packet.length);
            arena.store32(ctx + SkBuffLayout.MARK, ingress ? 0 : s.mark);
            arena.store32(ctx + SkBuffLayout.PRIORITY, ingress ? 0 : s.priority);
            arena.store32(ctx + SkBuffLayout.PROTOCOL, local.family() == SockAddr.AF_INET ? 0x0008 : 0xdd86);
            arena.store32(ctx + SkBuffLayout.IFINDEX, 1);
            arena.store32(ctx + SkBuffLayout.INGRESS_IFINDEX, ingress ? 1 : 0);
            arena.store32(ctx + SkBuffLayout.FAMILY, local.family());
            putAddr(ctx + SkBuffLayout.LOCAL_IP4, ctx + SkBuffLayout.LOCAL_IP6, local);
            putAddr(ctx + SkBuffLayout.REMOTE_IP4, ctx + SkBuffLayout.REMOTE_IP6, remote);
            arena.store32(ctx + SkBuffLayout.LOCAL_PORT, local.port());
            arena.store8(ctx + SkBuffLayout.REMOTE_PORT + 2, remote.port() >> 8);
            arena.store8(ctx + SkBuffLayout.REMOTE_PORT + 3, remote.port());
            arena.store32(ctx + SkBuffLayout.GSO_SEGS, 1);
            arena.store64(ctx + SkBuffLayout.SK, s.mirror);
            arena.store64(ctx + SkBuffLayout.KERN_DATA, data);
            arena.store64(ctx + SkBuffLayout.KERN_DATA_END, data + packet.length);
            arena.store64(ctx + SkBuffLayout.KERN_DATA_META, data);
            CgRunCtx rc = new CgRunCtx(0);
            HookRun hr = new HookRun(s, task, rc, ctx);
            hr.pkt = data;
            hr.pktLen = packet.length;
            return run(hook, s, task, ctx, rc, hr);
        } finally {
            arena.free(data, Math.max(packet.length, 1));
            arena.free(ctx, SkBuffLayout.ALLOC_SIZE);
        }
    }

    /**
     * {@code tcp_call_bpf(sk, op, nargs, args)}: runs SOCK_OPS for {@code s}'s cgroup; returns
     * the program's {@code reply} if every program returned 1, else -1 (as the kernel's callers see).
     * With no program attached returns -1 too ({@code tcp_call_bpf} without BPF).
     */
    int sockOps(Socket s, Task task, int op, int... args) {
        if (s.cgroup.effective(CgroupHook.SOCK_OPS).isEmpty()) {
            return -1;
        }
        syncMirror(s);
        long ctx = arena.alloc(SockLayouts.SockOps.SIZE);
        try {
            arena.fill(ctx, SockLayouts.SockOps.SIZE, (byte) 0);
            arena.store32(ctx + SockLayouts.SockOps.OP, op);
            for (int i = 0; i < args.length && i < 4; i++) {
                arena.store32(ctx + SockLayouts.SockOps.ARGS + 4L * i, args[i]);
            }
            arena.store32(ctx + SockLayouts.SockOps.FAMILY, s.family);
            if (s.local != null) {
                putAddr(ctx + SockLayouts.SockOps.LOCAL_IP4, ctx + SockLayouts.SockOps.LOCAL_IP6, s.local);
                arena.store32(ctx + SockLayouts.SockOps.LOCAL_PORT, s.local.port());
            }
            if (s.peer != null) {
                putAddr(ctx + SockLayouts.SockOps.REMOTE_IP4, ctx + SockLayouts.SockOps.REMOTE_IP6, s.peer);
                arena.store8(ctx + SockLayouts.SockOps.REMOTE_PORT + 2, s.peer.port() >> 8);
                arena.store8(ctx + SockLayouts.SockOps.REMOTE_PORT + 3, s.peer.port());
            }
            arena.store32(ctx + SockLayouts.SockOps.IS_FULLSOCK, 1);
            arena.store32(ctx + SockLayouts.SockOps.SND_CWND, 10);
            arena.store32(ctx + SockLayouts.SockOps.CB_FLAGS, s.cbFlags);
            arena.store32(ctx + SockLayouts.SockOps.STATE, s.state);
            arena.store32(ctx + SockLayouts.SockOps.SEGS_IN, s.segsIn);
            arena.store32(ctx + SockLayouts.SockOps.SEGS_OUT, s.segsOut);
            arena.store64(ctx + SockLayouts.SockOps.BYTES_RECEIVED, s.bytesReceived);
            arena.store64(ctx + SockLayouts.SockOps.BYTES_ACKED, s.bytesAcked);
            arena.store64(ctx + SockLayouts.SockOps.SK, s.mirror);
            CgRunCtx rc = new CgRunCtx(0);
            HookRun hr = new HookRun(s, task, rc, ctx);
            hr.sockOp = op;
            int ret = run(CgroupHook.SOCK_OPS, s, task, ctx, rc, hr);
            return ret == 0 ? (int) arena.load32(ctx + SockLayouts.SockOps.REPLY) : -1;
        } finally {
            arena.free(ctx, SockLayouts.SockOps.SIZE);
        }
    }

    /** Runs {@code hook} for {@code s}'s cgroup with {@code hr} published for the helpers. */
    int run(CgroupHook hook, Socket s, Task task, long ctx, CgRunCtx rc, HookRun hr) {
        HookRun run = hr != null ? hr : new HookRun(s, task, rc, ctx);
        HookRun outer = net.enter(run);
        try {
            if (task == null) {
                return net.runner().run(s.cgroup, hook, ctx, rc);
            }
            return net.runtime().progs().asCurrent(task, () -> net.runner().run(s.cgroup, hook, ctx, rc));
        } finally {
            net.leave(run, outer);
        }
    }

    void putAddr(long ip4, long ip6, SockAddr a) {
        if (a.family() == SockAddr.AF_INET) {
            arena.copyIn(ip4, a.addr());
        } else {
            arena.copyIn(ip6, a.addr());
        }
    }

    byte[] getAddr(long ip4, long ip6, int family) {
        return family == SockAddr.AF_INET ? arena.copyOut(ip4, 4) : arena.copyOut(ip6, 16);
    }
}
