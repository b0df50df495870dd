package org.ebpf4j.kernel.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sockets without programs: syscalls, errnos as Linux, loopback delivery, lifetimes. */
class NetTest {
    private final NetFixture f = new NetFixture();
    private final Net net = f.net;
    private final Task t = f.rt.spawn("app", 0, 0);

    @AfterEach
    void close() { f.close(); }

    private static void errno(Errno e, org.junit.jupiter.api.function.Executable ex) {
        assertEquals(e, assertThrows(BpfException.class, ex).errno());
    }

    @Test
    void udpRoundTripOverLoopback() {
        int srv = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        int cli = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.bind(t, srv, SockAddr.parse("127.0.0.1:5000"));
        assertEquals(5, net.sendto(t, cli, "hello".getBytes(StandardCharsets.UTF_8), SockAddr.parse("127.0.0.1:5000")));
        Socket.Datagram d = net.recvfrom(t, srv, 100);
        assertEquals("hello", new String(d.data(), StandardCharsets.UTF_8));
        assertEquals(net.getsockname(t, cli).withAddr(new byte[] {127, 0, 0, 1}), d.from());
        assertEquals(Net.EPHEMERAL_LOW, d.from().port());   // autobind took the first ephemeral port
        errno(Errno.EAGAIN, () -> net.recvfrom(t, srv, 100));
    }

    @Test
    void errnosAsLinux() {
        int a = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        int b = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        net.bind(t, a, SockAddr.parse("0.0.0.0:6000"));
        errno(Errno.EADDRINUSE, () -> net.bind(t, b, SockAddr.parse("127.0.0.1:6000")));
        errno(Errno.EINVAL, () -> net.bind(t, a, SockAddr.parse("127.0.0.1:6001")));
        errno(Errno.EADDRNOTAVAIL, () -> net.bind(t, b, SockAddr.parse("10.1.2.3:6002")));
        errno(Errno.EAFNOSUPPORT, () -> net.bind(t, b, SockAddr.parse("[::1]:6003")));
        errno(Errno.EDESTADDRREQ, () -> net.sendto(t, b, new byte[1], null));
        errno(Errno.ENOTCONN, () -> net.getpeername(t, b));
        errno(Errno.EAFNOSUPPORT, () -> net.socket(t, 1, Socket.SOCK_DGRAM, 0));
        errno(Errno.EPROTONOSUPPORT, () -> net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, Socket.IPPROTO_TCP));
        errno(Errno.ENOTSOCK, () -> net.bind(t, 1, SockAddr.parse("127.0.0.1:1")));
        errno(Errno.EBADF, () -> net.bind(t, 99, SockAddr.parse("127.0.0.1:1")));
        errno(Errno.EOPNOTSUPP, () -> net.listen(t, a, 1));
        Task user = f.rt.spawn("user", 1000, 1000);
        int c = net.socket(user, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        errno(Errno.EACCES, () -> net.bind(user, c, SockAddr.parse("127.0.0.1:80")));
        errno(Errno.EPERM, () -> net.setsockopt(user, c, Sockopts.SOL_SOCKET, Sockopts.SO_MARK, Sockopts.intBytes(1)));
        errno(Errno.ENOPROTOOPT, () -> net.setsockopt(t, a, Sockopts.SOL_TCP, Sockopts.TCP_NODELAY, Sockopts.intBytes(1)));
    }

