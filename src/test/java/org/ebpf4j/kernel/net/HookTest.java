package org.ebpf4j.kernel.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hooks fired by socket operations, with real (interpreted) programs reading and rewriting the
 * UAPI contexts; spec §5.2/§5.3. Programs append to a log in the arena so order is observable.
 */
class HookTest {
    private final NetFixture f = new NetFixture();
    private final Net net = f.net;
    private final Cgroup parent = f.tree.mkdirs("/p");
    private final Cgroup child = f.tree.mkdirs("/p/c");
    private final Task t = f.spawnIn(child, "app");
    /** The log: the value of a one-slot ARRAY map, addressed as BPF_PSEUDO_MAP_VALUE (a pointer Linux's verifier accepts). */
    private final int logFd = f.bpf.mapCreate(f.loader, org.ebpf4j.syscall.MapCreateAttr.of(
            org.ebpf4j.uapi.MapType.ARRAY, 4, 4096, 1, 0));
    private final long log = ((org.ebpf4j.kernel.File.MapFile) f.loader.fds().get(logFd)).map().map().directValueAddress();

    @AfterEach
    void close() { f.close(); }

    /** A program appending {@code value} (a register expression's result in r5) to the log, then returning {@code ret}. */
    private String logging(String computeR5, int ret) {
        return "mov %r6, %r1\n" + computeR5 + "\n"
                + "lddw %r2, map_value " + logFd + " 0\n"
                + "ldxw %r3, [%r2+0]\n"
                + "and %r3, 0xff\n"   // bounded index: the verifier must see the store inside the value
                + "mov %r4, %r3\n"
                + "lsh %r4, 3\n"
                + "add %r4, %r2\n"
                + "stxdw [%r4+8], %r5\n"
                + "add %r3, 1\n"
                + "stxw [%r2+0], %r3\n"
                + "mov %r0, " + ret + "\n"
                + "exit";
    }

    private List<Long> log() {
        List<Long> out = new ArrayList<>();
        long n = f.rt.arena().load32(log);
        for (int i = 0; i < n; i++) {
            out.add(f.rt.arena().load64(log + 8 + 8L * i));
        }
        return out;
    }

    @Test
    void egressRunsChildThenParentAndDropFailsSendWithEperm() {
        f.attach(parent, AttachType.CGROUP_INET_EGRESS, logging("mov %r5, 2", 1));
        f.attach(child, AttachType.CGROUP_INET_EGRESS, logging("mov %r5, 1", 1));
        int s = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.sendto(t, s, new byte[5], SockAddr.parse("127.0.0.1:9"));
        assertEquals(List.of(1L, 2L), log());
        NetFixture.Loaded drop = f.attach(parent, AttachType.CGROUP_INET_EGRESS, "mov %r0, 0\nexit");
        BpfException e = assertThrows(BpfException.class, () -> net.sendto(t, s, new byte[5], SockAddr.parse("127.0.0.1:9")));
        assertEquals(Errno.EPERM, e.errno());   // as observed on Linux: a cgroup_skb egress drop fails sendmsg with EPERM
        assertEquals(1, drop.runs());
        assertEquals(List.of(1L, 2L, 1L, 2L), log());   // every program runs, no short circuit (§5.1)
    }

    @Test
    void egressContextHasLenFamilyPortsAndSocket() {
        // r5 = skb->len; then skb->local_port (host order); then bpf_sk_fullsock(skb->sk) != 0
        f.attach(child, AttachType.CGROUP_INET_EGRESS, logging("ldxw %r5, [%r1+0]", 1));
        f.attach(child, AttachType.CGROUP_INET_EGRESS, logging("ldxw %r5, [%r1+136]", 1));
        f.attach(child, AttachType.CGROUP_INET_EGRESS, logging("ldxw %r5, [%r1+132]\nbe32 %r5", 1));
        f.attach(child, AttachType.CGROUP_INET_EGRESS, logging("ldxdw %r1, [%r1+168]\nmov %r5, 0\njeq %r1, 0, +4\n"   // skb->sk may be NULL: Linux demands the check
                + "call 95\nmov %r5, %r0\njeq %r5, 0, +1\nmov %r5, 1", 1));
        f.attach(child, AttachType.CGROUP_INET_EGRESS, logging("call 46\nmov %r5, %r0", 1));
        int s = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.bind(t, s, SockAddr.parse("127.0.0.1:4444"));
        net.sendto(t, s, new byte[5], SockAddr.parse("127.0.0.1:9"));
        assertEquals(List.of(20L + 8 + 5, 4444L, 9L, 1L, 1L), log());
    }

