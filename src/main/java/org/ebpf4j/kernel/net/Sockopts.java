package org.ebpf4j.kernel.net;

import java.util.Arrays;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * setsockopt/getsockopt: the cgroup chains of spec §5.3 ({@code __cgroup_bpf_run_filter_setsockopt}
 * / {@code _getsockopt}, kernel/bpf/cgroup.c) around a small kernel handler for the options
 * below (net/core/sock.c {@code sk_setsockopt}, net/ipv4/tcp.c, ip_sockglue.c). Options are
 * kept as bytes per (level, optname); unknown ones answer ENOPROTOOPT.
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
    static final int PAGE_SIZE = 4096;

    private final Net net;
    private final SockHooks hooks;

    Sockopts(Net net, SockHooks hooks) {
        this.net = net;
        this.hooks = hooks;
    }

    static long key(int level, int optname) { return (long) level << 32 | (optname & 0xffffffffL); }

    static boolean reusePort(Socket s) {
        byte[] v = s.options.get(key(SOL_SOCKET, SO_REUSEPORT));
        return v != null && intOf(v) != 0;
    }

    // ---- setsockopt ----

    void set(Socket s, Task task, int level, int optname, byte[] optval) {
        if (!s.cgroup.effective(CgroupHook.SETSOCKOPT).isEmpty()) {
            Arena a = net.arena();
            int optlen = optval.length;
            int max = Math.min(Math.max(16, optlen), PAGE_SIZE);
            long buf = a.alloc(max);
            long ctx = a.alloc(SockLayouts.Sockopt.SIZE);
            try {
                a.fill(buf, max, (byte) 0);
                a.copyIn(buf, optval, 0, Math.min(optlen, max));
                fill(a, ctx, s, buf, max, level, optname, optlen, 0);
                CgRunCtx rc = new CgRunCtx(0);
                int ret = hooks.run(CgroupHook.SETSOCKOPT, s, task, ctx, rc, null);
                if (ret < 0) {
                    throw new BpfException(Net.errno(ret), "setsockopt(" + level + ", " + optname + "): refused by a cgroup/setsockopt program");
                }
                if (ret > 0) {
                    return;   // bypass
                }
                int newLen = (int) a.load32(ctx + SockLayouts.Sockopt.OPTLEN);
                if (newLen == -1) {
                    return;   // the program handled it: kernel handler skipped
                }
                if (newLen > max || newLen < -1) {
                    if (!(optlen > PAGE_SIZE && newLen >= 0)) {
                        throw new BpfException(Errno.EFAULT, "setsockopt: program set optlen " + newLen + " beyond " + max);
                    }
                } else {
                    level = (int) a.load32(ctx + SockLayouts.Sockopt.LEVEL);
                    optname = (int) a.load32(ctx + SockLayouts.Sockopt.OPTNAME);
                    if (newLen != 0) {
                        optval = a.copyOut(buf, newLen);
                    }
                }
            } finally {
                a.free(ctx, SockLayouts.Sockopt.SIZE);
                a.free(buf, max);
            }
        }
        kernelSet(s, task, level, optname, optval);
    }

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
    }

    // ---- getsockopt ----

    byte[] get(Socket s, Task task, int level, int optname, int optlen) {
        if (optlen < 0) {
            throw new BpfException(Errno.EINVAL, "getsockopt: optlen " + optlen + " < 0");
        }
        byte[] kv;
        int kret;
        try {
            kv = kernelGet(s, level, optname, optlen);
            kret = 0;
        } catch (BpfException e) {
            kv = null;
            kret = -e.errno().value();
            if (s.cgroup.effective(CgroupHook.GETSOCKOPT).isEmpty()) {
                throw e;
            }
        }
        if (s.cgroup.effective(CgroupHook.GETSOCKOPT).isEmpty()) {
            return kv;
        }
        Arena a = net.arena();
        int size = Math.max(1, Math.min(optlen, PAGE_SIZE));
        long buf = a.alloc(size);
        long ctx = a.alloc(SockLayouts.Sockopt.SIZE);
        try {
            a.fill(buf, size, (byte) 0);
            int ctxLen = optlen;
            if (kv != null) {
                ctxLen = kv.length;
                a.copyIn(buf, kv, 0, Math.min(kv.length, size));
            }
            fill(a, ctx, s, buf, Math.min(optlen, PAGE_SIZE), level, optname, ctxLen, kret);
            CgRunCtx rc = new CgRunCtx(kret);
            int ret = hooks.run(CgroupHook.GETSOCKOPT, s, task, ctx, rc, null);
            int ctxRet = (int) a.load32(ctx + SockLayouts.Sockopt.RETVAL);
            if (ctxRet != kret && ret == kret) {
                ret = ctxRet;   // the program wrote ctx->retval
            }
            if (ret < 0) {
                throw new BpfException(Net.errno(ret), "getsockopt(" + level + ", " + optname + ") fails with " + ret
                        + (kret < 0 ? " (kernel said " + kret + ")" : " (set by a cgroup/getsockopt program)"));
            }
            int newLen = (int) a.load32(ctx + SockLayouts.Sockopt.OPTLEN);
            if (newLen > Math.min(optlen, PAGE_SIZE) || newLen < 0) {
                if (optlen > PAGE_SIZE && newLen >= 0) {
                    return kv;
                }
                throw new BpfException(Errno.EFAULT, "getsockopt: program set optlen " + newLen + " beyond " + optlen);
            }
            if (newLen != 0) {
                return a.copyOut(buf, newLen);
            }
            return kv != null ? kv : new byte[0];
        } finally {
            a.free(ctx, SockLayouts.Sockopt.SIZE);
            a.free(buf, size);
        }
    }

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
                case SO_RCVBUF -> s.options.getOrDefault(key(level, optname), intBytes(131072));
                case SO_SNDBUF -> s.options.getOrDefault(key(level, optname), intBytes(16384));
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

    private void fill(Arena a, long ctx, Socket s, long buf, int max, int level, int optname, int optlen, int retval) {
        hooks.syncMirror(s);
        a.fill(ctx, SockLayouts.Sockopt.SIZE, (byte) 0);
        a.store64(ctx + SockLayouts.Sockopt.SK, s.mirror);
        a.store64(ctx + SockLayouts.Sockopt.OPTVAL, buf);
        a.store64(ctx + SockLayouts.Sockopt.OPTVAL_END, buf + max);
        a.store32(ctx + SockLayouts.Sockopt.LEVEL, level);
        a.store32(ctx + SockLayouts.Sockopt.OPTNAME, optname);
        a.store32(ctx + SockLayouts.Sockopt.OPTLEN, optlen);
        a.store32(ctx + SockLayouts.Sockopt.RETVAL, retval);
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