    /**
     * sk_clone_lock → bpf_sk_storage_clone: an accepted socket starts with copies of its
     * listener's BPF_F_CLONE storages only, and the copies are its own (selftest sockopt_inherit;
     * ebpf4j once never called the clone, so accepted sockets started empty).
     */
    @Test
    void acceptedSocketCopiesTheListenersCloneStorages() {
        // the maps of src/test/bpf/sockopt_inherit.bpf.o (SK_STORAGE needs BTF), held by the loader
        org.ebpf4j.api.BpfObject o = org.ebpf4j.api.BpfObject.load(
                org.ebpf4j.elf.ObjectReader.read(java.nio.file.Path.of("src/test/bpf/sockopt_inherit.bpf.o")), f.rt, f.loader, f.bpf);
        int cloned = o.map("cloned1").fd();
        int plain = o.map("listener_only").fd();
        Task t = f.loader;
        int l = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        f.bpf.mapUpdateElem(t, cloned, Sockopts.intBytes(l), Sockopts.intBytes(7), 0);
        f.bpf.mapUpdateElem(t, plain, Sockopts.intBytes(l), Sockopts.intBytes(8), 0);
        net.bind(t, l, SockAddr.parse("127.0.0.1:8081"));
        net.listen(t, l, 4);
        int c = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        net.connect(t, c, SockAddr.parse("127.0.0.1:8081"));
        int s = net.accept(t, l);
        assertArrayEquals(Sockopts.intBytes(7), f.bpf.mapLookupElem(t, cloned, Sockopts.intBytes(s)));
        errno(Errno.ENOENT, () -> f.bpf.mapLookupElem(t, plain, Sockopts.intBytes(s)));
        errno(Errno.ENOENT, () -> f.bpf.mapLookupElem(t, cloned, Sockopts.intBytes(c)));   // the client is no clone
        f.bpf.mapUpdateElem(t, cloned, Sockopts.intBytes(l), Sockopts.intBytes(9), 0);
        assertArrayEquals(Sockopts.intBytes(7), f.bpf.mapLookupElem(t, cloned, Sockopts.intBytes(s)), "a copy, not shared");
        assertTrue(net.sock(t, s).omemAlloc() > 0, "charged to the accepted socket");
    }

