package org.ebpf4j.kernel;

/** The capabilities bpf(2) asks about ({@code include/uapi/linux/capability.h}). Root has all. */
public enum Cap {
    SYS_ADMIN, NET_ADMIN, BPF, PERFMON, NET_BIND_SERVICE
}
