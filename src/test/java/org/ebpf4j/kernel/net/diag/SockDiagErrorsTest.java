package org.ebpf4j.kernel.net.diag;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.Socket;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * spec-local-storage-map-in-map §10.1 LS-SK3 and §4.4 ({@code bpf_sk_storage_diag_alloc}): a
 * refused dump request. As on Linux (netlink_rcv_skb → netlink_ack), sendmsg succeeds and the
 * errno comes back in an NLMSG_ERROR reply that echoes the request; the maps the request had
 * already resolved are released (LeakCheck would see them otherwise). The errnos and the
 * check order were observed on this machine's kernel with src/test/c/sockdiag_probe.c.
 */
class SockDiagErrorsTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    DiagFixture f;
    int sk;
    int l;

    @BeforeEach
    void setUp() {
        f = new DiagFixture(k.runtime(), k.bpf(), k.root("ss"));
        sk = f.skStorage();
        l = f.listener(9000);
        f.store(sk, l, DiagFixture.le(1, 2, 3));
    }

    @AfterEach
    void tearDown() {
        f.t.fds().close(l);
        f.t.fds().close(sk);
        f.t.fds().close(f.btfFd);
    }

    /** Sends {@code req} on a fresh sock_diag socket of {@code task}; returns the single reply message, which must be NLMSG_ERROR. */
    private Netlink.Msg refused(Task task, byte[] req) {
        int nl = f.net.socket(task, Netlink.AF_NETLINK, Netlink.SOCK_RAW, Netlink.NETLINK_SOCK_DIAG);
        try {
            assertEquals(req.length, f.net.diag().sendmsg(task, nl, req), "sendmsg itself succeeds");
            SockDiagSocket.Recv r = f.net.diag().recvmsg(task, nl, 65536, 0);
            List<Netlink.Msg> msgs = Netlink.messages(r.data(), r.data().length);
            assertEquals(1, msgs.size());
            Netlink.Msg m = msgs.get(0);
            assertEquals(Netlink.NLMSG_ERROR, m.type());
            assertEquals(0, m.flags());
            assertEquals(SockDiag.of(task, nl).portid(), m.pid());
            assertArrayEquals(req, Arrays.copyOfRange(m.payload(), 4, m.payload().length), "the request is echoed whole");
            BpfException none = assertThrows(BpfException.class, () -> f.net.diag().recvmsg(task, nl, 65536, 0));
            assertEquals(Errno.EAGAIN, none.errno(), "nothing follows the error");
            return m;
        } finally {
            task.fds().close(nl);
        }
    }

    private static InetDiagReq listeners() { return InetDiagReq.dump(SockAddr.AF_INET, Socket.IPPROTO_TCP, 1 << 10); }

    @Test
    void nonSkStorageMapIsEinval() {   // LS-SK3
        int arr = f.array();
        assertEquals(Errno.EINVAL.value(), refused(f.t, listeners().withStorages(arr).encode(7)).error());
        assertEquals(Errno.EINVAL.value(), refused(f.t, listeners().withStorages(sk, arr).encode(7)).error());
        f.t.fds().close(arr);
    }

    @Test
    void duplicateMapIsEexist() {   // LS-SK3
        assertEquals(Errno.EEXIST.value(), refused(f.t, listeners().withStorages(sk, sk).encode(7)).error());
        // the same map through two fds is still a duplicate
        int dup = f.t.fds().dup(sk);
        assertEquals(Errno.EEXIST.value(), refused(f.t, listeners().withStorages(sk, dup).encode(7)).error());
        f.t.fds().close(dup);
    }

    @Test
    void withoutCapBpfIsEperm() {   // LS-SK3: !bpf_capable()
        Task user = k.runtime().spawn("user", 1000, 1000);
        int[] none = {};
        assertEquals(Errno.EPERM.value(), refused(user, listeners().withStorages(none).encode(1)).error());
        // EPERM comes first, before any fd is looked at
        assertEquals(Errno.EPERM.value(), refused(user, listeners().withStorages(999).encode(1)).error());
        Task bpfOnly = k.runtime().spawn("bpfcap", 1000, 1000, Set.of(Cap.BPF));
        assertEquals(Errno.EBADF.value(), refused(bpfOnly, listeners().withStorages(999).encode(1)).error(),
                "CAP_BPF is enough to get past the capability check");
        // a dump without the storage attribute needs no capability
        assertEquals(1, f.net.diag().dump(user, listeners()).size());
        user.exit();
        bpfOnly.exit();
    }

    @Test
    void badFdIsEbadfAndNonMapFdIsEinval() {
        assertEquals(Errno.EBADF.value(), refused(f.t, listeners().withStorages(999).encode(1)).error());
        assertEquals(Errno.EBADF.value(), refused(f.t, listeners().withStorages(-1).encode(1)).error());
        assertEquals(Errno.EINVAL.value(), refused(f.t, listeners().withStorages(f.btfFd).encode(1)).error(), "a BTF fd");
        assertEquals(Errno.EINVAL.value(), refused(f.t, listeners().withStorages(l).encode(1)).error(), "a socket fd");
        // fds are resolved in order: the first bad one decides
        int arr = f.array();
        assertEquals(Errno.EBADF.value(), refused(f.t, listeners().withStorages(999, arr).encode(1)).error());
        assertEquals(Errno.EINVAL.value(), refused(f.t, listeners().withStorages(arr, 999).encode(1)).error());
        f.t.fds().close(arr);
    }

    @Test
    void mapFdAttributeNotFourBytesIsEinvalBeforeAnyFd() {
        assertEquals(Errno.EINVAL.value(), refused(f.t, withMapFdAttrs(new byte[] {(byte) sk, 0})).error());
        assertEquals(Errno.EINVAL.value(), refused(f.t, withMapFdAttrs(new byte[] {(byte) sk, 0, 0, 0, 0, 0, 0, 0})).error());
        // the length pass runs over every attribute before the first fd is resolved
        assertEquals(Errno.EINVAL.value(), refused(f.t, withMapFdAttrs(DiagFixture.le(999), new byte[] {1})).error());
    }

    /** A listener dump request whose storage nest holds one MAP_FD attribute per payload, as given. */
    private static byte[] withMapFdAttrs(byte[]... payloads) {
        NlBuf b = NlBuf.unbounded();
        int msg = b.nlmsgPut(0, 3, InetDiag.SOCK_DIAG_BY_FAMILY, 0, Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP);
        b.putRaw(listeners().fixedPart());
        int nest = b.nestStart(InetDiag.INET_DIAG_REQ_SK_BPF_STORAGES);
        for (byte[] p : payloads) {
            b.nlaPut(InetDiag.SK_DIAG_BPF_STORAGE_REQ_MAP_FD, p);
        }
        b.nestEnd(nest);
        b.nlmsgEnd(msg);
        return b.bytes();
    }

    @Test
    void typedDumpThrowsTheReplysErrno() {
        BpfException e = assertThrows(BpfException.class, () -> f.net.diag().dump(f.t, listeners().withStorages(sk, sk)));
        assertEquals(Errno.EEXIST, e.errno());
    }

    @Test
    void requestChecksBeforeTheStorageAttribute() {
        byte[] ok = listeners().withStorages(sk).encode(5);
        byte[] shortReq = Arrays.copyOf(ok, Netlink.NLMSG_HDRLEN + 40);
        shortReq[0] = (byte) shortReq.length;
        assertEquals(Errno.EINVAL.value(), refused(f.t, shortReq).error(), "shorter than inet_diag_req_v2");
        byte[] unix = ok.clone();
        unix[Netlink.NLMSG_HDRLEN] = 1;   // AF_UNIX: no handler in the model
        assertEquals(Errno.ENOENT.value(), refused(f.t, unix).error());
        byte[] badFamily = ok.clone();
        badFamily[Netlink.NLMSG_HDRLEN] = 46;   // AF_MAX
        assertEquals(Errno.EINVAL.value(), refused(f.t, badFamily).error());
        byte[] badType = ok.clone();
        badType[4] = 30;
        assertEquals(Errno.EINVAL.value(), refused(f.t, badType).error());
    }

    @Test
    void secondDumpWhileOneRunsIsEbusy() {
        int nl = f.net.socket(f.t, Netlink.AF_NETLINK, Netlink.SOCK_DGRAM, Netlink.NETLINK_SOCK_DIAG);
        f.net.diag().sendmsg(f.t, nl, listeners().withStorages(sk).encode(1));
        f.net.diag().sendmsg(f.t, nl, listeners().encode(2));
        SockDiagSocket.Recv first = f.net.diag().recvmsg(f.t, nl, 65536, 0);
        assertEquals(InetDiag.SOCK_DIAG_BY_FAMILY, Netlink.messages(first.data(), first.data().length).get(0).type());
        SockDiagSocket.Recv second = f.net.diag().recvmsg(f.t, nl, 65536, 0);
        Netlink.Msg err = Netlink.messages(second.data(), second.data().length).get(0);
        assertEquals(Netlink.NLMSG_ERROR, err.type());
        assertEquals(Errno.EBUSY.value(), err.error());
        assertEquals(2, err.seq());
        f.t.fds().close(nl);   // mid-dump: netlink_release ends it and drops the map reference
    }

    @Test
    void socketCallErrors() {
        assertEquals(Errno.EPROTONOSUPPORT, assertThrows(BpfException.class,
                () -> f.net.socket(f.t, Netlink.AF_NETLINK, Netlink.SOCK_RAW, 0)).errno());
        assertEquals(Errno.ESOCKTNOSUPPORT, assertThrows(BpfException.class,
                () -> f.net.socket(f.t, Netlink.AF_NETLINK, Socket.SOCK_STREAM, Netlink.NETLINK_SOCK_DIAG)).errno());
        assertEquals(Errno.EBADF, assertThrows(BpfException.class, () -> f.net.diag().sendmsg(f.t, 999, new byte[16])).errno());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(BpfException.class, () -> f.net.diag().sendmsg(f.t, l, new byte[16])).errno());
        assertEquals(Errno.ENOTSOCK, assertThrows(BpfException.class, () -> f.net.diag().sendmsg(f.t, sk, new byte[16])).errno());
    }
}