    @Test
    void tcpHandshakeAcceptAndData() {
        int l = net.socket(t, SockAddr.AF_INET6, Socket.SOCK_STREAM, 0);
        net.bind(t, l, SockAddr.parse("[::1]:8080"));
        net.listen(t, l, 16);
        int c = net.socket(t, SockAddr.AF_INET6, Socket.SOCK_STREAM, 0);
        errno(Errno.ENOTCONN, () -> net.sendto(t, c, new byte[1], null));
        errno(Errno.EAGAIN, () -> net.accept(t, l));
        net.connect(t, c, SockAddr.parse("[::1]:8080"));
        errno(Errno.EISCONN, () -> net.connect(t, c, SockAddr.parse("[::1]:8080")));
        int s = net.accept(t, l);
        assertEquals(net.getsockname(t, c), net.getpeername(t, s));
        assertEquals(SockAddr.parse("[::1]:8080"), net.getsockname(t, s));
        net.sendto(t, c, "abcdef".getBytes(StandardCharsets.UTF_8), null);
        assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), net.recvfrom(t, s, 3).data());
        assertArrayEquals("def".getBytes(StandardCharsets.UTF_8), net.recvfrom(t, s, 10).data());
        net.close(t, c);
        assertEquals(TcpState.CLOSE_WAIT, net.sock(t, s).state());
        assertEquals(0, net.recvfrom(t, s, 10).data().length);   // end of stream
        int d = net.socket(t, SockAddr.AF_INET6, Socket.SOCK_STREAM, 0);
        errno(Errno.ECONNREFUSED, () -> net.connect(t, d, SockAddr.parse("[::1]:8081")));
    }

    /**
     * The socket's local-storage owner block right after its {@code bpf_sock} mirror (the model's
     * {@code sk->sk_bpf_storage}, spec-local-storage §1.4/§1.5): its storage word follows the
     * socket's storage (I2) for listeners and accepted children, so {@code bpf_sk_storage_get}
     * needs no lookup from the address to the socket; after the socket is destroyed the block
     * no longer resolves.
     */
    @Test
    void socketOwnerBlockFollowsItsMirrorAndItsStorage() {
        org.ebpf4j.api.BpfObject o = org.ebpf4j.api.BpfObject.load(
                org.ebpf4j.elf.ObjectReader.read(java.nio.file.Path.of("src/test/bpf/sockopt_inherit.bpf.o")), f.rt, f.loader, f.bpf);
        int cloned = o.map("cloned1").fd();
        org.ebpf4j.map.storage.OwnerTable owners = org.ebpf4j.map.storage.OwnerTable.of(f.rt.mapRegistry());
        Task t = f.loader;
        int l = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        Socket ls = net.sock(t, l);
        long block = ls.mirror() + SockLayouts.Sock.OWNER_BLOCK;
        assertEquals(ls, owners.ownerAt(block));
        assertEquals(0, owners.storageAt(block), "no storage yet");
        f.bpf.mapUpdateElem(t, cloned, Sockopts.intBytes(l), Sockopts.intBytes(7), 0);
        assertEquals(ls.bpfStorage().get().address(), owners.storageAt(block));
        assertTrue(owners.storageAt(block) != 0);
        net.bind(t, l, SockAddr.parse("127.0.0.1:8082"));
        net.listen(t, l, 4);
        int c = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        net.connect(t, c, SockAddr.parse("127.0.0.1:8082"));
        Socket child = net.sock(t, net.accept(t, l));
        long childBlock = child.mirror() + SockLayouts.Sock.OWNER_BLOCK;
        assertEquals(child, owners.ownerAt(childBlock));
        assertEquals(child.bpfStorage().get().address(), owners.storageAt(childBlock), "the clone's storage");
        f.bpf.mapDeleteElem(t, cloned, Sockopts.intBytes(l));
        assertEquals(0, owners.storageAt(block), "the last element went: the word is 0 again");
        net.close(t, l);
        assertFalse(ls.alive());
        assertEquals(null, owners.ownerAt(block), "a destroyed socket's block resolves to nothing");
        assertEquals(0, owners.storageAt(block));
    }

    @Test
    void socketKeepsItsCgroupAliveUntilDestroyed() {
        Cgroup cg = f.tree.mkdirs("/app");
        Task in = f.spawnIn(cg, "in");
        int fd = net.socket(in, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        Socket s = net.sock(in, fd);
        assertEquals(cg, s.cgroup());
        in.setCgroupId(f.tree.root().id());
        f.tree.rmdir(cg);
        assertFalse(cg.bpfReleased());    // spec §4.4: the socket still holds a BPF reference
        net.close(in, fd);
        assertTrue(cg.bpfReleased());
        assertTrue(net.sockets().isEmpty());
        assertFalse(s.alive());
    }

    @Test
    void socketOutlivesItsFdWhileAReferenceIsHeld() {
        int fd = net.socket(t, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
        Socket s = net.sock(t, fd);
        s.inc();   // e.g. a packet in flight (skb_set_owner_w)
        int[] destroyed = {0};
        s.onDestroy(() -> destroyed[0]++);
        net.close(t, fd);
        assertTrue(s.alive());
        assertEquals(0, destroyed[0]);
        s.put();
        assertEquals(1, destroyed[0]);
        assertFalse(s.alive());
    }

    @Test
    void sockoptsWithoutPrograms() {
        int fd = net.socket(t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        net.setsockopt(t, fd, Sockopts.SOL_SOCKET, Sockopts.SO_RCVBUF, Sockopts.intBytes(4096));
        assertEquals(8192, Sockopts.intOf(net.getsockopt(t, fd, Sockopts.SOL_SOCKET, Sockopts.SO_RCVBUF, 4)));
        net.setsockopt(t, fd, Sockopts.SOL_TCP, Sockopts.TCP_CONGESTION, "reno".getBytes(StandardCharsets.US_ASCII));
        assertEquals("reno", new String(net.getsockopt(t, fd, Sockopts.SOL_TCP, Sockopts.TCP_CONGESTION, 4), StandardCharsets.US_ASCII));
        errno(Errno.ENOENT, () -> net.setsockopt(t, fd, Sockopts.SOL_TCP, Sockopts.TCP_CONGESTION, "bbr9".getBytes(StandardCharsets.US_ASCII)));
        errno(Errno.EINVAL, () -> net.setsockopt(t, fd, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, new byte[2]));
        assertEquals(Socket.SOCK_STREAM, Sockopts.intOf(net.getsockopt(t, fd, Sockopts.SOL_SOCKET, Sockopts.SO_TYPE, 4)));
    }

    @Test
    void addressParsing() {
        assertEquals("[::1]:53", SockAddr.parse("[::1]:53").toString());
        assertEquals("10.0.0.255:7", SockAddr.parse("10.0.0.255:7").toString());
        errno(Errno.EINVAL, () -> SockAddr.parse("300.1.1.1:5"));
        errno(Errno.EINVAL, () -> SockAddr.parse("localhost:5"));
    }
}
