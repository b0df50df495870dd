package org.ebpf4j.kernel.net.diag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * Netlink numbers and the decoding side of the wire format (include/uapi/linux/netlink.h,
 * include/net/netlink.h): a byte run splits into {@link Msg}s ({@code NLMSG_OK}/{@code
 * NLMSG_NEXT}), a payload's tail into {@link Attr}s ({@code nla_for_each_attr}). Encoding is
 * {@link NlBuf}.
 */
public final class Netlink {
    private Netlink() {}

    public static final int AF_NETLINK = 16;
    public static final int NETLINK_SOCK_DIAG = 4;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_DGRAM = 2;

    public static final int NLMSG_HDRLEN = 16;
    public static final int NLA_HDRLEN = 4;
    public static final int NLMSG_NOOP = 1;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    /** Types below this are control messages ({@code NLMSG_MIN_TYPE}). */
    public static final int NLMSG_MIN_TYPE = 0x10;

    public static final int NLM_F_REQUEST = 0x01;
    public static final int NLM_F_MULTI = 0x02;
    public static final int NLM_F_ACK = 0x04;
    public static final int NLM_F_ROOT = 0x100;
    public static final int NLM_F_MATCH = 0x200;
    public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;

    public static final int NLA_F_NESTED = 0x8000;
    public static final int NLA_F_NET_BYTEORDER = 0x4000;
    public static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

    /** recvmsg flags. */
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_TRUNC = 0x20;

    /** {@code NLMSG_ALIGN}/{@code NLA_ALIGN}: 4 bytes. */
    public static int align(int n) { return (n + 3) & ~3; }

    /** One message: header fields and the payload after the header ({@code nlmsg_data}, {@code nlmsg_len} bytes). */
    public record Msg(int type, int flags, int seq, int pid, byte[] payload) {
        /** The errno of an NLMSG_ERROR (0 for an ack), or of NLMSG_DONE's int; 0 otherwise. */
        public int error() {
            if ((type == NLMSG_ERROR || type == NLMSG_DONE) && payload.length >= 4) {
                return -le().getInt(0);
            }
            return 0;
        }

        /** The payload as a little-endian buffer. */
        public ByteBuffer le() { return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN); }
    }

    /** One attribute: its type without the flag bits, whether NLA_F_NESTED was set, the payload ({@code nla_len} - 4 bytes). */
    public record Attr(int type, boolean nested, byte[] data) {
        public int u8() { return data[0] & 0xff; }

        public int u16() { return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getShort(0) & 0xffff; }

        public int u32() { return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getInt(0); }

        public long u64() { return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getLong(0); }

        /** The attributes inside this one (a nest). */
        public List<Attr> nestedAttrs() { return attrs(data, 0, data.length); }
    }

    /**
     * Splits {@code buf} into messages as {@code NLMSG_OK}/{@code NLMSG_NEXT} walk it: stops at
     * the first header whose length is below 16 or beyond the data. Throws EINVAL if bytes
     * remain that are not a whole message (e.g. a datagram read with too small a buffer).
     */
    public static List<Msg> messages(byte[] buf, int length) {
        List<Msg> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(buf, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        int off = 0;
        while (length - off >= NLMSG_HDRLEN) {
            int len = b.getInt(off);
            if (len < NLMSG_HDRLEN || len > length - off) {
                break;
            }
            byte[] payload = new byte[len - NLMSG_HDRLEN];
            System.arraycopy(buf, off + NLMSG_HDRLEN, payload, 0, payload.length);
            out.add(new Msg(b.getShort(off + 4) & 0xffff, b.getShort(off + 6) & 0xffff, b.getInt(off + 8), b.getInt(off + 12), payload));
            off += align(len);
        }
        if (off < length) {
            throw new BpfException(Errno.EINVAL, "netlink: " + (length - off) + " trailing bytes are not a message");
        }
        return out;
    }

    /**
     * {@code nla_for_each_attr} over {@code buf[off, off+len)}: stops at the first attribute whose
     * length is below 4 or beyond the remaining bytes ({@code nla_ok}).
     */
    public static List<Attr> attrs(byte[] buf, int off, int len) {
        List<Attr> out = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        int end = off + len;
        while (end - off >= NLA_HDRLEN) {
            int alen = b.getShort(off) & 0xffff;
            int type = b.getShort(off + 2) & 0xffff;
            if (alen < NLA_HDRLEN || alen > end - off) {
                break;
            }
            byte[] d = new byte[alen - NLA_HDRLEN];
            System.arraycopy(buf, off + NLA_HDRLEN, d, 0, d.length);
            out.add(new Attr(type & NLA_TYPE_MASK, (type & NLA_F_NESTED) != 0, d));
            off += align(alen);
        }
        return out;
    }
}
