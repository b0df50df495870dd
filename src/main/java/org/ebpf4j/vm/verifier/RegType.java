package org.ebpf4j.vm.verifier;

/**
 * include/linux/bpf.h {@code enum bpf_reg_type} with the PTR_MAYBE_NULL flag folded in, each with
 * the name kernel/bpf/log.c reg_type_str() prints ("map_value_or_null", "fp", "pkt_end", ...).
 */
enum RegType {
    NOT_INIT("?"),
    SCALAR("scalar"),
    CTX("ctx"),
    STACK("fp"),
    MAP_PTR("map_ptr"),
    MAP_KEY("map_key"),
    MAP_VALUE("map_value"),
    MAP_VALUE_OR_NULL("map_value_or_null"),
    PACKET("pkt"),
    PACKET_META("pkt_meta"),
    PACKET_END("pkt_end"),
    FLOW_KEYS("flow_keys"),
    SOCKET("sock"),
    SOCKET_OR_NULL("sock_or_null"),
    SOCK_COMMON("sock_common"),
    SOCK_COMMON_OR_NULL("sock_common_or_null"),
    TCP_SOCK("tcp_sock"),
    TCP_SOCK_OR_NULL("tcp_sock_or_null"),
    BTF_ID("ptr_"),
    BTF_ID_OR_NULL("ptr_or_null_"),
    FUNC("func"),
    MEM("mem"),
    MEM_OR_NULL("mem_or_null"),
    RINGBUF_MEM("ringbuf_mem"),
    RINGBUF_MEM_OR_NULL("ringbuf_mem_or_null"),
    /** PTR_TO_BUF (rdwr): an iterator's value buffer, bounded at attach by max_rdwr_access. */
    BUF("buf"),
    BUF_OR_NULL("buf_or_null"),
    /** PTR_TO_BUF | MEM_RDONLY: an iterator's read-only key buffer, bounded at attach by max_rdonly_access. */
    RDONLY_BUF("rdonly_buf"),
    RDONLY_BUF_OR_NULL("rdonly_buf_or_null");

    final String kernelName;

    RegType(String kernelName) { this.kernelName = kernelName; }

    boolean isPointer() { return this != NOT_INIT && this != SCALAR; }

    boolean maybeNull() {
        return switch (this) {
            case MAP_VALUE_OR_NULL, SOCKET_OR_NULL, SOCK_COMMON_OR_NULL, TCP_SOCK_OR_NULL, BTF_ID_OR_NULL,
                 MEM_OR_NULL, RINGBUF_MEM_OR_NULL, BUF_OR_NULL, RDONLY_BUF_OR_NULL -> true;
            default -> false;
        };
    }

    /** The type once a NULL check has proved the pointer non-NULL. */
    RegType nonNull() {
        return switch (this) {
            case MAP_VALUE_OR_NULL -> MAP_VALUE;
            case SOCKET_OR_NULL -> SOCKET;
            case SOCK_COMMON_OR_NULL -> SOCK_COMMON;
            case TCP_SOCK_OR_NULL -> TCP_SOCK;
            case BTF_ID_OR_NULL -> BTF_ID;
            case MEM_OR_NULL -> MEM;
            case RINGBUF_MEM_OR_NULL -> RINGBUF_MEM;
            case BUF_OR_NULL -> BUF;
            case RDONLY_BUF_OR_NULL -> RDONLY_BUF;
            default -> this;
        };
    }

    boolean isPacket() { return this == PACKET || this == PACKET_META; }
}