    @Test
    void ingressDropDiscardsTheDatagram() {
        f.attach(child, AttachType.CGROUP_INET_INGRESS, "mov %r0, 0\nexit");
        int srv = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.bind(t, srv, SockAddr.parse("127.0.0.1:7000"));
        int cli = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        assertEquals(3, net.sendto(t, cli, new byte[3], SockAddr.parse("127.0.0.1:7000")));
        assertEquals(Errno.EAGAIN, assertThrows(BpfException.class, () -> net.recvfrom(t, srv, 10)).errno());
    }

    @Test
    void sockCreateDeniesAndCookiesCountFromOne() {
        f.attach(child, AttachType.CGROUP_INET_SOCK_CREATE, logging("call 46\nmov %r5, %r0", 1));
        net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.socket(t, SockAddr.AF_INET6, Socket.SOCK_STREAM, 0);
        assertEquals(List.of(1L, 2L), log());
        f.attach(parent, AttachType.CGROUP_INET_SOCK_CREATE, "mov %r0, 0\nexit");
        int before = t.fds().openCount();
        assertEquals(Errno.EPERM, assertThrows(BpfException.class, () -> net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0)).errno());
        assertEquals(before, t.fds().openCount());
    }

    @Test
    void sockCreateWritesMarkThatSticks() {
        f.attach(child, AttachType.CGROUP_INET_SOCK_CREATE, "stw [%r1+16], 77\nmov %r0, 1\nexit");
        int s = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        assertEquals(77, Sockopts.intOf(net.getsockopt(t, s, Sockopts.SOL_SOCKET, Sockopts.SO_MARK, 4)));
    }

    @Test
    void connectForcePortRewritesTheDestination() {
        // connect4 program: user_port = htons(4000) (0x0fa0 → bytes 0f a0 → u32 0xa00f)
        f.attach(child, AttachType.CGROUP_INET4_CONNECT, "stw [%r1+24], 0xa00f\nmov %r0, 1\nexit");
        int l = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        net.bind(t, l, SockAddr.parse("127.0.0.1:4000"));
        net.listen(t, l, 4);
        int c = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        net.connect(t, c, SockAddr.parse("127.0.0.1:60123"));
        assertEquals(4000, net.getpeername(t, c).port());
        net.accept(t, l);
        f.attach(child, AttachType.CGROUP_INET4_CONNECT, "mov %r0, 0\nexit");
        int d = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        assertEquals(Errno.EPERM, assertThrows(BpfException.class, () -> net.connect(t, d, SockAddr.parse("127.0.0.1:4000"))).errno());
    }

    @Test
    void bindBit1WaivesNetBindServiceAndPostBindUndoes() {
        Task user = f.rt.spawn("user", 1000, 1000);
        user.setCgroupId(child.id());
        f.attach(child, AttachType.CGROUP_INET4_BIND, "mov %r0, 3\nexit");
        int s = net.socket(user, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.bind(user, s, SockAddr.parse("127.0.0.1:111"));   // selftest bind_perm: return 3 → no EACCES
        f.attach(child, AttachType.CGROUP_INET4_POST_BIND, "mov %r0, 0\nexit");
        int s2 = net.socket(user, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        assertEquals(Errno.EPERM, assertThrows(BpfException.class, () -> net.bind(user, s2, SockAddr.parse("127.0.0.1:2222"))).errno());
        int s3 = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.sock(t, s3);   // port 2222 was released by the undo: nothing holds it
        assertEquals(null, net.sock(user, s2).local());
    }

    @Test
    void recvmsgAndGetpeernameRewriteAddresses() {
        // user_ip4 = 10.0.0.1 (bytes 0a 00 00 01 → u32 0x0100000a), user_port = htons(53)
        String rewrite = "stw [%r1+4], 0x0100000a\nstw [%r1+24], 0x3500\nmov %r0, 1\nexit";
        f.attach(child, AttachType.CGROUP_UDP4_RECVMSG, rewrite);
        f.attach(child, AttachType.CGROUP_INET4_GETPEERNAME, rewrite);
        int srv = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.bind(t, srv, SockAddr.parse("127.0.0.1:7001"));
        int cli = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.connect(t, cli, SockAddr.parse("127.0.0.1:7001"));
        net.sendto(t, cli, new byte[1], null);
        assertEquals(SockAddr.parse("10.0.0.1:53"), net.recvfrom(t, srv, 10).from());
        assertEquals(SockAddr.parse("10.0.0.1:53"), net.getpeername(t, cli));
    }

    @Test
    void setsockoptBypassRewriteAndDeny() {
        int s = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        // optlen = -1: the kernel handler is skipped, so SO_PRIORITY stays 0
        f.attach(child, AttachType.CGROUP_SETSOCKOPT, "stw [%r1+32], -1\nmov %r0, 1\nexit");
        net.setsockopt(t, s, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, Sockopts.intBytes(6));
        assertEquals(0, Sockopts.intOf(net.getsockopt(t, s, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, 4)));
        f.attach(parent, AttachType.CGROUP_SETSOCKOPT, "mov %r0, 0\nexit");
        assertEquals(Errno.EPERM, assertThrows(BpfException.class,
                () -> net.setsockopt(t, s, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, Sockopts.intBytes(6))).errno());
    }

    @Test
    void setsockoptProgramRewritesOptval() {
        int s = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        // *(u32 *)optval = 5 (optval_end checked, as the verifier demands)
        f.attach(child, AttachType.CGROUP_SETSOCKOPT,
                "ldxdw %r2, [%r1+8]\nldxdw %r3, [%r1+16]\nmov %r4, %r2\nadd %r4, 4\njgt %r4, %r3, +1\nstw [%r2+0], 5\nmov %r0, 1\nexit");
        net.setsockopt(t, s, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, Sockopts.intBytes(6));
        assertEquals(5, Sockopts.intOf(net.getsockopt(t, s, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, 4)));
    }

    @Test
    void getsockoptRetvalRules() {
        int s = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        // clears the kernel's ENOPROTOOPT by writing ctx->retval = 0 and optlen = 0
        f.attach(child, AttachType.CGROUP_GETSOCKOPT, "stw [%r1+36], 0\nstw [%r1+32], 0\nmov %r0, 1\nexit");
        assertEquals(0, net.getsockopt(t, s, Sockopts.SOL_SOCKET, 9999, 4).length);
        // bpf_set_retval(-EACCES) then return 0: the set error wins over EPERM (§5.1)
        f.attach(parent, AttachType.CGROUP_GETSOCKOPT, "mov %r1, -13\ncall 187\nmov %r0, 0\nexit");
        assertEquals(Errno.EACCES, assertThrows(BpfException.class,
                () -> net.getsockopt(t, s, Sockopts.SOL_SOCKET, Sockopts.SO_TYPE, 4)).errno());
    }

    @Test
    void sockOpsCallbacksOfAConnection() {
        // r5 = op; on TCP_CONNECT_CB also ask for STATE_CB via bpf_sock_ops_cb_flags_set
        f.attach(parent, AttachType.CGROUP_SOCK_OPS, logging(
                "ldxw %r5, [%r1+0]\njne %r5, 3, +4\nmov %r2, 4\ncall 59\nmov %r1, %r6\nldxw %r5, [%r1+0]", 1));
        int l = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        net.bind(t, l, SockAddr.parse("127.0.0.1:8000"));
        net.listen(t, l, 4);
        int c = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        net.connect(t, c, SockAddr.parse("127.0.0.1:8000"));
        // LISTEN_CB; client: CONNECT_CB, RWND_INIT, TIMEOUT_INIT, STATE_CB(→SYN_SENT), STATE_CB(→ESTABLISHED),
        // ACTIVE_ESTABLISHED_CB; server child: PASSIVE_ESTABLISHED_CB
        assertEquals(List.of(11L, 3L, 2L, 1L, 10L, 10L, 4L, 5L), log());
        assertEquals(SockOps.STATE_CB_FLAG, net.sock(t, c).cbFlags());
    }
}
