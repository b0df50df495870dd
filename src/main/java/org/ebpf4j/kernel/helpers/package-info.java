/**
 * The helpers that need the runtime rather than only the CPU: trace_printk and snprintf with the
 * kernel's format rules ({@link org.ebpf4j.kernel.helpers.BpfFormat}) and the trace pipe they
 * write to ({@link org.ebpf4j.kernel.helpers.TracePipe}), the current-task helpers,
 * probe_read_kernel(_str) within the arena, bpf_loop, strtol/strtoul and tail_call
 * ({@link org.ebpf4j.kernel.helpers.MiscHelpers}). Sources: kernel/bpf/helpers.c,
 * kernel/trace/bpf_trace.c, kernel/bpf/bpf_iter.c, lib/vsprintf.c, lib/kstrtox.c.
 */
package org.ebpf4j.kernel.helpers;
