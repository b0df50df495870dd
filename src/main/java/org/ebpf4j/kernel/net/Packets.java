package org.ebpf4j.kernel.net;

/**
 * Builds the bytes a hook sees at {@code skb->data}: the network header onward, as
 * cgroup_skb programs see it ({@code __cgroup_bpf_run_filter_skb} pulls data to the network
 * header). IPv4 (20 bytes, DF, TTL 64, header checksum) or IPv6 (40 bytes, hop limit 64); UDP
 * (8 bytes, checksum left 0: loopback is CHECKSUM_PARTIAL) or TCP with the options Linux puts on
 * loopback by default (SYN/SYN-ACK: MSS, SACK-permitted, timestamps, window scale = 20 bytes;
 * others: NOP NOP timestamps = 12 bytes). net/ipv4/ip_output.c, tcp_output.c.
 */
final class Packets {
    private Packets() {}

    static final int TCP_FIN = 0x01;
    static final int TCP_SYN = 0x02;
    static final int TCP_RST = 0x04;
    static final int TCP_PSH = 0x08;
    static final int TCP_ACK = 0x10;

    static byte[] udp(SockAddr src, SockAddr dst, byte[] payload) {
        byte[] l4 = new byte[8 + payload.length];
        put16(l4, 0, src.port());
        put16(l4, 2, dst.port());
        put16(l4, 4, l4.length);
        System.arraycopy(payload, 0, l4, 8, payload.length);
        return ip(src, dst, Socket.IPPROTO_UDP, l4);
    }

    static byte[] tcp(SockAddr src, SockAddr dst, long seq, long ack, int flags, byte[] payload) {
        boolean syn = (flags & TCP_SYN) != 0;
        int optLen = syn ? 20 : 12;
        int hl = 20 + optLen;
        byte[] l4 = new byte[hl + payload.length];
        put16(l4, 0, src.port());
        put16(l4, 2, dst.port());
        put32(l4, 4, seq);
        put32(l4, 8, ack);
        l4[12] = (byte) ((hl / 4) << 4);
        l4[13] = (byte) flags;
        put16(l4, 14, 65483);   // window on loopback before scaling
        int o = 20;
        if (syn) {
            l4[o++] = 2; l4[o++] = 4; put16(l4, o, src.family() == SockAddr.AF_INET ? 65495 : 65476); o += 2;
            l4[o++] = 4; l4[o++] = 2;                         // SACK permitted
            l4[o++] = 8; l4[o++] = 10; o += 8;                // timestamps
            l4[o++] = 1; l4[o++] = 3; l4[o++] = 3; l4[o++] = 7;  // NOP, window scale 7
        } else {
            l4[o++] = 1; l4[o++] = 1; l4[o++] = 8; l4[o++] = 10; o += 8;
        }
        System.arraycopy(payload, 0, l4, hl, payload.length);
        return ip(src, dst, Socket.IPPROTO_TCP, l4);
    }

    private static byte[] ip(SockAddr src, SockAddr dst, int proto, byte[] l4) {
        if (src.family() == SockAddr.AF_INET) {
            byte[] p = new byte[20 + l4.length];
            p[0] = 0x45;
            put16(p, 2, p.length);
            put16(p, 6, 0x4000);
            p[8] = 64;
            p[9] = (byte) proto;
            System.arraycopy(src.addr(), 0, p, 12, 4);
            System.arraycopy(dst.addr(), 0, p, 16, 4);
            put16(p, 10, checksum(p, 20));
            System.arraycopy(l4, 0, p, 20, l4.length);
            return p;
        }
        byte[] p = new byte[40 + l4.length];
        p[0] = 0x60;
        put16(p, 4, l4.length);
        p[6] = (byte) proto;
        p[7] = 64;
        System.arraycopy(src.addr(), 0, p, 8, 16);
        System.arraycopy(dst.addr(), 0, p, 24, 16);
        System.arraycopy(l4, 0, p, 40, l4.length);
        return p;
    }

    /** Length of the IP + L4 headers in front of the payload of {@code packet}. */
    static int headerLen(byte[] packet) {
        int ipLen = (packet[0] & 0xf0) == 0x40 ? 20 : 40;
        int proto = ipLen == 20 ? packet[9] : packet[6];
        return ipLen + (proto == Socket.IPPROTO_UDP ? 8 : ((packet[ipLen + 12] & 0xf0) >> 4) * 4);
    }

    private static int checksum(byte[] b, int len) {
        int sum = 0;
        for (int i = 0; i < len; i += 2) {
            sum += (b[i] & 0xff) << 8 | b[i + 1] & 0xff;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return ~sum & 0xffff;
    }

    static void put16(byte[] b, int at, int v) {
        b[at] = (byte) (v >> 8);
        b[at + 1] = (byte) v;
    }

    static void put32(byte[] b, int at, long v) {
        b[at] = (byte) (v >> 24);
        b[at + 1] = (byte) (v >> 16);
        b[at + 2] = (byte) (v >> 8);
        b[at + 3] = (byte) v;
    }
}
