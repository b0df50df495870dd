package org.ebpf4j.kernel.net.diag;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.Socket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The strongest check of spec-local-storage §4.4 / §10.1 LS-SK3: the same sock_diag requests
 * against this machine's kernel and against the model, compared byte for byte. The kernel side
 * is src/test/c/sockdiag_probe.c, compiled and run here (root on Linux with a C compiler; the
 * test is skipped otherwise): it creates SK_STORAGE maps, a listening TCP and a bound UDP socket
 * on 127.0.0.1 and stores values by syscall update (nothing is attached), then dumps. Fields
 * that differ between the two worlds by nature are zeroed before comparing: nlmsg_pid, the
 * cookie, the inode, the cgroup id and map ids.
 */
class SockDiagHostCrossCheckTest {
    static Map<String, List<byte[]>> cases;
    static Map<String, Integer> numbers;

    @RegisterExtension final LeakCheck k = new LeakCheck();

    @BeforeAll
    static void runProbe() throws IOException, InterruptedException {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "not Linux");
        assumeTrue("root".equals(System.getProperty("user.name")), "not root: kernel cross-check skipped");
        String cc = null;
        for (String c : List.of("/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang-19")) {
            if (Files.isExecutable(Path.of(c))) {
                cc = c;
                break;
            }
        }
        assumeTrue(cc != null, "no C compiler: kernel cross-check skipped");
        Path dir = Files.createTempDirectory("sockdiag");
        Path exe = dir.resolve("probe");
        Process p = new ProcessBuilder(cc, "-O2", "-o", exe.toString(), "src/test/c/sockdiag_probe.c").redirectErrorStream(true).start();
        String cout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "probe does not compile here: " + cout);
        Process r = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        r.waitFor(60, TimeUnit.SECONDS);
        Files.deleteIfExists(exe);
        Files.deleteIfExists(dir);
        assumeTrue(r.exitValue() == 0 && !out.contains("error"), "probe refused by this kernel: " + out);
        cases = new HashMap<>();
        numbers = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] w = line.trim().split(" ");
            if (w[0].equals("case")) {
                cases.computeIfAbsent(w[1], x -> new ArrayList<>()).add(HexFormat.of().parseHex(w[2]));
            } else if (w.length == 2) {
                numbers.put(w[0], Integer.parseInt(w[1]));
            }
        }
    }

    /** The kernel's reply message (not datagram) for the socket on {@code port} in case {@code name}, or null. */
    static byte[] kernelMsg(String name, int port) {
        for (byte[] dgram : cases.get(name)) {
            for (byte[] m : split(dgram)) {
                int type = (m[4] & 0xff) | (m[5] & 0xff) << 8;
                if (type == InetDiag.SOCK_DIAG_BY_FAMILY && ((m[20] & 0xff) << 8 | (m[21] & 0xff)) == port) {
                    return m;
                }
            }
        }
        return null;
    }

    static int kernelErrno(String name) {
        byte[] m = cases.get(name).get(0);
        assertEquals(Netlink.NLMSG_ERROR, m[4]);
        return -SockDiag.le32(m, 16);
    }

    static List<byte[]> split(byte[] dgram) {
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off + 16 <= dgram.length; ) {
            int len = SockDiag.le32(dgram, off);
            out.add(java.util.Arrays.copyOfRange(dgram, off, off + len));
            off += Netlink.align(len);
        }
        return out;
    }

    /** Zeroes pid, cookie, inode, CGROUP_ID and every MAP_ID of one reply message. */
    static String normalise(byte[] msg) {
        byte[] m = msg.clone();
        zero(m, 12, 4);
        zero(m, 16 + 44, 8);
        zero(m, 16 + 68, 4);
        for (int off = 16 + InetDiag.MSG_SIZE; off + 4 <= m.length; ) {
            int len = SockDiag.le16(m, off);
            int type = SockDiag.le16(m, off + 2) & Netlink.NLA_TYPE_MASK;
            if (type == InetDiag.INET_DIAG_CGROUP_ID) {
                zero(m, off + 4, 8);
            } else if (type == InetDiag.INET_DIAG_SK_BPF_STORAGES) {
                for (int s = off + 4; s < off + len; ) {
                    int slen = SockDiag.le16(m, s);
                    zero(m, s + 8, 4);   // first attribute of SK_DIAG_BPF_STORAGE is MAP_ID: its payload
                    s += Netlink.align(slen);
                }
            }
            off += Netlink.align(len);
        }
        return HexFormat.of().formatHex(m);
    }

    private static void zero(byte[] b, int at, int n) {
        for (int i = at; i < at + n && i < b.length; i++) {
            b[i] = 0;
        }
    }

    /** The model's world as the probe builds it, answering one request like the probe's. */
    final class Model {
        final DiagFixture f = new DiagFixture(k.runtime(), k.bpf(), k.root("probe"));
        final int map = f.skStorage();
        final int map2 = f.skStorage();
        final int arr = f.array();
        final int tcp = f.listener(numbers.get("tcpport"));
        final int udp = f.udp(numbers.get("udpport"));

        Model() {
            f.store(map, tcp, DiagFixture.le(0x11111111, 0x22222222, 0x33333333));
            f.store(map, udp, DiagFixture.le(0x44444444, 0x55555555, 0x66666666));
        }

        /** Every reply datagram to {@code req} (sequence 7, as the probe sends). */
        List<byte[]> replies(InetDiagReq req) {
            return replies(req.encode(7));
        }

        List<byte[]> replies(byte[] req) {
            int nl = f.net.socket(f.t, Netlink.AF_NETLINK, Netlink.SOCK_DGRAM, Netlink.NETLINK_SOCK_DIAG);
            f.net.diag().sendmsg(f.t, nl, req);
            List<byte[]> out = new ArrayList<>();
            while (SockDiag.of(f.t, nl).queued() > 0) {
                out.add(f.net.diag().recvmsg(f.t, nl, 65536, 0).data());
            }
            f.t.fds().close(nl);
            return out;
        }

        byte[] msg(List<byte[]> dgrams, int port) {
            for (byte[] d : dgrams) {
                for (byte[] m : split(d)) {
                    if (m[4] == InetDiag.SOCK_DIAG_BY_FAMILY && ((m[20] & 0xff) << 8 | (m[21] & 0xff)) == port) {
                        return m;
                    }
                }
            }
            return null;
        }

        void close() {
            for (int fd : new int[] {tcp, udp, map, map2, arr, f.btfFd}) {
                f.t.fds().close(fd);
            }
        }
    }

    private static InetDiagReq tcpListen() { return InetDiagReq.dump(SockAddr.AF_INET, Socket.IPPROTO_TCP, 1 << 10); }

    @Test
    void listenerMessagesAreByteForByteTheKernels() {
        Model w = new Model();
        int port = numbers.get("tcpport");
        assertEquals(normalise(kernelMsg("tcp-listen-map", port)), normalise(w.msg(w.replies(tcpListen().withStorages(w.map)), port)));
        assertEquals(normalise(kernelMsg("tcp-listen-all", port)), normalise(w.msg(w.replies(tcpListen().withStorages()), port)));
        assertEquals(normalise(kernelMsg("tcp-listen-other", port)), normalise(w.msg(w.replies(tcpListen().withStorages(w.map2)), port)));
        w.close();
    }

    @Test
    void udpMessageHasNoStorageLikeTheKernels() {
        Model w = new Model();
        int port = numbers.get("udpport");
        byte[] ours = w.msg(w.replies(InetDiagReq.dump(SockAddr.AF_INET, Socket.IPPROTO_UDP, -1).withStorages(w.map)), port);
        assertEquals(normalise(kernelMsg("udp-map", port)), normalise(ours));
        w.close();
    }

    @Test
    void doneAndErrorRepliesAreTheKernels() {   // LS-SK3 and the fd/attribute errnos, observed live
        Model w = new Model();
        assertEquals(kernelErrno("dup"), Errno(w.replies(tcpListen().withStorages(w.map, w.map))));
        assertEquals(kernelErrno("notsk"), Errno(w.replies(tcpListen().withStorages(w.arr))));
        assertEquals(kernelErrno("nomap"), Errno(w.replies(tcpListen().withStorages(w.f.btfFd))));
        assertEquals(kernelErrno("badfd"), Errno(w.replies(tcpListen().withStorages(999))));
        NlBuf b = NlBuf.unbounded();   // the probe's "badlen": one MAP_FD attribute with nla_len 6
        int msg = b.nlmsgPut(0, 7, InetDiag.SOCK_DIAG_BY_FAMILY, 0, Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP);
        b.putRaw(tcpListen().fixedPart());
        int nest = b.nestStart(InetDiag.INET_DIAG_REQ_SK_BPF_STORAGES);
        b.nlaPut(InetDiag.SK_DIAG_BPF_STORAGE_REQ_MAP_FD, new byte[] {(byte) w.map, 0});
        b.nestEnd(nest);
        b.nlmsgEnd(msg);
        assertEquals(kernelErrno("badlen"), Errno(w.replies(b.bytes())));
        // DONE: the last datagram, alone, header fields but the pid as the kernel's
        List<byte[]> k2 = cases.get("tcp-listen-map");
        List<byte[]> ours = w.replies(tcpListen().withStorages(w.map));
        assertEquals(normalise(k2.get(k2.size() - 1)).substring(0, 40), normalise(ours.get(ours.size() - 1)).substring(0, 40));
        w.close();
    }

    @Test
    void closedListenerIsGoneLikeInTheKernel() {
        Model w = new Model();
        int port = numbers.get("tcpport");
        assertNull(kernelMsg("closed", port));
        w.f.t.fds().close(w.tcp);
        assertNull(w.msg(w.replies(tcpListen().withStorages(w.map)), port));
        for (int fd : new int[] {w.udp, w.map, w.map2, w.arr, w.f.btfFd}) {
            w.f.t.fds().close(fd);
        }
    }

    @Test
    void bigStoragesGetTheirOwnGrownDatagramLikeInTheKernel() {
        Model w = new Model();
        int port = numbers.get("bigport");
        int big = w.f.listener(port);
        int[] maps = new int[3];
        for (int i = 0; i < 3; i++) {
            maps[i] = w.f.skStorage(2000, w.f.tBig);
            int[] v = new int[500];
            for (int j = 0; j < 500; j++) {
                v[j] = i * 1000 + j;
            }
            w.f.store(maps[i], big, DiagFixture.le(v));
        }
        byte[] kernel = kernelMsg("big-all", port);
        assertEquals(SockDiagMsgSizeTest.BIG_MSG, kernel.length);
        List<byte[]> ours = w.replies(tcpListen().withStorages());
        byte[] mine = w.msg(ours, port);
        assertEquals(normalise(kernel), normalise(mine));
        // the kernel put the big socket in a datagram of its own, as the model does
        boolean alone = cases.get("big-all").stream().anyMatch(d -> d.length == kernel.length);
        assertTrue(alone);
        assertTrue(ours.stream().anyMatch(d -> d.length == mine.length));
        w.f.t.fds().close(big);
        for (int m : maps) {
            w.f.t.fds().close(m);
        }
        w.close();
    }

    @Test
    void firstDatagramHoldsWhatNlmsgGoodsizeHoldsLikeInTheKernel() {
        List<byte[]> kernel = cases.get("many");   // 40 listeners of the probe (+ the host's own)
        Model w = new Model();
        w.f.t.fds().close(w.tcp);   // the probe had closed its storage-carrying listener by then
        int[] ls = new int[40];
        for (int i = 0; i < ls.length; i++) {
            ls[i] = w.f.listener(20000 + i);
        }
        List<byte[]> ours = w.replies(tcpListen().withStorages());
        assertEquals(kernel.get(0).length, ours.get(0).length, "the first datagram, sized NLMSG_GOODSIZE during sendmsg");
        assertEquals(3, kernel.size());
        assertEquals(3, ours.size(), "the rest in one datagram sized from the reader's 64 KiB buffer, then DONE");
        for (int l : ls) {
            w.f.t.fds().close(l);
        }
        for (int fd : new int[] {w.udp, w.map, w.map2, w.arr, w.f.btfFd}) {
            w.f.t.fds().close(fd);
        }
    }

    private static int Errno(List<byte[]> replies) {
        assertEquals(1, replies.size());
        byte[] m = replies.get(0);
        assertEquals(Netlink.NLMSG_ERROR, m[4]);
        return -SockDiag.le32(m, 16);
    }
}
