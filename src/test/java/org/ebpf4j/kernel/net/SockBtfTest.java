package org.ebpf4j.kernel.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.EnumSet;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.Cgroups;
import org.ebpf4j.api.CgroupHandle;
import org.ebpf4j.api.MapHandle;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.storage.OwnerTable;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.AttachType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One {@code struct sock} per socket, as the model kernel's BTF lays it out
 * (src/main/btf/model-kernel.c; include/net/sock.h): src/test/bpf/sock_btf.bpf.c reads it with
 * CO-RE from fentry on {@code bpf_sk_storage_free} (__sk_destruct), from the LSM socket hooks
 * ({@code struct socket *sock}, {@code sock->sk}; include/linux/lsm_hook_defs.h) and, through
 * {@code bpf_sk_fullsock(skb->sk)}, sees the same SK_STORAGE element from a cgroup_skb program
 * (spec-local-storage §1.4/§1.5: one {@code sk->sk_bpf_storage} whichever pointer a program holds).
 * Every recorded field is compared with what the {@link Socket} is.
 */
class SockBtfTest {
    static final int SOL_SOCKET = 1, SO_PRIORITY = 12, SO_RCVBUF = 8, SO_MARK = 36;
    static final int SS_UNCONNECTED = 1, SS_CONNECTED = 3;

