/**
 * BPF iterators (kernel/bpf/bpf_iter.c): programs of type TRACING with expected attach type
 * BPF_TRACE_ITER, loaded against the kernel FUNC {@code bpf_iter_<target>} ({@link IterTargets}),
 * attached by BPF_LINK_CREATE into an iter link ({@link IterLink}), whose BPF_ITER_CREATE gives
 * an fd; each read(2) of it runs the program over the target's objects as {@code bpf_seq_read}
 * does ({@link IterSeq}), the program writing the output with {@code bpf_seq_printf} /
 * {@code bpf_seq_write} ({@link SeqHelpers}), as the reading task (its {@code current}); dup'd
 * iterator fds share one session, released at the last close. Targets: {@code bpf_sk_storage_map}
 * (net/core/bpf_sk_storage.c), {@code bpf_map} and {@code bpf_map_elem} (kernel/bpf/map_iter.c),
 * {@code task} with its tid/pid/pid_fd filters (kernel/bpf/task_iter.c) and {@code cgroup}
 * (kernel/bpf/cgroup_iter.c).
 */
package org.ebpf4j.kernel.iter;
