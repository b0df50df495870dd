/**
 * The load-time checks that need no value tracking, split by pass as recent kernels split
 * kernel/bpf/verifier.c: {@link org.ebpf4j.vm.verifier.StructuralVerifier} runs them in the
 * kernel's order and returns a {@link org.ebpf4j.vm.verifier.VerifiedProgram} for the engines.
 */
package org.ebpf4j.vm.verifier;
