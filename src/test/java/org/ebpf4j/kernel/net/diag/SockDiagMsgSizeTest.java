package org.ebpf4j.kernel.net.diag;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * spec-local-storage-map-in-map §4.4: {@code bpf_sk_storage_diag_put} returns -EMSGSIZE but
 * keeps counting the size, {@code inet_sk_diag_fill} raises {@code cb->min_dump_alloc} to it,
 * and the dump retries: in a grown skb when the socket was the datagram's first message
 * ({@code __inet_diag_dump}: pskb_expand_head), else in the next datagram, sized from
 * {@code min_dump_alloc}. A reader whose buffer is smaller than a datagram gets MSG_TRUNC and
 * loses the rest, as on Linux; sizing with MSG_PEEK|MSG_TRUNC first (iproute2) gets it whole.
 */
class SockDiagMsgSizeTest {
    /** A listener's message without storage: header 16 + inet_diag_msg 72 + SHUTDOWN 8, MARK 8, CGROUP_ID 12, SOCKOPT 8 (the kernel's 0x7c). */
    static final int BARE_MSG = 124;
    /** Its message with three 2000-byte values: + nest 4 + 3 x (nest 4 + MAP_ID 8 + MAP_VALUE 2004). */
    static final int BIG_MSG = BARE_MSG + 4 + 3 * (4 + 8 + 2004);

    @RegisterExtension final LeakCheck k = new LeakCheck();
    DiagFixture f;
    int[] maps;

    @BeforeEach
    void setUp() {
        f = new DiagFixture(k.runtime(), k.bpf(), k.root("ss"));
        maps = new int[] {f.skStorage(2000, f.tBig), f.skStorage(2000, f.tBig), f.skStorage(2000, f.tBig)};
    }

    @AfterEach
    void tearDown() {
        for (int m : maps) {
            f.t.fds().close(m);
        }
        f.t.fds().close(f.btfFd);
    }

    private int bigListener(int port) {
        int l = f.listener(port);
        for (int i = 0; i < maps.length; i++) {
            f.store(maps[i], l, DiagFixture.pattern(2000, port + i));
        }
        return l;
    }

    private int send() {
        int nl = f.net.socket(f.t, Netlink.AF_NETLINK, Netlink.SOCK_DGRAM, Netlink.NETLINK_SOCK_DIAG);
        f.net.diag().sendmsg(f.t, nl, InetDiagReq.dump(SockAddr.AF_INET, Socket.IPPROTO_TCP, 1 << 10).withStorages().encode(1));
        return nl;
    }

    @Test
    void storageSizeIsCountedAsTheKernelDoes() {
        assertEquals(BIG_MSG - BARE_MSG, 4 + 3 * InetDiagFill.valueSize(2000));
        assertTrue(BIG_MSG > SockDiagSocket.NLMSG_GOODSIZE, "the message cannot fit a default dump skb");
    }

    @Test
    void firstMessageTooBigGrowsTheDatagram() {
        int l = bigListener(9100);
        int nl = send();
        // peek with MSG_TRUNC: the datagram's real length, nothing consumed
        SockDiagSocket.Recv peek = f.net.diag().recvmsg(f.t, nl, 0, Netlink.MSG_PEEK | Netlink.MSG_TRUNC);
        assertEquals(BIG_MSG, peek.datagramLength());
        assertEquals(BIG_MSG, peek.returned(Netlink.MSG_TRUNC));
        assertTrue(peek.truncated());
        SockDiagSocket.Recv r = f.net.diag().recvmsg(f.t, nl, peek.datagramLength(), 0);
        assertFalse(r.truncated());
        List<Netlink.Msg> msgs = Netlink.messages(r.data(), r.data().length);
        assertEquals(1, msgs.size());
        DiagSock s = DiagSock.decode(msgs.get(0));
        assertEquals(3, s.storages().size());
        for (int i = 0; i < 3; i++) {
            DiagSock.Storage st = s.storages().get(2 - i);   // newest first
            assertEquals(f.mapId(maps[i]), st.mapId());
            assertArrayEquals(DiagFixture.pattern(2000, 9100 + i), st.value());
        }
        assertDone(nl);
        f.t.fds().close(nl);
        f.t.fds().close(l);
    }

