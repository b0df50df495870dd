package org.ebpf4j.vm.verifier;

import org.ebpf4j.uapi.ProgType;

/**
 * Which context fields load as pointers, per program type: the {@code info->reg_type} each
 * {@code *_is_valid_access()} of net/core/filter.c sets for {@code data}, {@code data_end},
 * {@code data_meta}, {@code sk}, {@code flow_keys}, {@code optval}... Combined with a program
 * type's validity rules (which the prog layer owns) this makes a {@link CtxRules}:
 * {@code CtxFields.typed(type, (off, size, write) -> access.check(off, size, write) != null)}.
 */
public final class CtxFields {
    private CtxFields() {}

    /** Whether an access is allowed (is_valid_access without the type information). */
    @FunctionalInterface
    public interface Validity {
        boolean allows(int off, int size, boolean write);
    }

    /** The rules of {@code type}: {@code valid} decides, this class says what a load yields. */
    public static CtxRules typed(ProgType type, Validity valid) {
        return (off, size, write) -> valid.allows(off, size, write) ? field(type, off, write) : null;
    }

    /** What a load of the field at {@code off} yields for {@code type}. */
    public static CtxRules.Field field(ProgType type, int off, boolean write) {
        if (write) {
            return CtxRules.Field.SCALAR;
        }
        return switch (type) {
            case SOCKET_FILTER, SCHED_CLS, SCHED_ACT, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL, SK_SKB,
                 FLOW_DISSECTOR -> switch (off) {       // struct __sk_buff
                case 76 -> CtxRules.Field.PACKET;
                case 80 -> CtxRules.Field.PACKET_END;
                case 140 -> CtxRules.Field.PACKET_META;
                case 144 -> CtxRules.Field.FLOW_KEYS;
                case 168 -> CtxRules.Field.SOCK_COMMON_OR_NULL;
                default -> CtxRules.Field.SCALAR;
            };
            case XDP -> switch (off) {                  // struct xdp_md
                case 0 -> CtxRules.Field.PACKET;
                case 4 -> CtxRules.Field.PACKET_END;
                case 8 -> CtxRules.Field.PACKET_META;
                default -> CtxRules.Field.SCALAR;
            };
            case SK_MSG -> switch (off) {               // struct sk_msg_md
                case 0 -> CtxRules.Field.PACKET;
                case 8 -> CtxRules.Field.PACKET_END;
                case 72 -> CtxRules.Field.SOCKET;
                default -> CtxRules.Field.SCALAR;
            };
            case SOCK_OPS -> switch (off) {             // struct bpf_sock_ops
                case 184 -> CtxRules.Field.SOCKET_OR_NULL;
                case 192 -> CtxRules.Field.PACKET;
                case 200 -> CtxRules.Field.PACKET_END;
                default -> CtxRules.Field.SCALAR;
            };
            case CGROUP_SOCK_ADDR -> off == 64 ? CtxRules.Field.SOCKET : CtxRules.Field.SCALAR;   // bpf_sock_addr.sk
            case CGROUP_SOCKOPT -> switch (off) {       // struct bpf_sockopt
                case 0 -> CtxRules.Field.SOCKET;
                case 8 -> CtxRules.Field.PACKET;
                case 16 -> CtxRules.Field.PACKET_END;
                default -> CtxRules.Field.SCALAR;
            };
            case SK_LOOKUP -> off == 0 ? CtxRules.Field.SOCKET_OR_NULL : CtxRules.Field.SCALAR;
            case SK_REUSEPORT -> switch (off) {         // struct sk_reuseport_md
                case 0 -> CtxRules.Field.PACKET;
                case 8 -> CtxRules.Field.PACKET_END;
                case 48, 56 -> CtxRules.Field.SOCKET_OR_NULL;
                default -> CtxRules.Field.SCALAR;
            };
            case TRACING, LSM, STRUCT_OPS, EXT -> CtxRules.Field.BTF_ID;   // tp_btf/fentry args: kernel pointers
            default -> CtxRules.Field.SCALAR;
        };
    }
}
