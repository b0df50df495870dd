package org.ebpf4j.kernel.net;

import java.util.Arrays;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * A {@code struct sockaddr_in} / {@code sockaddr_in6}: family, address bytes (4 or 16, network
 * order) and port (host order). Immutable; {@link #parse} reads "127.0.0.1:80", "[::1]:80",
 * "0.0.0.0:0" and "[::]:0".
 */
public record SockAddr(int family, byte[] addr, int port) {
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public SockAddr {
        if (family != AF_INET && family != AF_INET6) {
            throw new IllegalArgumentException("address family " + family + " is neither AF_INET nor AF_INET6");
        }
        int want = family == AF_INET ? 4 : 16;
        if (addr == null || addr.length != want) {
            throw new IllegalArgumentException("family " + family + " needs a " + want + "-byte address");
        }
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port " + port + " out of 0..65535");
        }
        addr = addr.clone();
    }

    @Override
    public byte[] addr() { return addr.clone(); }

    /** The wildcard address of {@code family} with port 0 ({@code INADDR_ANY}, {@code in6addr_any}). */
    public static SockAddr any(int family) { return new SockAddr(family, new byte[family == AF_INET ? 4 : 16], 0); }

    public SockAddr withPort(int p) { return new SockAddr(family, addr, p); }

    public SockAddr withAddr(byte[] a) { return new SockAddr(family, a, port); }

    public boolean isWildcard() {
        for (byte b : addr) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** 127.0.0.0/8 or ::1: the addresses the loopback device owns. */
    public boolean isLoopback() {
        if (family == AF_INET) {
            return addr[0] == 127;
        }
        for (int i = 0; i < 15; i++) {
            if (addr[i] != 0) {
                return false;
            }
        }
        return addr[15] == 1;
    }

    /** The IPv4 address as the big-endian int the network carries. */
    public int ip4() {
        return (addr[0] & 0xff) << 24 | (addr[1] & 0xff) << 16 | (addr[2] & 0xff) << 8 | addr[3] & 0xff;
    }

    public boolean sameAddr(SockAddr o) { return family == o.family && Arrays.equals(addr, o.addr); }

    /**
     * Parses "A.B.C.D:PORT" or "[IPV6]:PORT" (port optional: 0). Throws EINVAL naming the text.
     */
    public static SockAddr parse(String text) {
        String s = text.trim();
        try {
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                String host = s.substring(1, close);
                int port = close + 1 < s.length() ? Integer.parseInt(s.substring(close + 2)) : 0;
                return new SockAddr(AF_INET6, ip6(host), port);
            }
            int colon = s.lastIndexOf(':');
            String host = colon < 0 ? s : s.substring(0, colon);
            int port = colon < 0 ? 0 : Integer.parseInt(s.substring(colon + 1));
            String[] parts = host.split("\\.");
            if (parts.length != 4) {
                throw new IllegalArgumentException("not a dotted quad");
            }
            byte[] a = new byte[4];
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(parts[i]);
                if (v < 0 || v > 255) {
                    throw new IllegalArgumentException("octet " + v);
                }
                a[i] = (byte) v;
            }
            return new SockAddr(AF_INET, a, port);
        } catch (RuntimeException e) {
            throw new BpfException(Errno.EINVAL, "address '" + text + "' is not A.B.C.D:PORT or [IPV6]:PORT ("
                    + e.getMessage() + ")");
        }
    }

    private static byte[] ip6(String host) {
        byte[] out = new byte[16];
        int dbl = host.indexOf("::");
        String[] head = dbl < 0 ? host.split(":") : host.substring(0, dbl).isEmpty() ? new String[0] : host.substring(0, dbl).split(":");
        String[] tail = dbl < 0 ? new String[0] : host.substring(dbl + 2).isEmpty() ? new String[0] : host.substring(dbl + 2).split(":");
        if (dbl < 0 && head.length != 8 || head.length + tail.length > 8) {
            throw new IllegalArgumentException("bad IPv6 address");
        }
        for (int i = 0; i < head.length; i++) {
            int v = Integer.parseInt(head[i], 16);
            out[2 * i] = (byte) (v >> 8);
            out[2 * i + 1] = (byte) v;
        }
        for (int i = 0; i < tail.length; i++) {
            int v = Integer.parseInt(tail[i], 16);
            int at = 16 - 2 * (tail.length - i);
            out[at] = (byte) (v >> 8);
            out[at + 1] = (byte) v;
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SockAddr s && s.family == family && s.port == port && Arrays.equals(s.addr, addr);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(addr) * 31 + port * 7 + family; }

    @Override
    public String toString() {
        if (family == AF_INET) {
            return (addr[0] & 0xff) + "." + (addr[1] & 0xff) + "." + (addr[2] & 0xff) + "." + (addr[3] & 0xff) + ":" + port;
        }
        StringBuilder b = new StringBuilder("[");
        if (isWildcard()) {
            b.append("::");
        } else if (isLoopback()) {
            b.append("::1");
        } else {
            for (int i = 0; i < 8; i++) {
                if (i > 0) {
                    b.append(':');
                }
                b.append(Integer.toHexString((addr[2 * i] & 0xff) << 8 | addr[2 * i + 1] & 0xff));
            }
        }
        return b.append("]:").append(port).toString();
    }
}
