/**
 * Tasks as BPF programs see them: {@link org.ebpf4j.kernel.task.TaskMirror} lays out a
 * {@code struct task_struct} (+ {@code cred}, {@code pt_regs}) in the arena at the model kernel
 * BTF's offsets ({@link org.ebpf4j.kernel.task.TaskLayout}), so CO-RE-relocated loads through
 * {@code bpf_get_current_task_btf()} read real values; {@link org.ebpf4j.kernel.task.KernelMirrors}
 * keeps every task's and cgroup's mirror ({@link org.ebpf4j.kernel.cgroup.CgroupMirror}) in step
 * with moves, exits and cgroup releases, and maps mirror pointers back to owners for the
 * TASK_STORAGE / CGRP_STORAGE helpers; {@link org.ebpf4j.kernel.task.TaskHelpers} holds the
 * current-task helpers (35, 158, 80, 123, 175).
 *
 * <pre>{@code
 * Task t = rt.spawn("worker", 0, 0);
 * long task = t.mirror().address();          // what bpf_get_current_task_btf() returns for t
 * t.syscall(SyscallNr.WRITE, 1, 0, 0);       // pt_regs saved, sys_enter programs run as t
 * }</pre>
 */
package org.ebpf4j.kernel.task;
