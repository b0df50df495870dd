package org.ebpf4j.kernel.prog;

import static org.ebpf4j.memory.XdpMdLayout.*;

/**
 * {@code struct xdp_md} access rules: {@code xdp_is_valid_access} and
 * {@code __is_valid_xdp_access} of net/core/filter.c (read only, 4 bytes, aligned;
 * {@code egress_ifindex} only for BPF_XDP_DEVMAP programs); {@code xdp_convert_ctx_access}
 * turns the packet pointer fields into 64-bit loads of the kernel side.
 */
final class XdpAccess implements CtxAccess {
    private final boolean devmap;

    XdpAccess(boolean devmap) { this.devmap = devmap; }

    @Override
    public int ctxSize() { return SIZE; }

    @Override
    public Access check(int off, int size, boolean write) {
        if (!devmap && off == EGRESS_IFINDEX) {
            return null;
        }
        if (write || off < 0 || off >= SIZE || off % size != 0 || size != 4) {
            return null;
        }
        return switch (off) {
            case DATA -> new Access(KERN_DATA, 8);
            case DATA_END -> new Access(KERN_DATA_END, 8);
            case DATA_META -> new Access(KERN_DATA_META, 8);
            default -> new Access(off, size);
        };
    }
}
