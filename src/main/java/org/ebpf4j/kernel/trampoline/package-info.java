/**
 * BPF trampolines (kernel/bpf/trampoline.c) and the BPF LSM (kernel/bpf/bpf_lsm.c): one
 * {@link org.ebpf4j.kernel.trampoline.Trampoline} per modelled kernel function, owned by the
 * runtime's {@link org.ebpf4j.kernel.trampoline.Trampolines}, holding the fentry, fexit and
 * fmod_ret (and LSM) programs attached to it through
 * {@link org.ebpf4j.kernel.trampoline.TracingLink}s ({@code bpf_tracing_prog_attach},
 * {@link org.ebpf4j.kernel.trampoline.TracingAttach}). Call sites of the model (the local storage
 * core, TEST_RUN's {@code bpf_fentry_test*}, the security hooks of {@link org.ebpf4j.kernel.trampoline.Lsm})
 * go through their trampoline, which costs one volatile read when nothing is attached.
 */
package org.ebpf4j.kernel.trampoline;
