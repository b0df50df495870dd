package org.ebpf4j.map.storage;

/**
 * What a pidfd refers to, as TASK_STORAGE resolves its syscall key ({@code pidfd_get_pid} then
 * {@code pid_task(pid, PIDTYPE_PID)}, spec §3.1): the task, or null once it was reaped (→ ENOENT).
 */
public interface PidFdRef {
    TaskStorageOwner task();
}
