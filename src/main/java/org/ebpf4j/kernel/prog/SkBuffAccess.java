package org.ebpf4j.kernel.prog;

import static org.ebpf4j.memory.SkBuffLayout.*;

/**
 * {@code struct __sk_buff} access rules, net/core/filter.c: {@code bpf_skb_is_valid_access} shared
 * by every skb program type, with each type's own filter in front of it
 * ({@code sk_filter_is_valid_access}, {@code tc_cls_act_is_valid_access},
 * {@code cg_skb_is_valid_access}, {@code lwt_is_valid_access}). The loader runs as root, so the
 * CAP_BPF-gated fields (cgroup_skb data/data_end, tstamp writes) are allowed.
 *
 * <p>Rewrites: {@code data}, {@code data_end}, {@code data_meta} move to the 64-bit kernel side
 * of {@link org.ebpf4j.memory.SkBuffLayout}; everything else is read where the UAPI struct has it.
 */
final class SkBuffAccess implements CtxAccess {

    /** Which type's filter runs before {@code bpf_skb_is_valid_access}. */
    enum Flavor { SOCKET_FILTER, TC, CGROUP_SKB, LWT, SK_SKB, FLOW_DISSECTOR }

    private final Flavor flavor;

    SkBuffAccess(Flavor flavor) { this.flavor = flavor; }

    @Override
    public int ctxSize() { return SIZE; }

    private static boolean in(int off, int field, int len) { return off >= field && off < field + len; }

    @Override
    public Access check(int off, int size, boolean write) {
        if (!typeAllows(off, size, write)) {
            return null;
        }
        if (!skbAllows(off, size, write)) {
            return null;
        }
        if (off == DATA) {
            return new Access(KERN_DATA, 8);
        }
        if (off == DATA_END) {
            return new Access(KERN_DATA_END, 8);
        }
        if (off == DATA_META) {
            return new Access(KERN_DATA_META, 8);
        }
        return new Access(off, size);
    }

    private boolean typeAllows(int off, int size, boolean write) {
        switch (flavor) {
            case SOCKET_FILTER -> {
                if (in(off, TC_CLASSID, 4) || in(off, DATA, 4) || in(off, DATA_META, 4) || in(off, DATA_END, 4)
                        || (off >= FAMILY && off < LOCAL_PORT + 4) || in(off, TSTAMP, 8) || in(off, WIRE_LEN, 4)
                        || in(off, HWTSTAMP, 8)) {
                    return false;
                }
                return !write || in(off, CB, CB_SIZE);
            }
            case CGROUP_SKB -> {
                if (in(off, TC_CLASSID, 4) || in(off, DATA_META, 4) || in(off, WIRE_LEN, 4)) {
                    return false;
                }
                return !write || in(off, MARK, 4) || in(off, PRIORITY, 4) || in(off, CB, CB_SIZE) || in(off, TSTAMP, 8);
            }
            case TC -> {
                if (write && !(in(off, MARK, 4) || in(off, TC_INDEX, 4) || in(off, PRIORITY, 4)
                        || in(off, TC_CLASSID, 4) || in(off, CB, CB_SIZE) || in(off, TSTAMP, 8)
                        || in(off, QUEUE_MAPPING, 4))) {
                    return false;
                }
                return !(off >= FAMILY && off < LOCAL_PORT + 4);
            }
            case LWT -> {
                if (in(off, TC_CLASSID, 4) || (off >= FAMILY && off < LOCAL_PORT + 4) || in(off, DATA_META, 4)
                        || in(off, TSTAMP, 8) || in(off, WIRE_LEN, 4) || in(off, HWTSTAMP, 8)) {
                    return false;
                }
                return !write || in(off, MARK, 4) || in(off, PRIORITY, 4) || in(off, CB, CB_SIZE);
            }
            case SK_SKB -> {
                if (in(off, TC_CLASSID, 4) || in(off, DATA_META, 4) || in(off, TSTAMP, 8) || in(off, WIRE_LEN, 4)
                        || in(off, HWTSTAMP, 8)) {
                    return false;
                }
                return !write || in(off, TC_INDEX, 4) || in(off, PRIORITY, 4);
            }
            case FLOW_DISSECTOR -> {
                if (write) {
                    return false;
                }
                return in(off, DATA, 4) || in(off, DATA_END, 4) || in(off, FLOW_KEYS, 8);
            }
        }
        return false;
    }

    /** {@code bpf_skb_is_valid_access}. */
    private boolean skbAllows(int off, int size, boolean write) {
        if (off < 0 || off >= SIZE || off % size != 0) {
            return false;
        }
        if (in(off, CB, CB_SIZE)) {
            return off + size <= CB + CB_SIZE;
        }
        if (in(off, REMOTE_IP6, 16) || in(off, LOCAL_IP6, 16) || in(off, REMOTE_IP4, 4) || in(off, LOCAL_IP4, 4)
                || in(off, DATA, 4) || in(off, DATA_META, 4) || in(off, DATA_END, 4)) {
            return size == 4;
        }
        if (in(off, FLOW_KEYS, 8)) {
            return flavor == Flavor.FLOW_DISSECTOR && !write && size == 8 && off == FLOW_KEYS;
        }
        if (in(off, HWTSTAMP, 8)) {
            return !write && size == 8;
        }
        if (in(off, TSTAMP, 8)) {
            return size == 8;
        }
        if (off == SK) {
            return !write && size == 8;
        }
        if (in(off, SK, 8)) {
            return false;
        }
        if (off == TSTAMP_TYPE) {
            return flavor == Flavor.TC && size == 1;
        }
        if (off > TSTAMP_TYPE && off < HWTSTAMP) {
            return false;   // padding
        }
        // u32 fields: narrow reads allowed, writes full size only
        if (write) {
            return size == 4;
        }
        return size <= 4 && Integer.bitCount(size) == 1;
    }
}
