package org.ebpf4j.api;

import org.ebpf4j.kernel.cgroup.AttachFlags;

/** Position options of a cgroup attachment (spec §2.5); without an anchor BEFORE = list head, AFTER = tail. */
public enum AttachOption {
    /** BPF_F_BEFORE: insert at the head of this cgroup's list. */
    BEFORE(AttachFlags.BPF_F_BEFORE),
    /** BPF_F_AFTER: append at the tail (the default anyway). */
    AFTER(AttachFlags.BPF_F_AFTER),
    /** BPF_F_PREORDER: run before the descendants' programs (spec §4.1). */
    PREORDER(AttachFlags.BPF_F_PREORDER);

    private final int flag;

    AttachOption(int flag) { this.flag = flag; }

    static int flags(AttachOption... opts) {
        int f = 0;
        for (AttachOption o : opts) {
            f |= o.flag;
        }
        return f;
    }
}
