package org.ebpf4j.kernel.net;

import java.util.Arrays;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The socket's own setsockopt/getsockopt handling for the options below (net/core/sock.c
 * {@code sk_setsockopt}/{@code sk_getsockopt}, net/ipv4/tcp.c, ip_sockglue.c): what runs after
 * (set) or before (get) the cgroup chains, which live in
 * {@link org.ebpf4j.kernel.cgroup.SockoptHooks} (spec §5.3); also what bpf_setsockopt /
 * bpf_getsockopt reach. Options are kept as bytes per (level, optname); unknown ones answer
 * ENOPROTOOPT.
 */
final class Sockopts {
    static final int SOL_SOCKET = 1;
    static final int SOL_IP = 0;
    static final int SOL_TCP = 6;
    static final int SOL_UDP = 17;
    static final int SO_REUSEADDR = 2;
    static final int SO_TYPE = 3;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_PRIORITY = 12;
    static final int SO_REUSEPORT = 15;
    static final int SO_MARK = 36;
    static final int SO_PROTOCOL = 38;
    static final int SO_DOMAIN = 39;
    static final int IP_TOS = 1;
    static final int IP_TTL = 2;
    static final int TCP_NODELAY = 1;
    static final int TCP_MAXSEG = 2;
    static final int TCP_CONGESTION = 13;
    static final int TCP_CA_NAME_MAX = 16;

    static long key(int level, int optname) { return (long) level << 32 | (optname & 0xffffffffL); }

    static boolean reusePort(Socket s) {
        byte[] v = s.options.get(key(SOL_SOCKET, SO_REUSEPORT));
        return v != null && intOf(v) != 0;
    }

    /** Linux 6.18's defaults as the model answers SO_RCVBUF/SO_SNDBUF before a setsockopt. */
    static final int DEFAULT_RCVBUF = 131072, DEFAULT_SNDBUF = 16384;

    /** {@code sk->sk_rcvbuf}: what SO_RCVBUF set (doubled), else the default. */
    static int rcvbuf(Socket s) {
        byte[] v = s.options.get(key(SOL_SOCKET, SO_RCVBUF));
        return v == null ? DEFAULT_RCVBUF : intOf(v);
    }

    /** {@code sk->sk_sndbuf}: what SO_SNDBUF set (doubled), else the default. */
    static int sndbuf(Socket s) {
        byte[] v = s.options.get(key(SOL_SOCKET, SO_SNDBUF));
        return v == null ? DEFAULT_SNDBUF : intOf(v);
    }

    // ---- the socket's own handlers (sk_setsockopt / sk_getsockopt and the protocols') ----

