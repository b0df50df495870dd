/**
 * The load-time checks of kernel/bpf/verifier.c, split by pass as recent kernels split it:
 * {@link org.ebpf4j.vm.verifier.StructuralVerifier} runs the checks that need no value tracking and
 * returns a {@link org.ebpf4j.vm.verifier.VerifiedProgram}; then
 * {@link org.ebpf4j.vm.verifier.TypeVerifier} walks every path with typed registers (tnum and
 * 64/32-bit signed/unsigned bounds, pointer types), stack slots, helper prototypes
 * ({@code HelperSignatures}), context rules ({@link org.ebpf4j.vm.verifier.CtxRules}), references and
 * state pruning, given a {@link org.ebpf4j.vm.verifier.ProgContext}.
 */
package org.ebpf4j.vm.verifier;
