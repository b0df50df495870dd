/**
 * Raw tracepoints and the tracing programs attached to them (kernel/trace/bpf_trace.c,
 * {@code bpf_raw_tp_link_attach} of kernel/bpf/syscall.c): {@link org.ebpf4j.kernel.trace.Tracepoints}
 * holds {@code sys_enter}, which {@link org.ebpf4j.kernel.Task#syscall} fires on every modelled
 * syscall with {@code (struct pt_regs *regs, long id)};
 * {@link org.ebpf4j.kernel.trace.TraceAttachCommands} is BPF_RAW_TRACEPOINT_OPEN and
 * BPF_LINK_CREATE(BPF_TRACE_RAW_TP), making {@link org.ebpf4j.kernel.trace.RawTpLink}s.
 */
package org.ebpf4j.kernel.trace;
