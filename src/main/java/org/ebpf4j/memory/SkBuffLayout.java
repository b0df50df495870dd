package org.ebpf4j.memory;

/**
 * {@code struct __sk_buff} (include/uapi/linux/bpf.h), the context of socket-filter, tc,
 * cgroup_skb and lwt programs, as it lies in the arena: the 192-byte UAPI struct, followed by a
 * "kernel side" of {@link #KERN_SIZE} bytes holding what the kernel keeps in {@code struct
 * sk_buff} and programs reach only through rewritten loads.
 *
 * <p>Why a kernel side: {@code data}, {@code data_end} and {@code data_meta} are 32-bit fields in
 * the UAPI struct, yet a program uses them as pointers. The kernel's verifier rewrites every load
 * of them ({@code bpf_convert_ctx_access} in net/core/filter.c) into a 64-bit load of the real
 * pointer. ebpf4j does the same at load time (see {@code org.ebpf4j.kernel.prog.CtxRewriter}):
 * a {@code u32} load at {@link #DATA} becomes a {@code u64} load at {@link #KERN_DATA}. Engines
 * (interpreter and JIT) therefore see only plain loads.
 *
 * <pre>
 *   0 len  4 pkt_type  8 mark  12 queue_mapping  16 protocol  20 vlan_present  24 vlan_tci
 *  28 vlan_proto  32 priority  36 ingress_ifindex  40 ifindex  44 tc_index  48 cb[5]  68 hash
 *  72 tc_classid  76 data  80 data_end  84 napi_id  88 family  92 remote_ip4  96 local_ip4
 * 100 remote_ip6[4]  116 local_ip6[4]  132 remote_port  136 local_port  140 data_meta
 * 144 flow_keys (8)  152 tstamp (8)  160 wire_len  164 gso_segs  168 sk (8)  176 gso_size
 * 180 tstamp_type (1)  184 hwtstamp (8)  | 192 kern: data (8)  200 data_end (8)  208 data_meta (8)
 * </pre>
 */
public final class SkBuffLayout {
    private SkBuffLayout() {}

    public static final int LEN = 0;
    public static final int PKT_TYPE = 4;
    public static final int MARK = 8;
    public static final int QUEUE_MAPPING = 12;
    public static final int PROTOCOL = 16;
    public static final int VLAN_PRESENT = 20;
    public static final int VLAN_TCI = 24;
    public static final int VLAN_PROTO = 28;
    public static final int PRIORITY = 32;
    public static final int INGRESS_IFINDEX = 36;
    public static final int IFINDEX = 40;
    public static final int TC_INDEX = 44;
    public static final int CB = 48;
    public static final int CB_SIZE = 20;
    public static final int HASH = 68;
    public static final int TC_CLASSID = 72;
    public static final int DATA = 76;
    public static final int DATA_END = 80;
    public static final int NAPI_ID = 84;
    public static final int FAMILY = 88;
    public static final int REMOTE_IP4 = 92;
    public static final int LOCAL_IP4 = 96;
    public static final int REMOTE_IP6 = 100;
    public static final int LOCAL_IP6 = 116;
    public static final int REMOTE_PORT = 132;
    public static final int LOCAL_PORT = 136;
    public static final int DATA_META = 140;
    public static final int FLOW_KEYS = 144;
    public static final int TSTAMP = 152;
    public static final int WIRE_LEN = 160;
    public static final int GSO_SEGS = 164;
    public static final int SK = 168;
    public static final int GSO_SIZE = 176;
    public static final int TSTAMP_TYPE = 180;
    public static final int HWTSTAMP = 184;
    /** {@code sizeof(struct __sk_buff)}. */
    public static final int SIZE = 192;

    /** Kernel side: the real 64-bit packet pointers the rewritten loads read. */
    public static final int KERN_DATA = SIZE;
    public static final int KERN_DATA_END = SIZE + 8;
    public static final int KERN_DATA_META = SIZE + 16;
    public static final int KERN_SIZE = 24;
    /** Bytes to allocate for one context: UAPI part plus kernel side. */
    public static final int ALLOC_SIZE = SIZE + KERN_SIZE;
}
