package org.ebpf4j.kernel.kfunc;

import java.util.EnumSet;
import java.util.Set;
import org.ebpf4j.uapi.ProgType;

/**
 * Which program types may call the kfuncs of {@link GenericKfuncs}: the program types for which
 * kernel/bpf/helpers.c {@code kfunc_init()} registers {@code generic_kfunc_set}
 * ({@code register_btf_kfunc_id_set}), as {@code btf_kfunc_id_set_contains()} answers them.
 *
 * <p>Checked against Linux 6.18 by loading {@code bpf_cgroup_from_id}/{@code bpf_cgroup_release}
 * and {@code bpf_task_from_pid}/{@code bpf_task_release} callers (GPL) of each type: allowed for
 * cgroup_skb, tc, xdp, cgroup sock_addr, cgroup sock, sockops, tp_btf, tracepoint, cgroup
 * sockopt, perf_event, cgroup sysctl, cgroup device and syscall programs; refused ("calling
 * kernel function ... is not allowed", EACCES) for socket filters, raw_tp (and writable),
 * tc actions, lwt, flow dissector, sk_skb, sk_msg and sk_lookup. KPROBE, LSM and STRUCT_OPS
 * follow the kernel source (tracing and LSM hooks, struct_ops set); they were not loaded there.
 */
public final class KfuncSets {
    private KfuncSets() {}

    private static final Set<ProgType> GENERIC = EnumSet.of(ProgType.CGROUP_SKB, ProgType.SCHED_CLS, ProgType.XDP,
            ProgType.CGROUP_SOCK_ADDR, ProgType.CGROUP_SOCK, ProgType.SOCK_OPS, ProgType.TRACING, ProgType.TRACEPOINT,
            ProgType.KPROBE, ProgType.PERF_EVENT, ProgType.CGROUP_SOCKOPT, ProgType.CGROUP_SYSCTL,
            ProgType.CGROUP_DEVICE, ProgType.SYSCALL, ProgType.LSM, ProgType.STRUCT_OPS);

    /** Whether a program of {@code type} may call the generic kfuncs. */
    public static boolean allowsGeneric(ProgType type) { return type != null && GENERIC.contains(type); }
}
