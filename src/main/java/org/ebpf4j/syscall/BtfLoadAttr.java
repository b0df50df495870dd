package org.ebpf4j.syscall;

/**
 * BPF_BTF_LOAD ({@code btf}, {@code btf_size}, {@code btf_log_*}, {@code btf_flags}).
 *
 * @param logSize  size of the caller's log buffer (0 = no buffer); the log comes back in the
 *                 exception message on failure, truncated to this size
 */
public record BtfLoadAttr(byte[] btf, int logLevel, int logSize, int btfFlags) {
    public static BtfLoadAttr of(byte[] btf) { return new BtfLoadAttr(btf, 0, 0, 0); }
}
