package org.ebpf4j.kernel.net.diag;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HexFormat;
import java.util.List;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.Socket;
import org.ebpf4j.map.MapFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * spec-local-storage-map-in-map §4.4 (sock_diag dumping of SK_STORAGE, {@code
 * bpf_sk_storage_diag_put}): which values a dump reports, for which sockets, in which order and
 * byte layout. Expected layouts were captured from this machine's kernel (Linux 6.18) with
 * src/test/c/sockdiag_probe.c; {@link SockDiagHostCrossCheckTest} repeats that capture live.
 */
class SockDiagStorageTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    DiagFixture f;

    @BeforeEach
    void setUp() { f = new DiagFixture(k.runtime(), k.bpf(), k.root("ss")); }

    @AfterEach
    void tearDown() { f.t.fds().close(f.btfFd); }

    @Test
    void specificMapReportsOnlyThatMapsValue() {   // §4.4: diag->nr_maps > 0
        int m1 = f.skStorage();
        int m2 = f.skStorage();
        int l = f.listener(8001);
        byte[] v1 = DiagFixture.le(0x11111111, 0x22222222, 0x33333333);
        f.store(m1, l, v1);
        f.store(m2, l, DiagFixture.le(4, 5, 6));
        DiagSock s = DiagFixture.byPort(f.dumpListeners(m1), 8001);
        assertNotNull(s);
        assertEquals(List.of(new DiagSock.Storage(f.mapId(m1), v1)), s.storages());
        // several maps: request order, whatever the storage's list order
        DiagSock both = DiagFixture.byPort(f.dumpListeners(m2, m1), 8001);
        assertEquals(List.of(f.mapId(m2), f.mapId(m1)), both.storages().stream().map(DiagSock.Storage::mapId).toList());
        close(l, m1, m2);
    }

    @Test
    void noMapFdsMeansEveryStorageNewestFirst() {   // §4.4 "zero fds = all storages" (bpf_sk_storage_diag_put_all)
        int m1 = f.skStorage();
        int m2 = f.skStorage();
        int m3 = f.skStorage();
        int l = f.listener(8002);
        f.store(m1, l, DiagFixture.le(1, 1, 1));
        f.store(m2, l, DiagFixture.le(2, 2, 2));
        f.store(m3, l, DiagFixture.le(3, 3, 3));
        DiagSock s = DiagFixture.byPort(f.dumpListeners(), 8002);
        assertEquals(List.of(f.mapId(m3), f.mapId(m2), f.mapId(m1)), s.storages().stream().map(DiagSock.Storage::mapId).toList());
        assertArrayEquals(DiagFixture.le(2, 2, 2), s.storages().get(1).value());
        close(l, m1, m2, m3);
    }

    @Test
    void socketsWithoutSelectedStorageCarryNoAttribute() {
        int m1 = f.skStorage();
        int m2 = f.skStorage();
        int bare = f.listener(8003);
        int other = f.listener(8004);
        f.store(m2, other, DiagFixture.le(9, 9, 9));
        List<DiagSock> socks = f.dumpListeners(m1);
        assertEquals(2, socks.size(), "both listeners are reported");
        assertNull(DiagFixture.byPort(socks, 8003).storages(), "no storage at all");
        assertNull(DiagFixture.byPort(socks, 8004).storages(), "storage only in an unselected map");
        // without the request attribute nobody reports storage, even sockets that have it
        List<DiagSock> plain = f.net.diag().dump(f.t, InetDiagReq.dump(SockAddr.AF_INET, Socket.IPPROTO_TCP, InetDiag.ALL_STATES));
        assertNull(DiagFixture.byPort(plain, 8004).storages());
        close(bare, other, m1, m2);
    }

    @Test
    void udpSocketsNeverReportStorage() {   // udp_diag fills without an icsk: "goto out" skips the storage part (kernel-checked)
        int m = f.skStorage();
        int u = f.udp(8005);
        f.store(m, u, DiagFixture.le(7, 7, 7));
        List<DiagSock> socks = f.net.diag().dump(f.t,
                InetDiagReq.dump(SockAddr.AF_INET, Socket.IPPROTO_UDP, InetDiag.ALL_STATES).withStorages(m));
        DiagSock s = DiagFixture.byPort(socks, 8005);
        assertNotNull(s, "the UDP socket is dumped");
        assertEquals(7, s.state(), "TCP_CLOSE for an unconnected UDP socket");
        assertNull(s.storages());
        close(u, m);
    }

    @Test
    void severalSocketsEachReportTheirOwnValue() {
        int m = f.skStorage();
        int[] socks = new int[5];
        for (int i = 0; i < socks.length; i++) {
            socks[i] = f.listener(8100 + i);
            f.store(m, socks[i], DiagFixture.le(i, i * 10, i * 100));
        }
        List<DiagSock> out = f.dumpListeners(m);
        assertEquals(5, out.size());
        for (int i = 0; i < socks.length; i++) {
            DiagSock s = DiagFixture.byPort(out, 8100 + i);
            assertArrayEquals(DiagFixture.le(i, i * 10, i * 100), s.storages().get(0).value(), "socket " + i);
            assertEquals(10, s.state());
            assertEquals(1, s.wqueue(), "a listener's wqueue is its backlog");
        }
        for (int s : socks) {
            f.t.fds().close(s);
        }
        f.t.fds().close(m);
    }

    @Test
    void establishedTcpSocketsAreDumpedWithTheirStorage() {
        int m = f.skStorage();
        int l = f.listener(8006);
        int c = f.net.socket(f.t, SockAddr.AF_INET, Socket.SOCK_STREAM, 0);
        f.net.connect(f.t, c, SockAddr.parse("127.0.0.1:8006"));
        int a = f.net.accept(f.t, l);
        f.store(m, c, DiagFixture.le(5, 6, 7));
        List<DiagSock> est = f.net.diag().dump(f.t,
                InetDiagReq.dump(SockAddr.AF_INET, Socket.IPPROTO_TCP, InetDiag.stateBit(1)).withStorages(m));
        assertEquals(2, est.size(), "client and accepted child, not the listener");
        DiagSock client = est.stream().filter(s -> s.dst().port() == 8006).findFirst().orElseThrow();
        assertArrayEquals(DiagFixture.le(5, 6, 7), client.storages().get(0).value());
        DiagSock child = DiagFixture.byPort(est, 8006);
        assertNull(child.storages());
        assertEquals(client.src().port(), child.dst().port());
        close(a, c, l, m);
    }

    @Test
    void closedSocketsDisappear() {
        int m = f.skStorage();
        int l1 = f.listener(8007);
        int l2 = f.listener(8008);
        f.store(m, l1, DiagFixture.le(1, 2, 3));
        f.store(m, l2, DiagFixture.le(4, 5, 6));
        assertEquals(2, f.dumpListeners(m).size());
        f.t.fds().close(l1);
        List<DiagSock> after = f.dumpListeners(m);
        assertEquals(1, after.size());
        assertEquals(8008, after.get(0).src().port());
        close(l2, m);
    }

    @Test
    void spinLockValueIsCopiedWithTheLockWordZeroed() {   // diag_get: copy_map_value_locked when the value has a bpf_spin_lock
        int m = f.skStorage(8, f.tLocked);
        int l = f.listener(8009);
        f.store(m, l, DiagFixture.le(0, 42));
        f.bpf.mapUpdateElem(f.t, m, DiagFixture.le(l), DiagFixture.le(0, 43), MapFlags.BPF_F_LOCK);
        DiagSock s = DiagFixture.byPort(f.dumpListeners(m), 8009);
        assertArrayEquals(DiagFixture.le(0, 43), s.storages().get(0).value());
        // the dump released the lock: a locked lookup still gets through
        assertArrayEquals(DiagFixture.le(0, 43), f.bpf.mapLookupElem(f.t,
                new org.ebpf4j.syscall.MapElemAttr(m, DiagFixture.le(l), null, MapFlags.BPF_F_LOCK)));
        close(l, m);
    }

    @Test
    void skmeminfoOptmemIsWhatTheStorageIsChargedTo() {   // §1.9: elements and storage are charged to sk_omem_alloc
        int m = f.skStorage();
        int l = f.listener(8010);
        InetDiagReq req = new InetDiagReq(SockAddr.AF_INET, Socket.IPPROTO_TCP, InetDiag.ext(InetDiag.INET_DIAG_SKMEMINFO), 1 << 10, null);
        assertEquals(0, DiagFixture.byPort(f.net.diag().dump(f.t, req), 8010).skmeminfo()[InetDiag.SK_MEMINFO_OPTMEM]);
        f.store(m, l, DiagFixture.le(1, 2, 3));
        int charged = org.ebpf4j.map.storage.LocalStorage.KERNEL_SIZE + org.ebpf4j.map.storage.LocalStorageElem.KERNEL_SIZE + 12;
        DiagSock s = DiagFixture.byPort(f.net.diag().dump(f.t, req), 8010);
        assertEquals(InetDiag.SK_MEMINFO_VARS, s.skmeminfo().length);
        assertEquals(charged, s.skmeminfo()[InetDiag.SK_MEMINFO_OPTMEM]);
        assertNull(s.storages(), "no storage attribute was asked for");
        close(l, m);
    }

    @Test
    void ipv6ListenersAreDumpedByAnInet6RequestOnly() {
        int m = f.skStorage();
        int l6 = f.net.socket(f.t, SockAddr.AF_INET6, Socket.SOCK_STREAM, 0);
        f.net.bind(f.t, l6, SockAddr.parse("[::1]:8011"));
        f.net.listen(f.t, l6, 1);
        f.store(m, l6, DiagFixture.le(6, 6, 6));
        assertNull(DiagFixture.byPort(f.dumpListeners(m), 8011), "not in an AF_INET dump");
        List<DiagSock> v6 = f.net.diag().dump(f.t, InetDiagReq.dump(SockAddr.AF_INET6, Socket.IPPROTO_TCP, 1 << 10).withStorages(m));
        DiagSock s = DiagFixture.byPort(v6, 8011);
        assertEquals(SockAddr.AF_INET6, s.family());
        assertEquals(SockAddr.parse("[::1]:8011"), s.src());
        assertArrayEquals(DiagFixture.le(6, 6, 6), s.storages().get(0).value());
        close(l6, m);
    }

    @Test
    void storageNestBytesAreTheKernels() {
        // Captured on Linux 6.18 x86_64 for a 12-byte value 11111111 22222222 33333333 in map id 0x67b:
        // 2000 1480 | 1c00 0180 | 0800 0200 7b060000 | 1000 0300 <12 bytes>: nested flags set, no PAD attribute.
        byte[] kernel = HexFormat.of().parseHex("200014801c000180080002007b06000010000300111111112222222233333333");
        NlBuf skb = new NlBuf(4096);
        int[] total = {0};
        var e = new org.ebpf4j.map.storage.SkStorageDiag.Entry(0x67b, 12, DiagFixture.le(0x11111111, 0x22222222, 0x33333333));
        assertEquals(0, InetDiagFill.storagePut(List.of(e), skb, total));
        assertEquals(HexFormat.of().formatHex(kernel), HexFormat.of().formatHex(skb.bytes()));
        assertEquals(kernel.length, total[0], "res_diag_size is the nest's size");
    }

    @Test
    void listenerMessageLayoutMatchesTheKernels() {
        // The kernel's message for a 127.0.0.1 listener (backlog 1) in the root cgroup, root caller (MARK
        // present), with cookie, port, inode and map id masked: header, inet_diag_msg, then
        // SHUTDOWN, MARK, CGROUP_ID (no pad), SOCKOPT 0x52, SK_BPF_STORAGES.
        String kernel = "9c00000014000200070000002c770000020a0000a2e900007f000001000000000000000000000000000000000000"
                + "00000000000000000000000000004810000000000000000000000000000001000000000000009bc00600"
                + "050008000000000008000f00000000000c00150001000000000000000600160052000000"
                + "200014801c000180080002007b060000100003001111111122222222333333337";
        int m = f.skStorage();
        int l = f.listener(41705);
        f.store(m, l, DiagFixture.le(0x11111111, 0x22222222, 0x33333333));
        int nl = f.net.socket(f.t, org.ebpf4j.kernel.net.diag.Netlink.AF_NETLINK, 2, 4);
        f.net.diag().sendmsg(f.t, nl, InetDiagReq.dump(2, 6, 1 << 10).withStorages(m).encode(7));
        byte[] got = f.net.diag().recvmsg(f.t, nl, 65536, 0).data();
        String ours = HexFormat.of().formatHex(got);
        assertEquals(mask(kernel.substring(0, kernel.length() - 1)), mask(ours));
        f.t.fds().close(nl);
        close(l, m);
    }

    /** Masks the fields that differ between runs: portid, cookie, inode, map id. */
    static String mask(String hex) {
        StringBuilder s = new StringBuilder(hex);
        maskBytes(s, 12, 4);            // nlmsg_pid
        maskBytes(s, 16 + 44, 8);       // idiag_cookie
        maskBytes(s, 16 + 68, 4);       // idiag_inode
        int stg = s.indexOf("200014801c00018008000200");
        if (stg >= 0) {
            maskBytes(s, stg / 2 + 12, 4);   // SK_DIAG_BPF_STORAGE_MAP_ID
        }
        return s.toString();
    }

    private static void maskBytes(StringBuilder s, int at, int n) {
        for (int i = at * 2; i < (at + n) * 2 && i < s.length(); i++) {
            s.setCharAt(i, 'x');
        }
    }

    private void close(int... fds) {
        for (int fd : fds) {
            f.t.fds().close(fd);
        }
    }
}