    @Test
    void smallReaderBufferTruncatesAndLosesTheRest() {
        int l = bigListener(9101);
        int nl = send();
        SockDiagSocket.Recv r = f.net.diag().recvmsg(f.t, nl, 4096, 0);
        assertTrue(r.truncated(), "MSG_TRUNC");
        assertEquals(4096, r.data().length);
        assertEquals(BIG_MSG, r.datagramLength());
        assertEquals(4096, r.returned(0));
        assertDone(nl);   // the rest of the datagram is gone; the dump goes on
        f.t.fds().close(nl);
        f.t.fds().close(l);
    }

    @Test
    void laterMessageTooBigMovesToTheNextDatagramSizedForIt() {
        int small = f.listener(9102);   // created first: dumped first
        int l = bigListener(9103);
        int nl = send();
        SockDiagSocket.Recv first = f.net.diag().recvmsg(f.t, nl, 65536, 0);
        List<Netlink.Msg> m1 = Netlink.messages(first.data(), first.data().length);
        assertEquals(1, m1.size(), "the big socket did not fit after the small one");
        assertEquals(BARE_MSG, first.datagramLength());
        assertEquals(9102, DiagSock.decode(m1.get(0)).src().port());
        SockDiagSocket.Recv second = f.net.diag().recvmsg(f.t, nl, 65536, 0);
        assertEquals(BIG_MSG, second.datagramLength());
        DiagSock big = DiagSock.decode(Netlink.messages(second.data(), second.data().length).get(0));
        assertEquals(9103, big.src().port());
        assertEquals(3, big.storages().size());
        assertDone(nl);
        f.t.fds().close(nl);
        f.t.fds().close(small);
        f.t.fds().close(l);
    }

    @Test
    void aGrownDatagramKeepsFillingWithTheFollowingSockets() {
        // pskb_expand_head kmallocs 3776 + 6176 + shinfo = 10272 bytes: a 16 KiB buffer, 16064 usable
        assertEquals(16064, InetDiagDump.expandedCapacity(SockDiagSocket.NLMSG_GOODSIZE, BIG_MSG));
        int l = bigListener(9200);   // first: it grows the first datagram
        int[] small = new int[40];   // 40 x 124 bytes: more than 3776 + 6176 would hold, less than 16064
        for (int i = 0; i < small.length; i++) {
            small[i] = f.listener(9201 + i);
        }
        int nl = send();
        SockDiagSocket.Recv r = f.net.diag().recvmsg(f.t, nl, 65536, 0);
        assertEquals(BIG_MSG + 40 * BARE_MSG, r.datagramLength());
        assertEquals(41, Netlink.messages(r.data(), r.data().length).size());
        assertDone(nl);
        f.t.fds().close(nl);
        f.t.fds().close(l);
        for (int s : small) {
            f.t.fds().close(s);
        }
    }

    @Test
    void typedDumpReadsEverythingWhateverTheSizes() {
        int[] ls = {f.listener(9110), bigListener(9111), f.listener(9112), bigListener(9113)};
        List<DiagSock> out = f.net.diag().dump(f.t, InetDiagReq.dump(SockAddr.AF_INET, Socket.IPPROTO_TCP, 1 << 10).withStorages());
        assertEquals(List.of(9110, 9111, 9112, 9113), out.stream().map(s -> s.src().port()).toList());
        assertNull(out.get(0).storages());
        assertEquals(3, out.get(1).storages().size());
        assertArrayEquals(DiagFixture.pattern(2000, 9113 + 2), out.get(3).storages().get(0).value());
        for (int l : ls) {
            f.t.fds().close(l);
        }
    }

    private void assertDone(int nl) {
        SockDiagSocket.Recv d = f.net.diag().recvmsg(f.t, nl, 65536, 0);
        Netlink.Msg done = Netlink.messages(d.data(), d.data().length).get(0);
        assertEquals(Netlink.NLMSG_DONE, done.type());
        assertEquals(Netlink.NLM_F_MULTI, done.flags());
        assertEquals(0, done.error());
        assertEquals(20, d.datagramLength(), "NLMSG_DONE carries one int");
    }
}
