package org.ebpf4j.kernel.net.diag;

import java.util.Arrays;

/**
 * A netlink message buffer with a fixed capacity: the kernel's {@code sk_buff} as the netlink
 * put helpers see it (include/net/netlink.h: {@code nlmsg_put}, {@code nla_put},
 * {@code nla_nest_start}/{@code _end}/{@code _cancel}, {@code nla_reserve_64bit}), also used by
 * userspace code to build requests. Every put either fits whole or leaves the buffer untouched
 * and answers false (the kernel's -EMSGSIZE), so callers can cancel and retry with more room.
 *
 * <p>Byte order is the host's (little-endian x86_64), as netlink's is. Headers: {@code struct
 * nlmsghdr} (16 bytes: len u32, type u16, flags u16, seq u32, pid u32) and {@code struct nlattr}
 * (4 bytes: len u16, type u16); both padded to 4 bytes ({@code NLMSG_ALIGN}, {@code NLA_ALIGN}).
 */
public final class NlBuf {
    private byte[] data;
    private int len;
    private int capacity;

    /** An empty buffer that holds at most {@code capacity} bytes. */
    public NlBuf(int capacity) {
        this.capacity = capacity;
        this.data = new byte[Math.min(capacity, 4096)];
    }

    /** A buffer without a practical limit (requests built by userspace). */
    public static NlBuf unbounded() { return new NlBuf(Integer.MAX_VALUE); }

    /** {@code skb->len}. */
    public int len() { return len; }

    /** The room the buffer may still take ({@code skb_tailroom}). */
    public int tailroom() { return capacity - len; }

    public int capacity() { return capacity; }

    /** {@code pskb_expand_head(skb, 0, extra)}: more tail room. */
    public void expand(int extra) { capacity = (int) Math.min(Integer.MAX_VALUE, (long) capacity + extra); }

    /** The bytes written so far. */
    public byte[] bytes() { return Arrays.copyOf(data, len); }

    /** {@code skb_trim}: drops everything after {@code mark} (a {@link #len()} taken earlier). */
    public void trim(int mark) {
        Arrays.fill(data, mark, len, (byte) 0);
        len = mark;
    }

    private boolean room(int n) {
        if (n < 0 || n > tailroom()) {
            return false;
        }
        if (len + n > data.length) {
            data = Arrays.copyOf(data, (int) Math.min(capacity, Math.max((long) data.length * 2, (long) len + n)));
        }
        return true;
    }

    /**
     * {@code nlmsg_put}: a message header with room for a zeroed {@code payload}-byte fixed part.
     * Returns the message's start (for {@link #nlmsgEnd}/{@link #trim}), or -1 if it does not fit.
     */
    public int nlmsgPut(int pid, int seq, int type, int payload, int flags) {
        int size = Netlink.align(Netlink.NLMSG_HDRLEN + payload);
        if (!room(size)) {
            return -1;
        }
        int at = len;
        len += size;
        putU32At(at, Netlink.NLMSG_HDRLEN + payload);
        putU16At(at + 4, type);
        putU16At(at + 6, flags);
        putU32At(at + 8, seq);
        putU32At(at + 12, pid);
        return at;
    }

    /** {@code nlmsg_end}: the message at {@code at} now spans up to the tail. */
    public void nlmsgEnd(int at) { putU32At(at, len - at); }

    /** {@code nla_put}: one attribute; false if it does not fit. */
    public boolean nlaPut(int type, byte[] value) {
        int at = nlaReserve(type, value.length);
        if (at < 0) {
            return false;
        }
        System.arraycopy(value, 0, data, at, value.length);
        return true;
    }

    /**
     * {@code nla_reserve}: an attribute of {@code size} zeroed payload bytes; returns the payload's
     * offset or -1. {@code nla_reserve_64bit} is the same on x86_64
     * ({@code CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS}: no {@code *_PAD} attribute is ever added,
     * as the kernel on this machine shows).
     */
    public int nlaReserve(int type, int size) {
        int total = Netlink.align(Netlink.NLA_HDRLEN + size);
        if (!room(total)) {
            return -1;
        }
        int at = len;
        len += total;
        putU16At(at, Netlink.NLA_HDRLEN + size);
        putU16At(at + 2, type);
        return at + Netlink.NLA_HDRLEN;
    }

    public boolean putU8(int type, int v) { return nlaPut(type, new byte[] {(byte) v}); }

    public boolean putU16(int type, int v) { return nlaPut(type, new byte[] {(byte) v, (byte) (v >>> 8)}); }

    public boolean putU32(int type, int v) {
        return nlaPut(type, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
    }

    /** {@code nla_put_u64_64bit} (no pad on x86_64, see {@link #nlaReserve}). */
    public boolean putU64(int type, long v) {
        int at = nlaReserve(type, 8);
        if (at < 0) {
            return false;
        }
        putU32At(at, (int) v);
        putU32At(at + 4, (int) (v >>> 32));
        return true;
    }

    /** {@code nla_nest_start}: a nest header (type | NLA_F_NESTED); its offset, or -1. */
    public int nestStart(int type) {
        if (!room(Netlink.NLA_HDRLEN)) {
            return -1;
        }
        int at = len;
        len += Netlink.NLA_HDRLEN;
        putU16At(at + 2, type | Netlink.NLA_F_NESTED);
        return at;
    }

    /** {@code nla_nest_end}: the nest at {@code at} spans up to the tail. */
    public void nestEnd(int at) { putU16At(at, len - at); }

    /** {@code nla_nest_cancel}: drops the nest at {@code at} and all after it. */
    public void nestCancel(int at) { trim(at); }

    /** Raw bytes appended as they are (a request's fixed part); false if they do not fit. */
    public boolean putRaw(byte[] b) {
        if (!room(b.length)) {
            return false;
        }
        System.arraycopy(b, 0, data, len, b.length);
        len += b.length;
        return true;
    }

    /** Overwrites 4 bytes at {@code at} (which must have been written). */
    public void putU32At(int at, int v) {
        data[at] = (byte) v;
        data[at + 1] = (byte) (v >>> 8);
        data[at + 2] = (byte) (v >>> 16);
        data[at + 3] = (byte) (v >>> 24);
    }

    private void putU16At(int at, int v) {
        data[at] = (byte) v;
        data[at + 1] = (byte) (v >>> 8);
    }

    /** Writes {@code b} over already reserved bytes at {@code at}. */
    public void write(int at, byte[] b) { System.arraycopy(b, 0, data, at, b.length); }
}