    /** The kernel's handler; returns normally or throws the errno Linux gives. */
    void kernelSet(Socket s, Task task, int level, int optname, byte[] v) {
        String what = "setsockopt(" + level + ", " + optname + ")";
        switch (level) {
            case SOL_SOCKET -> {
                requireInt(v, what);
                switch (optname) {
                    case SO_MARK -> {
                        if (task != null && !task.capable(Cap.NET_ADMIN)) {   // bpf_setsockopt (task null) checks no capability
                            throw new BpfException(Errno.EPERM, "SO_MARK needs CAP_NET_ADMIN");
                        }
                        s.mark = intOf(v);
                    }
                    case SO_PRIORITY -> s.priority = intOf(v);
                    case SO_RCVBUF, SO_SNDBUF -> v = intBytes(Math.max(intOf(v), 1152) * 2);   // the kernel doubles it
                    case SO_REUSEADDR, SO_REUSEPORT -> v = intBytes(intOf(v) != 0 ? 1 : 0);
                    default -> throw new BpfException(Errno.ENOPROTOOPT, what + ": option not modelled");
                }
            }
            case SOL_IP -> {
                if (s.family != SockAddr.AF_INET || optname != IP_TOS && optname != IP_TTL) {
                    throw new BpfException(Errno.ENOPROTOOPT, what + ": option not modelled");
                }
                // do_ip_setsockopt: an int when optlen >= 4, else one byte (0 with optlen 0)
                int val = v.length >= 4 ? intOf(v) : v.length >= 1 ? v[0] & 0xff : 0;
                if (optname == IP_TTL) {
                    if (v.length < 1 || val != -1 && (val < 1 || val > 255)) {
                        throw new BpfException(Errno.EINVAL, what + ": IP_TTL " + val + " (1..255, or -1)");
                    }
                } else {
                    val = setTos(s, val);
                }
                v = intBytes(val);
            }
            case SOL_TCP -> {
                if (s.type != Socket.SOCK_STREAM) {
                    throw new BpfException(Errno.ENOPROTOOPT, what + " on a UDP socket");
                }
                switch (optname) {
                    case TCP_NODELAY, TCP_MAXSEG -> requireInt(v, what);
                    case TCP_CONGESTION -> {
                        String name = cString(v);
                        if (!name.equals("cubic") && !name.equals("reno")) {
                            throw new BpfException(Errno.ENOENT, "TCP_CONGESTION " + name + ": not available (cubic, reno)");
                        }
                        v = Arrays.copyOf(name.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), TCP_CA_NAME_MAX);
                    }
                    default -> throw new BpfException(Errno.ENOPROTOOPT, what + ": option not modelled");
                }
            }
            default -> throw new BpfException(Errno.ENOPROTOOPT, what + ": level not modelled");
        }
        s.options.put(key(level, optname), v.clone());
        s.net.syncSock(s);   // sk_mark, sk_priority, sk_rcvbuf ... as BTF-typed programs read them
    }

    /**
     * The kernel's getsockopt handler for {@code optlen} bytes of buffer: the value cut to what
     * fits (min(optlen, 4) bytes of an int, 0 included; SOL_IP answers a short buffer with one
     * byte), or the errno Linux gives (EINVAL for optlen < 0, ENOPROTOOPT).
     */
    byte[] kernelGet(Socket s, int level, int optname, int optlen) {
        String what = "getsockopt(" + level + ", " + optname + ")";
        byte[] v;
        if (level == SOL_SOCKET) {
            v = switch (optname) {
                case SO_TYPE -> intBytes(s.type);
                case SO_PROTOCOL -> intBytes(s.protocol);
                case SO_DOMAIN -> intBytes(s.family);
                case SO_MARK -> intBytes(s.mark);
                case SO_PRIORITY -> intBytes(s.priority);
                case SO_RCVBUF -> intBytes(rcvbuf(s));
                case SO_SNDBUF -> intBytes(sndbuf(s));
                case SO_REUSEADDR, SO_REUSEPORT -> s.options.getOrDefault(key(level, optname), intBytes(0));
                default -> throw new BpfException(Errno.ENOPROTOOPT, what + ": option not modelled");
            };
        } else if (level == SOL_TCP && s.type == Socket.SOCK_STREAM) {
            v = switch (optname) {
                case TCP_NODELAY -> s.options.getOrDefault(key(level, optname), intBytes(0));
                case TCP_MAXSEG -> s.options.getOrDefault(key(level, optname), intBytes(536));
                case TCP_CONGESTION -> s.options.getOrDefault(key(level, optname),
                        Arrays.copyOf("cubic".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), TCP_CA_NAME_MAX));
                default -> throw new BpfException(Errno.ENOPROTOOPT, what + ": option not modelled");
            };
        } else if (level == SOL_IP && s.family == SockAddr.AF_INET && (optname == IP_TOS || optname == IP_TTL)) {
            v = s.options.getOrDefault(key(level, optname), intBytes(optname == IP_TTL ? 64 : 0));
        } else if (s.family == SockAddr.AF_INET && level != SOL_IP && level != SOL_SOCKET
                && !(level == SOL_TCP && s.type == Socket.SOCK_STREAM) && !(level == SOL_UDP && s.type == Socket.SOCK_DGRAM)) {
            // tcp_getsockopt/udp_getsockopt hand other levels to ip_getsockopt, whose
            // do_ip_getsockopt answers EOPNOTSUPP for a level not SOL_IP (setsockopt: ENOPROTOOPT)
            throw new BpfException(Errno.EOPNOTSUPP, what + ": level " + level + " is not SOL_IP");
        } else {
            throw new BpfException(Errno.ENOPROTOOPT, what + ": not modelled");
        }
        if (optname == TCP_CONGESTION && level == SOL_TCP) {
            return Arrays.copyOf(v, Math.min(optlen, TCP_CA_NAME_MAX));
        }
        if (optlen < 0) {   // sk_getsockopt, do_tcp_getsockopt, do_ip_getsockopt: len < 0 is EINVAL
            throw new BpfException(Errno.EINVAL, what + ": optlen " + optlen + " < 0");
        }
        if (level == SOL_IP && optlen > 0 && optlen < 4 && intOf(v) >= 0 && intOf(v) <= 255) {
            return new byte[] {v[0]};   // do_ip_getsockopt: a short buffer gets the value as one byte
        }
        return Arrays.copyOf(v, Math.min(optlen, 4));   // else min(len, sizeof(int)) bytes, 0 included
    }

    /** ip_tos2prio (net/ipv4/route.c) indexed by IPTOS_TOS(tos) >> 1: what rt_tos2priority gives. */
    private static final int[] TOS2PRIO = {0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4};

    /**
     * __ip_sock_set_tos (net/ipv4/ip_sockglue.c): a TCP socket keeps its own ECN bits; a changed
     * TOS also sets sk_priority to rt_tos2priority(tos). Returns the TOS stored.
     */
    private static int setTos(Socket s, int val) {
        byte[] cur = s.options.get(key(SOL_IP, IP_TOS));
        int old = cur == null ? 0 : intOf(cur) & 0xff;
        if (s.type == Socket.SOCK_STREAM) {
            val = val & ~3 | old & 3;   // INET_ECN_MASK
        }
        val &= 0xff;   // inet->tos is a u8
        if (val != old) {
            s.priority = TOS2PRIO[(val & 0x1e) >> 1];
        }
        return val;
    }

    private static void requireInt(byte[] v, String what) {
        if (v.length < 4) {
            throw new BpfException(Errno.EINVAL, what + ": optlen " + v.length + " < sizeof(int)");
        }
    }

    static int intOf(byte[] v) { return v[0] & 0xff | (v[1] & 0xff) << 8 | (v[2] & 0xff) << 16 | (v[3] & 0xff) << 24; }

    static byte[] intBytes(int x) { return new byte[] {(byte) x, (byte) (x >> 8), (byte) (x >> 16), (byte) (x >> 24)}; }

    private static String cString(byte[] v) {
        int n = 0;
        while (n < v.length && v[n] != 0) {
            n++;
        }
        return new String(v, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
