package org.ebpf4j.kernel.cgroup;

import org.ebpf4j.map.storage.CgroupStorage;

/**
 * {@code struct bpf_prog_list}: one attachment in one cgroup's list for one hook. Exactly one of
 * {@link #prog} (legacy PROG_ATTACH, which owns a reference on it) and {@link #link} is set.
 * {@link #flags} keeps the full attach flags (PREORDER matters for the effective layout).
 * Mutated only under the cgroup mutex.
 */
final class ProgEntry {
    CgroupProg prog;
    CgroupLinkRef link;
    int flags;
    /** {@code pl->storage[]}: the attach point's legacy cgroup storages (by type), or null. */
    CgroupStorage[] storage;

    ProgEntry(CgroupProg prog, CgroupLinkRef link, int flags) {
        this.prog = prog;
        this.link = link;
        this.flags = flags;
    }

    /** {@code prog_list_prog()}: the program that runs for this entry. */
    CgroupProg runProg() { return link != null ? link.prog() : prog; }

    boolean preorder() { return (flags & AttachFlags.BPF_F_PREORDER) != 0; }
}
