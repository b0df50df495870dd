package org.ebpf4j.memory;

/**
 * {@code struct xdp_md} (include/uapi/linux/bpf.h), the context of XDP programs, in the arena:
 * the 24-byte UAPI struct followed by a kernel side with the real 64-bit packet pointers of
 * {@code struct xdp_buff}. As for {@link SkBuffLayout}, loads of the 32-bit {@code data},
 * {@code data_end} and {@code data_meta} fields are rewritten at load time into 64-bit loads of
 * the kernel side ({@code xdp_convert_ctx_access} in net/core/filter.c).
 *
 * <pre>
 *  0 data  4 data_end  8 data_meta  12 ingress_ifindex  16 rx_queue_index  20 egress_ifindex
 * | 24 kern: data (8)  32 data_end (8)  40 data_meta (8)
 * </pre>
 */
public final class XdpMdLayout {
    private XdpMdLayout() {}

    public static final int DATA = 0;
    public static final int DATA_END = 4;
    public static final int DATA_META = 8;
    public static final int INGRESS_IFINDEX = 12;
    public static final int RX_QUEUE_INDEX = 16;
    public static final int EGRESS_IFINDEX = 20;
    /** {@code sizeof(struct xdp_md)}. */
    public static final int SIZE = 24;

    public static final int KERN_DATA = SIZE;
    public static final int KERN_DATA_END = SIZE + 8;
    public static final int KERN_DATA_META = SIZE + 16;
    public static final int KERN_SIZE = 24;
    public static final int ALLOC_SIZE = SIZE + KERN_SIZE;
}
