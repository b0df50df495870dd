package org.ebpf4j.kernel.net;

import static org.junit.jupiter.api.Assertions.*;

import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The socket's own option handlers where the host differential run (HostScenarioDiffTest)
 * showed the model wrong; every expectation here was read from this machine's Linux 6.18 with a
 * small C program (socket, setsockopt, getsockopt; no BPF involved).
 */
class SockoptsHostParityTest {
    final Runtime rt = Runtime.builder().arenaSize(8L << 20).cpus(1).build();
    final Net net = rt.net();
    final Task t = rt.spawn("t", 0, 0);

    @AfterEach
    void close() { rt.close(); }

    int sock(int type) { return net.socket(t, SockAddr.AF_INET, type, 0); }

    int getInt(int fd, int level, int opt) { return Sockopts.intOf(net.getsockopt(t, fd, level, opt, 4)); }

    @Test
    void ipTosSetsPriorityAsRtTos2Priority() {   // __ip_sock_set_tos, ip_tos2prio (net/ipv4/route.c)
        int fd = sock(Socket.SOCK_DGRAM);
        int[][] tosPrio = {{0x90, 6}, {0x08, 2}, {0x18, 4}, {0xa0, 0}, {0x12, 6}};
        for (int[] tp : tosPrio) {
            net.setsockopt(t, fd, Sockopts.SOL_IP, Sockopts.IP_TOS, Sockopts.intBytes(tp[0]));
            assertEquals(tp[1], getInt(fd, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY), "tos 0x" + Integer.toHexString(tp[0]));
        }
        net.setsockopt(t, fd, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, Sockopts.intBytes(3));
        net.setsockopt(t, fd, Sockopts.SOL_IP, Sockopts.IP_TOS, Sockopts.intBytes(0x12));   // unchanged TOS: priority stays
        assertEquals(3, getInt(fd, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY));
    }

    @Test
    void tcpKeepsItsEcnBits() {
        int tcp = sock(Socket.SOCK_STREAM);
        net.setsockopt(t, tcp, Sockopts.SOL_IP, Sockopts.IP_TOS, Sockopts.intBytes(0x93));
        assertEquals(0x90, getInt(tcp, Sockopts.SOL_IP, Sockopts.IP_TOS));
        int udp = sock(Socket.SOCK_DGRAM);
        net.setsockopt(t, udp, Sockopts.SOL_IP, Sockopts.IP_TOS, Sockopts.intBytes(0x93));
        assertEquals(0x93, getInt(udp, Sockopts.SOL_IP, Sockopts.IP_TOS));
        net.setsockopt(t, udp, Sockopts.SOL_IP, Sockopts.IP_TOS, new byte[] {7, 0});   // a short optlen is one byte
        assertEquals(7, getInt(udp, Sockopts.SOL_IP, Sockopts.IP_TOS));
    }

    @Test
    void shortOptlenIsNoErrorOnGet() {   // sk_getsockopt: min(len, sizeof(int)); do_ip_getsockopt: one byte
        int fd = sock(Socket.SOCK_STREAM);
        net.setsockopt(t, fd, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, Sockopts.intBytes(3));
        assertArrayEquals(new byte[] {3, 0}, net.getsockopt(t, fd, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, 2));
        assertArrayEquals(new byte[0], net.getsockopt(t, fd, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, 0));
        assertArrayEquals(new byte[] {64}, net.getsockopt(t, fd, Sockopts.SOL_IP, Sockopts.IP_TTL, 3));
        assertArrayEquals(new byte[] {0, 0}, net.getsockopt(t, fd, Sockopts.SOL_TCP, Sockopts.TCP_NODELAY, 2));
        assertEquals(Errno.EINVAL, assertThrows(BpfException.class,
                () -> net.getsockopt(t, fd, Sockopts.SOL_SOCKET, Sockopts.SO_PRIORITY, -1)).errno());
    }

    @Test
    void unknownLevelIsEopnotsuppOnGetEnoprotooptOnSet() {   // do_ip_getsockopt / do_ip_setsockopt
        for (int type : new int[] {Socket.SOCK_STREAM, Socket.SOCK_DGRAM}) {
            int fd = sock(type);
            assertEquals(Errno.EOPNOTSUPP, assertThrows(BpfException.class,
                    () -> net.getsockopt(t, fd, 0xdeadbeef, 1, 4)).errno());
            assertEquals(Errno.ENOPROTOOPT, assertThrows(BpfException.class,
                    () -> net.setsockopt(t, fd, 0xdeadbeef, 1, Sockopts.intBytes(1))).errno());
            assertEquals(Errno.ENOPROTOOPT, assertThrows(BpfException.class,
                    () -> net.getsockopt(t, fd, Sockopts.SOL_SOCKET, 9999, 4)).errno());
        }
        int udp = sock(Socket.SOCK_DGRAM);
        assertEquals(Errno.EOPNOTSUPP, assertThrows(BpfException.class,
                () -> net.getsockopt(t, udp, Sockopts.SOL_TCP, Sockopts.TCP_NODELAY, 4)).errno(), "udp hands SOL_TCP to ip_getsockopt");
        int v6 = net.socket(t, SockAddr.AF_INET6, Socket.SOCK_DGRAM, 0);
        assertEquals(Errno.ENOPROTOOPT, assertThrows(BpfException.class,
                () -> net.getsockopt(t, v6, 0xdeadbeef, 1, 4)).errno(), "ipv6_getsockopt says ENOPROTOOPT");
    }
}
