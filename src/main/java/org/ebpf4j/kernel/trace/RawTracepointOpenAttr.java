package org.ebpf4j.kernel.trace;

/**
 * BPF_RAW_TRACEPOINT_OPEN's part of {@code union bpf_attr}: {@code name} (a user string; null
 * stands for a NULL pointer, which tp_btf programs must pass since their target came with
 * attach_btf_id at load), {@code prog_fd}, {@code cookie}.
 */
public record RawTracepointOpenAttr(String name, int progFd, long cookie) {
    /** A tp_btf / fentry-style program: no name. */
    public static RawTracepointOpenAttr of(int progFd) { return new RawTracepointOpenAttr(null, progFd, 0); }

    /** A raw_tp program attached to {@code name}. */
    public static RawTracepointOpenAttr of(String name, int progFd) { return new RawTracepointOpenAttr(name, progFd, 0); }
}
