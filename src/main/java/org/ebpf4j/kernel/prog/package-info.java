/**
 * Programs as bpf(2) knows them: BPF_PROG_LOAD ({@link org.ebpf4j.kernel.prog.ProgLoader}, kernel
 * order of checks, map fixups, helper prototypes per type, verifier log), the loaded object
 * ({@link org.ebpf4j.kernel.prog.BpfProg}: tag, used maps held, info), program types
 * ({@link org.ebpf4j.kernel.prog.ProgTypes}: helpers, context rules, test_run kind), the context
 * rewrite of {@code convert_ctx_access} ({@link org.ebpf4j.kernel.prog.CtxRewriter}) and
 * BPF_PROG_TEST_RUN ({@link org.ebpf4j.kernel.prog.TestRun}: skb, xdp, raw_tp, syscall).
 *
 * <p>Kernel sources modelled: kernel/bpf/syscall.c ({@code bpf_prog_load},
 * {@code bpf_prog_test_run}), kernel/bpf/verifier.c ({@code resolve_pseudo_ldimm64},
 * {@code check_helper_call}, {@code check_ctx_access}, {@code convert_ctx_accesses}),
 * kernel/bpf/log.c, net/core/filter.c ({@code *_is_valid_access}, {@code *_func_proto}),
 * net/bpf/test_run.c.
 */
package org.ebpf4j.kernel.prog;
