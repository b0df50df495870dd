package org.ebpf4j.kernel.net;

import org.ebpf4j.kernel.Task;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.PacketLoadHelper;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * The helpers of the socket hooks' contexts (net/core/filter.c, kernel/bpf/cgroup.c,
 * kernel/bpf/helpers.c). One table serves every program type, so each helper finds its socket
 * from its argument: a live hook context ({@code __sk_buff}, {@code bpf_sock_addr},
 * {@code bpf_sock_ops}, {@code bpf_sockopt}) or a {@code struct bpf_sock} mirror. Which program
 * type may call which helper is {@code ProgTypes}' business (the verifier's
 * {@code get_func_proto}); these implementations return codes and never throw.
 * bpf_get_retval/bpf_set_retval are {@link org.ebpf4j.kernel.helpers.CgroupRetvalHelpers}'.
 */
public final class NetHelpers {
    public static final int BPF_FUNC_skb_load_bytes = 26;
    public static final int BPF_FUNC_get_socket_cookie = 46;
    public static final int BPF_FUNC_get_socket_uid = 47;
    public static final int BPF_FUNC_setsockopt = 49;
    public static final int BPF_FUNC_getsockopt = 57;
    public static final int BPF_FUNC_sock_ops_cb_flags_set = 59;
    public static final int BPF_FUNC_bind = 64;
    public static final int BPF_FUNC_skb_cgroup_id = 79;
    public static final int BPF_FUNC_get_current_cgroup_id = 80;
    public static final int BPF_FUNC_sk_fullsock = 95;
    public static final int BPF_FUNC_tcp_sock = 96;
    public static final int BPF_FUNC_get_netns_cookie = 122;
    public static final int BPF_FUNC_sk_cgroup_id = 128;

    private static final int OVERFLOWUID = 65534;

    private final Net net;
    private final Arena arena;

    public NetHelpers(Net net) {
        this.net = net;
        this.arena = net.arena();
    }

    /** Registers every helper above into {@code table} (replacing same-numbered ones). */
    public void registerInto(HelperTable table) {
        // A PacketLoadHelper: the JIT may inline small constant-length loads (HookRun is the PacketSource).
        table.register(new HelperProto(BPF_FUNC_skb_load_bytes, "bpf_skb_load_bytes",
                (PacketLoadHelper) (s, a, b, c, d, e) -> skbLoadBytes(s, a, b, c, d)));
        table.register(new HelperProto(BPF_FUNC_get_socket_cookie, "bpf_get_socket_cookie", (s, a, b, c, d, e) -> {
            Socket sk = socketOf(a);
            return sk == null ? 0 : sk.cookie();
        }));
        table.register(new HelperProto(BPF_FUNC_get_socket_uid, "bpf_get_socket_uid", (s, a, b, c, d, e) -> {
            Socket sk = socketOf(a);
            if (sk != null && sk.skUid >= 0) {
                return sk.skUid;
            }
            Task t = sk == null ? null : net.runtime().task(sk.ownerPid);
            return t == null ? OVERFLOWUID : t.uid();
        }));
        table.register(new HelperProto(BPF_FUNC_sk_fullsock, "bpf_sk_fullsock", (s, a, b, c, d, e) -> {
            Socket sk = net.byMirror(a);
            return sk == null ? 0 : sk.mirror;   // PTR_TO_SOCKET: the bpf_sock view
        }));
        table.register(new HelperProto(BPF_FUNC_tcp_sock, "bpf_tcp_sock", (s, a, b, c, d, e) -> {
            Socket sk = net.byMirror(a);
            return sk == null || sk.tcpMirror == 0 ? 0 : sk.tcpMirror;
        }));
        table.register(new HelperProto(BPF_FUNC_sk_cgroup_id, "bpf_sk_cgroup_id", (s, a, b, c, d, e) -> {
            Socket sk = net.byMirror(a);
            return sk == null ? 0 : sk.cgroup.id();
        }));
        table.register(new HelperProto(BPF_FUNC_skb_cgroup_id, "bpf_skb_cgroup_id", (s, a, b, c, d, e) -> {
            HookRun r = net.context(a);
            return r == null ? 0 : r.sk.cgroup.id();
        }));
        table.register(new HelperProto(BPF_FUNC_get_current_cgroup_id, "bpf_get_current_cgroup_id", (s, a, b, c, d, e) -> {
            Task t = net.runtime().progs().current();   // the task the hook runs for, as the kernel's current
            return t == null ? net.cgroups().root().id() : net.cgroupOf(t).id();
        }));
        table.register(new HelperProto(BPF_FUNC_get_netns_cookie, "bpf_get_netns_cookie", (s, a, b, c, d, e) -> net.netnsCookie()));
        table.register(new HelperProto(BPF_FUNC_sock_ops_cb_flags_set, "bpf_sock_ops_cb_flags_set", (s, a, b, c, d, e) -> cbFlagsSet(a, b)));
        table.register(new HelperProto(BPF_FUNC_bind, "bpf_bind", (s, a, b, c, d, e) -> bind(a, b, c)));
        table.register(new HelperProto(BPF_FUNC_setsockopt, "bpf_setsockopt", (s, a, b, c, d, e) -> setsockopt(a, b, c, d, e)));
        table.register(new HelperProto(BPF_FUNC_getsockopt, "bpf_getsockopt", (s, a, b, c, d, e) -> getsockopt(a, b, c, d, e)));
    }

