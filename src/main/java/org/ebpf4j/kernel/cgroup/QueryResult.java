package org.ebpf4j.kernel.cgroup;

/**
 * What {@code __cgroup_bpf_query} reports for one cgroup and hook before any copy to the user
 * (spec §6): the cgroup's mode (0 for an effective query), every program id in order, the
 * per-program attach flags (non-effective only: the mode again), and the revision (0 for
 * effective). The syscall layer applies the caller's capacity (ENOSPC).
 */
public record QueryResult(int attachFlags, int[] progIds, int[] progAttachFlags, long revision) {
    public int count() { return progIds.length; }
}
