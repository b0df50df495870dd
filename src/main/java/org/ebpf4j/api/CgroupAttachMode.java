package org.ebpf4j.api;

import org.ebpf4j.kernel.cgroup.AttachFlags;

/** The mode of a legacy BPF_PROG_ATTACH to a cgroup (spec §2.3, §2.4). */
public enum CgroupAttachMode {
    /** flags 0: the only program here, and descendants may not attach (exclusive). */
    NONE(0),
    /** BPF_F_ALLOW_OVERRIDE: the only program here; a descendant's program replaces it there. */
    ALLOW_OVERRIDE(AttachFlags.BPF_F_ALLOW_OVERRIDE),
    /** BPF_F_ALLOW_MULTI: one of up to 64 programs here; descendants' run first, then these. */
    ALLOW_MULTI(AttachFlags.BPF_F_ALLOW_MULTI);

    private final int flags;

    CgroupAttachMode(int flags) { this.flags = flags; }

    int flags() { return flags; }
}
