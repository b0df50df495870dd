package org.ebpf4j.kernel.prog;

/**
 * Which {@code bpf_prog_ops.test_run} a program type has (net/bpf/test_run.c); NONE answers
 * BPF_PROG_TEST_RUN with ENOTSUPP (524), as the kernel does for types without one.
 */
public enum TestRunKind {
    /** {@code bpf_prog_test_run_skb}: socket filter, tc, cgroup_skb, lwt. */
    SKB,
    /** {@code bpf_prog_test_run_xdp}. */
    XDP,
    /** {@code bpf_prog_test_run_raw_tp}: runs once on the u64 argument array in ctx_in. */
    RAW_TP,
    /** {@code bpf_prog_test_run_syscall}: runs once; ctx_in is read and written back. */
    SYSCALL,
    /** {@code bpf_prog_test_run_flow_dissector}. */
    FLOW_DISSECTOR,
    /** {@code bpf_prog_test_run_sk_lookup}. */
    SK_LOOKUP,
    /** {@code bpf_prog_test_run_nf}. */
    NETFILTER,
    /** {@code bpf_prog_test_run_tracing}: fentry/fexit/fmod_ret through the bpf_fentry_test functions. */
    TRACING,
    NONE
}
