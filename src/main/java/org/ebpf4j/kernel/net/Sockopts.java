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
                requireInt(v, what);
                if (s.family != SockAddr.AF_INET || optname != IP_TOS && optname != IP_TTL) {
                    throw new BpfException(Errno.ENOPROTOOPT, what + ": option not modelled");
                }
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
     * fits, or the errno Linux gives (EINVAL for an int option with optlen < 4, ENOPROTOOPT).
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
        } else {
            throw new BpfException(Errno.ENOPROTOOPT, what + ": not modelled");
        }
        if (optname == TCP_CONGESTION && level == SOL_TCP) {
            return Arrays.copyOf(v, Math.min(optlen, TCP_CA_NAME_MAX));
        }
        if (optlen < 4 && optlen != 1) {   // sk_getsockopt: len < 0 EINVAL, ints need 4 (or 1 for IP byte options)
            throw new BpfException(Errno.EINVAL, what + ": optlen " + optlen + " is too small for an int");
        }
        return Arrays.copyOf(v, Math.min(optlen, 4));
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