    final Runtime rt = Runtime.builder().arenaSize(32L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task loader = rt.spawn("loader", 0, 0);
    final Task app = rt.spawn("app", 1000, 1000, EnumSet.of(Cap.NET_ADMIN));
    final Net net = rt.net();

    @AfterEach
    void close() { rt.close(); }

    /** {@code struct seen} of sock_btf.bpf.c. */
    record Seen(long count, long cookie, long cgroupId, long skSocketIsSock, long skSocketNull, int daddr, int rcvSaddr,
            int dport, int num, int family, int state, int mark, int priority, int type, int protocol, int rcvbuf,
            int sndbuf, int uid, int sockState, int sockType, byte[] v6Daddr, byte[] v6RcvSaddr) {
        static Seen of(byte[] v, int off) {
            ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
            int i = off + 40;
            byte[] d6 = new byte[16], s6 = new byte[16];
            System.arraycopy(v, off + 100, d6, 0, 16);
            System.arraycopy(v, off + 116, s6, 0, 16);
            return new Seen(b.getLong(off), b.getLong(off + 8), b.getLong(off + 16), b.getLong(off + 24), b.getLong(off + 32),
                    b.getInt(i), b.getInt(i + 4), b.getInt(i + 8), b.getInt(i + 12), b.getInt(i + 16), b.getInt(i + 20),
                    b.getInt(i + 24), b.getInt(i + 28), b.getInt(i + 32), b.getInt(i + 36), b.getInt(i + 40), b.getInt(i + 44),
                    b.getInt(i + 48), b.getInt(i + 52), b.getInt(i + 56), d6, s6);
        }
    }

    /** {@code sizeof(struct seen)}. */
    static final int SEEN_SIZE = 136;

    /** The global {@code name} (post_create, bound, connected, in that order in .bss). */
    static Seen global(BpfObject o, int index) {
        byte[] bss = o.map("sock_btf.bss").lookup(Sockopts.intBytes(0));
        return Seen.of(bss, index * SEEN_SIZE);
    }

    /** What fentry/bpf_sk_storage_free recorded for the socket with this local and peer port. */
    static Seen freed(BpfObject o, int num, int dport) {
        byte[] v = o.map("freed").lookup(Sockopts.intBytes(num << 16 | dport));
        assertNotNull(v, "bpf_sk_storage_free saw no socket " + num + " -> " + dport);
        return Seen.of(v, 0);
    }

    /** IPv4 address bytes as a little-endian u32 load of {@code __be32} sees them. */
    static int be32(SockAddr a) {
        return a == null ? 0 : ByteBuffer.wrap(a.addr()).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    /** A port as {@code __be16} in memory, loaded as a little-endian u16. */
    static int be16(int port) { return Short.reverseBytes((short) port) & 0xffff; }

    static byte[] addr16(SockAddr a) { return a == null ? new byte[16] : a.addr(); }

    /** Every struct sock field the program read, against the socket itself. */
    static void assertIsSocket(Socket s, Seen seen, String where) {
        assertEquals(s.family(), seen.family(), where + ": skc_family");
        assertEquals(s.type(), seen.type(), where + ": sk_type");
        assertEquals(s.protocol(), seen.protocol(), where + ": sk_protocol");
        assertEquals(s.state(), seen.state(), where + ": skc_state");
        assertEquals(s.local() == null ? 0 : s.local().port(), seen.num(), where + ": skc_num");
        assertEquals(s.peer() == null ? 0 : be16(s.peer().port()), seen.dport(), where + ": skc_dport");
        if (s.family() == SockAddr.AF_INET) {
            assertEquals(be32(s.local()), seen.rcvSaddr(), where + ": skc_rcv_saddr");
            assertEquals(be32(s.peer()), seen.daddr(), where + ": skc_daddr");
        } else {
            assertArrayEquals(addr16(s.local()), seen.v6RcvSaddr(), where + ": skc_v6_rcv_saddr");
            assertArrayEquals(addr16(s.peer()), seen.v6Daddr(), where + ": skc_v6_daddr");
            // __inet6_bind / tcp_v6_connect: an IPv6 local address reads as LOOPBACK4_IPV6 in inet_rcv_saddr
            assertEquals(s.local() != null && !s.local().isWildcard() ? SockMirror.LOOPBACK4_IPV6 : 0, seen.rcvSaddr(),
                    where + ": skc_rcv_saddr of an AF_INET6 socket");
        }
        assertEquals(s.mark(), seen.mark(), where + ": sk_mark");
        assertEquals(s.priority(), seen.priority(), where + ": sk_priority");
        assertEquals(s.uid(), seen.uid(), where + ": sk_uid");
        assertEquals(s.cgroup().id(), seen.cgroupId(), where + ": sk_cgrp_data.cgroup->kn->id");
    }

    BpfObject load() {
        return BpfObject.load(ObjectReader.read(Path.of("src/test/bpf/sock_btf.bpf.o")), rt, loader, bpf);
    }

    /**
     * TCP over IPv4: the listener, client and accepted child as LSM hooks and
     * bpf_sk_storage_free see them; options, addresses, ports, states, cookies, the cgroup; and
     * one storage element per socket, created from {@code bpf_sock} (cgroup/setsockopt's
     * {@code ctx->sk}), found from {@code struct sock} (LSM) and again from {@code bpf_sock} (egress).
     */
    @Test
    void structSockOfTcpSocketsFromLsmAndFentry() {
        Cgroups cgroups = new Cgroups(loader);
        cgroups.mkdir("/app");
        cgroups.move(app, "/app");
        try (BpfObject o = load(); CgroupHandle cg = cgroups.open("/app")) {
            for (String p : new String[] {"on_free", "on_post_create", "on_bind", "on_connect"}) {
                o.program(p).attach();
            }
            o.program("create_storage").attachCgroup(cg, AttachType.CGROUP_SETSOCKOPT);
            o.program("count_egress").attachCgroup(cg, AttachType.CGROUP_INET_EGRESS);

            int l = net.socket(app, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
            Socket ls = net.sock(app, l);
            Seen created = global(o, 0);
            assertEquals(1, created.count());
            assertIsSocket(ls, created, "socket_post_create");
            assertEquals(TcpState.CLOSE, created.state());
            assertEquals(0, created.cookie(), "no cookie before sock_gen_cookie");
            assertEquals(1, created.skSocketIsSock(), "sock->sk->sk_socket == sock");
            assertEquals(Socket.SOCK_STREAM, created.sockType(), "sock->type");
            assertEquals(SS_UNCONNECTED, created.sockState(), "sock->state");
            assertEquals(Sockopts.DEFAULT_RCVBUF, created.rcvbuf(), "sk_rcvbuf");
            assertEquals(Sockopts.DEFAULT_SNDBUF, created.sndbuf(), "sk_sndbuf");

            net.setsockopt(app, l, SOL_SOCKET, SO_MARK, Sockopts.intBytes(42));
            net.setsockopt(app, l, SOL_SOCKET, SO_PRIORITY, Sockopts.intBytes(5));
            net.setsockopt(app, l, SOL_SOCKET, SO_RCVBUF, Sockopts.intBytes(4096));
            long lcookie = ls.cookie();
            net.bind(app, l, SockAddr.parse("127.0.0.1:7000"));
            Seen bound = global(o, 1);
            assertEquals(42, bound.mark());
            assertEquals(5, bound.priority());
            assertEquals(8192, bound.rcvbuf(), "SO_RCVBUF doubled");
            assertEquals(lcookie, bound.cookie(), "sk_cookie once generated");
            assertEquals(0, bound.num(), "security_socket_bind runs before the protocol's bind");
            net.listen(app, l, 4);

            int c = net.socket(app, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
            Socket cs = net.sock(app, c);
            net.setsockopt(app, c, SOL_SOCKET, SO_PRIORITY, Sockopts.intBytes(1));
            net.bind(app, c, SockAddr.parse("127.0.0.1:7001"));
            net.connect(app, c, SockAddr.parse("127.0.0.1:7000"));
            Seen connecting = global(o, 2);
            assertEquals(7001, connecting.num(), "bound before connect: skc_num");
            assertEquals(be32(SockAddr.parse("127.0.0.1:7001")), connecting.rcvSaddr());
            assertEquals(0, connecting.dport(), "security_socket_connect runs before the protocol's connect");
            assertEquals(TcpState.CLOSE, connecting.state());
            int a = net.accept(app, l);
            Socket child = net.sock(app, a);
            net.sendto(app, c, new byte[] {1, 2, 3}, null);
            long ccookie = cs.cookie();
            long childCookie = child.cookie();

            // one element per socket, whichever pointer found it (the map's fds are the loader's)
            int cInLoader = net.pidfdGetfd(app, c, loader), lInLoader = net.pidfdGetfd(app, l, loader);
            ByteBuffer v = ByteBuffer.wrap(o.map("sk_map").lookup(Sockopts.intBytes(cInLoader))).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(1, v.getLong(0), "created from ctx->sk, a bpf_sock (cgroup/setsockopt)");
            assertEquals(2, v.getLong(8), "found from sock->sk, a struct sock, by bind and connect");
            assertTrue(v.getLong(16) >= 2, "found from bpf_sk_fullsock(skb->sk) on egress (SYN, ACK, data): " + v.getLong(16));
            ByteBuffer lv = ByteBuffer.wrap(o.map("sk_map").lookup(Sockopts.intBytes(lInLoader))).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(3, lv.getLong(0), "the listener's own element: three setsockopt calls");
            assertEquals(1, lv.getLong(8), "and bind");
            assertEquals(lcookie, lv.getLong(24));
            net.close(loader, cInLoader);
            net.close(loader, lInLoader);

            // __sk_destruct → bpf_sk_storage_free(sk): the struct sock as it is at the end
            net.close(app, a);
            net.close(app, c);
            net.close(app, l);
            rt.barrier();
            Seen fc = freed(o, 7001, 7000);
            assertIsSocket(cs, fc, "bpf_sk_storage_free(client)");
            assertEquals(ccookie, fc.cookie(), "skc_cookie");
            assertEquals(1, fc.skSocketNull(), "sock_orphan at release: sk_socket NULL");
            Seen fchild = freed(o, 7000, 7001);
            assertIsSocket(child, fchild, "bpf_sk_storage_free(accepted child)");
            assertEquals(childCookie, fchild.cookie());
            assertEquals(42, fchild.mark(), "sk_clone_lock copies sk_mark");
            assertEquals(8192, fchild.rcvbuf(), "and sk_rcvbuf");
            Seen fl = freed(o, 7000, 0);
            assertIsSocket(ls, fl, "bpf_sk_storage_free(listener)");
            assertEquals(lcookie, fl.cookie());
        }
    }

    /** UDP over IPv6: the v6 address fields, a connected datagram socket's struct sock. */
    @Test
    void structSockOfUdp6Socket() {
        try (BpfObject o = load()) {
            o.program("on_free").attach();
            o.program("on_connect").attach();
            int u = net.socket(app, SockAddr.AF_INET6, Socket.SOCK_DGRAM, 0);
            Socket us = net.sock(app, u);
            net.bind(app, u, SockAddr.parse("[::1]:7100"));
            net.connect(app, u, SockAddr.parse("[::1]:7200"));
            Seen connecting = global(o, 2);
            assertEquals(SockAddr.AF_INET6, connecting.family());
            assertEquals(7100, connecting.num());
            assertArrayEquals(SockAddr.parse("[::1]:7100").addr(), connecting.v6RcvSaddr());
            assertEquals(be32(SockAddr.parse("127.0.0.6:0")), connecting.rcvSaddr(), "LOOPBACK4_IPV6 once bound (__inet6_bind)");
            assertEquals(0, connecting.daddr(), "no IPv4 peer on a connecting AF_INET6 socket");
            assertEquals(SS_UNCONNECTED, connecting.sockState());
            assertEquals(Socket.SOCK_DGRAM, connecting.type());
            assertEquals(Socket.IPPROTO_UDP, connecting.protocol());
            // connected: the struct sock now says so (read back from the arena as the program would)
            SockLayout sl = net.sockLayout();
            assertEquals(TcpState.ESTABLISHED, rt.arena().load8(us.sk() + sl.state));
            assertEquals(be16(7200), rt.arena().load16(us.sk() + sl.dport));
            long cookie = us.cookie();
            net.close(app, u);
            rt.barrier();
            Seen f = freed(o, 7100, 7200);
            assertIsSocket(us, f, "bpf_sk_storage_free(udp6)");
            assertEquals(cookie, f.cookie());
            assertEquals(app.uid(), f.uid());
        }
    }

    /**
     * The two views of one socket share its owner block: {@code bpf_sock + 80} and
     * {@code struct sock - 16} are the same block, both addresses resolve to the socket, and a
     * destroyed socket's struct sock resolves to nothing.
     */
    @Test
    void bothPointersLeadToOneOwnerBlock() {
        int fd = net.socket(app, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        Socket s = net.sock(app, fd);
        OwnerTable owners = OwnerTable.of(rt.mapRegistry());
        assertEquals(s.mirror() + SockLayouts.Sock.OWNER_BLOCK, s.sk() + SockLayout.SK_TO_OWNER_BLOCK);
        assertEquals(s, owners.ownerAt(s.sk() + SockLayout.SK_TO_OWNER_BLOCK));
        assertEquals(0, owners.probe(s.sk() + SockLayout.SK_TO_OWNER_BLOCK), "an owner block without storage");
        assertEquals(OwnerTable.NOT_A_BLOCK, owners.probe(s.sk() + SockLayouts.Sock.OWNER_BLOCK),
                "the bpf_sock probe on a struct sock pointer finds no block (sk + 84 is sk_type/protocol or padding)");
        assertEquals(s, net.socketAt(s.sk()));
        assertEquals(s, net.socketAt(s.mirror()));
        assertEquals(s.sk(), rt.arena().load64(s.sock() + net.sockLayout().socketSk), "sock->sk");
        assertEquals(s.sock(), rt.arena().load64(s.sk() + net.sockLayout().socket), "sk->sk_socket");
        assertEquals(rt.mirrors().cgroup(s.cgroup()).address(), rt.arena().load64(s.sk() + net.sockLayout().cgroupOffset()));
        net.close(app, fd);
        assertEquals(null, net.socketAt(s.sk()) == null ? null : net.socketAt(s.sk()).alive() ? s : null,
                "destroyed: no live socket behind its struct sock");
        assertEquals(null, owners.ownerAt(s.sk() + SockLayout.SK_TO_OWNER_BLOCK));
    }

    /**
     * The {@code bpf_sk_storage_map} iterator (spec-local-storage §4.5, LS-SK4) hands its program
     * {@code ctx->sk}, the socket's {@code struct sock}: the fields printed are the socket's, and
     * {@code bpf_sk_storage_get(map, ctx->sk)} is the element the iterator is at.
     */
    @Test
    void skStorageIteratorCtxSkIsTheStructSock() {
        try (BpfObject o = load()) {
            java.util.Map<Integer, Socket> byPort = new java.util.HashMap<>();
            int[] fds = new int[3];
            for (int i = 0; i < 3; i++) {
                fds[i] = net.socket(loader, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
                Socket s = net.sock(loader, fds[i]);
                net.bind(loader, fds[i], SockAddr.parse("127.0.0.1:" + (7300 + i)));
                net.setsockopt(loader, fds[i], SOL_SOCKET, SO_MARK, Sockopts.intBytes(100 + i));
                o.map("sk_map").update(Sockopts.intBytes(fds[i]), new byte[32]);
                byPort.put(7300 + i, s);
            }
            net.connect(loader, fds[1], SockAddr.parse("127.0.0.1:7400"));
            net.sock(loader, fds[2]).cookie();   // one socket has its cookie
            org.ebpf4j.api.Link link = o.program("dump_socks").attachIter(org.ebpf4j.kernel.link.Attrs.IterInfo.map(o.map("sk_map").fd()));
            String out = new String(link.readIterator(4096), java.nio.charset.StandardCharsets.US_ASCII);
            link.close();
            String[] lines = out.split("\n");
            assertEquals(3, lines.length, out);
            for (String line : lines) {
                String[] f = line.split(" ");
                Socket s = byPort.get(Integer.parseInt(f[1]));
                assertNotNull(s, line);
                assertEquals(s.family(), Integer.parseInt(f[0]), line + ": skc_family");
                assertEquals(s.peer() == null ? 0 : s.peer().port(), Integer.parseInt(f[2]), line + ": skc_dport");
                assertEquals(s.state(), Integer.parseInt(f[3]), line + ": skc_state");
                assertEquals(s.mark(), Integer.parseInt(f[4]), line + ": sk_mark");
                assertEquals(s.cookie == 0 ? 0 : s.cookie(), Long.parseLong(f[5]), line + ": skc_cookie");
                assertEquals("7f000001", f[6], line + ": skc_rcv_saddr");
                assertEquals("1", f[7], line + ": bpf_sk_storage_get(ctx->sk) is ctx->value");
            }
            assertEquals(TcpState.ESTABLISHED, byPort.get(7301).state(), "the connected one says so");
        }
    }

    /** tcp_v6_connect vs tcp_v6_syn_recv_sock: only the accepted child has LOOPBACK4_IPV6 as its inet_daddr. */
    @Test
    void tcp6ChildHasLoopback4Ipv6Daddr() {
        int l = net.socket(app, SockAddr.AF_INET6, Socket.SOCK_STREAM, 0);
        net.bind(app, l, SockAddr.parse("[::1]:7500"));
        net.listen(app, l, 4);
        int c = net.socket(app, SockAddr.AF_INET6, Socket.SOCK_STREAM, 0);
        net.connect(app, c, SockAddr.parse("[::1]:7500"));
        Socket child = net.sock(app, net.accept(app, l));
        Socket client = net.sock(app, c);
        SockLayout sl = net.sockLayout();
        assertEquals(SockMirror.LOOPBACK4_IPV6, (int) rt.arena().load32(child.sk() + sl.daddr));
        assertEquals(SockMirror.LOOPBACK4_IPV6, (int) rt.arena().load32(child.sk() + sl.rcvSaddr));
        assertEquals(0, (int) rt.arena().load32(client.sk() + sl.daddr));
        assertEquals(SockMirror.LOOPBACK4_IPV6, (int) rt.arena().load32(client.sk() + sl.rcvSaddr));
        assertEquals(SS_CONNECTED, (int) rt.arena().load32(child.sock() + sl.socketState), "inet_accept: SS_CONNECTED");
        assertEquals(SS_CONNECTED, (int) rt.arena().load32(client.sock() + sl.socketState), "inet_stream_connect: SS_CONNECTED");
        assertEquals(child.sock(), rt.arena().load64(child.sk() + sl.socket), "sock_graft on accept");
    }
}