    /** The socket a context or a bpf_sock pointer stands for, or null. */
    Socket socketOf(long ptr) {
        HookRun r = net.context(ptr);
        if (r != null) {
            return r.sk;
        }
        return net.byMirror(ptr);
    }

    /** {@code bpf_skb_load_bytes(skb, offset, to, len)}: -EFAULT out of the packet, buffer zeroed then. */
    private long skbLoadBytes(RunState s, long skb, long off, long to, long len) {
        // The fast path, kept small so that C2 inlines the helper into a program's compiled code
        // (a bigger body was "already compiled into a big method" and stayed a call): the hook run
        // already found in this run, an in-packet read, a destination in the arena.
        if (s.ctxObject(skb) instanceof HookRun r && r.pkt != 0 && off >= 0 && len > 0
                && off + len <= r.pktLen && arena.contains(to, len)) {
            arena.copy(to, r.pkt + off, len);
            return 0;
        }
        return skbLoadBytesSlow(s, skb, off, to, len);
    }

    /** {@link #skbLoadBytes} the first time in a run, and every failing call. */
    private long skbLoadBytesSlow(RunState s, long skb, long off, long to, long len) {
        HookRun r = hookRun(s, skb);
        if (r == null || r.pkt == 0 || off < 0 || len <= 0 || off + len > r.pktLen || !arena.contains(to, len)) {
            if (len > 0 && arena.contains(to, len)) {
                arena.fill(to, len, (byte) 0);
            }
            return Errno.EFAULT.negative();
        }
        arena.copy(to, r.pkt + off, len);
        return 0;
    }

    /**
     * The hook run behind {@code ctx}, found once per program run ({@link RunState#ctxObject}): a
     * byte loop of bpf_skb_load_bytes (parser_1500: 178 calls a run) pays the thread-local lookup
     * once.
     */
    private HookRun hookRun(RunState s, long ctx) {
        if (s.ctxObject(ctx) instanceof HookRun r) {
            return r;
        }
        HookRun r = net.context(ctx);
        if (r != null) {
            s.rememberCtxObject(ctx, r);
        }
        return r;
    }

    /** {@code bpf_sock_ops_cb_flags_set}: sets the supported bits, returns the unsupported ones. */
    private long cbFlagsSet(long ctx, long flags) {
        HookRun r = net.context(ctx);
        if (r == null || r.sk.type != Socket.SOCK_STREAM) {
            return Errno.EINVAL.negative();
        }
        int v = (int) flags;
        r.sk.cbFlags = v & SockOps.ALL_CB_FLAGS;
        arena.store32(ctx + SockLayouts.SockOps.CB_FLAGS, r.sk.cbFlags);
        return v & ~SockOps.ALL_CB_FLAGS;
    }

    /** {@code bpf_bind(ctx, addr, addr_len)} from connect4/6: binds without rerunning bind hooks. */
    private long bind(long ctx, long addr, long len) {
        HookRun r = net.context(ctx);
        if (r == null || !r.bindAllowed) {
            return Errno.EINVAL.negative();
        }
        if (len < 16 || !arena.contains(addr, len)) {
            return Errno.EINVAL.negative();
        }
        int family = (int) arena.load16(addr);
        if (family != r.sk.family || family == SockAddr.AF_INET6 && len < 28) {
            return Errno.EAFNOSUPPORT.negative();
        }
        int port = (int) (arena.load8(addr + 2) << 8 | arena.load8(addr + 3));
        byte[] ip = family == SockAddr.AF_INET ? arena.copyOut(addr + 4, 4) : arena.copyOut(addr + 8, 16);
        SockAddr a = new SockAddr(family, ip, port);
        if (r.sk.local != null) {
            return Errno.EINVAL.negative();
        }
        if (!a.isWildcard() && !a.isLoopback()) {
            return Errno.EADDRNOTAVAIL.negative();
        }
        try {
            net.hash(r.sk, port == 0 ? a.withPort(net.ephemeral(r.sk, a)) : a);
            r.sk.userBound = true;
            return 0;
        } catch (BpfException e) {
            return e.errno().negative();
        }
    }

    /** {@code bpf_setsockopt(ctx or sk, ...)}: sock_ops/sock_addr pass their context, sockopt programs ctx->sk. */
    private long setsockopt(long ctx, long level, long optname, long optval, long optlen) {
        Socket sk = socketOf(ctx);
        if (sk == null || optlen < 0 || optlen > 4096 || !arena.contains(optval, Math.max(optlen, 1))) {
            return Errno.EINVAL.negative();
        }
        try {
            net.sockopts().kernelSet(sk, null, (int) level, (int) optname, arena.copyOut(optval, (int) optlen));
            return 0;
        } catch (BpfException e) {
            return e.errno().negative();
        }
    }

    private long getsockopt(long ctx, long level, long optname, long optval, long optlen) {
        Socket sk = socketOf(ctx);
        if (sk == null || optlen <= 0 || optlen > 4096 || !arena.contains(optval, optlen)) {
            return Errno.EINVAL.negative();
        }
        try {
            byte[] v = net.sockopts().kernelGet(sk, (int) level, (int) optname, (int) optlen);
            arena.fill(optval, optlen, (byte) 0);
            arena.copyIn(optval, v);
            return 0;
        } catch (BpfException e) {
            arena.fill(optval, optlen, (byte) 0);
            return e.errno().negative();
        }
    }
}
