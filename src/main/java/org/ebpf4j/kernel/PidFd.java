package org.ebpf4j.kernel;

import org.ebpf4j.map.storage.PidFdRef;
import org.ebpf4j.map.storage.TaskStorageOwner;

/**
 * What a pidfd ({@code pidfd_open(2)}) refers to: a pid, which names its task until the task is
 * reaped. Installed in an fd table as {@code new File.Other(new PidFd(task), "pidfd", FMODE_READ)}.
 */
public record PidFd(Task target) implements PidFdRef {
    /** {@code pid_task(pid, PIDTYPE_PID)}: the task, or null once reaped. */
    @Override
    public TaskStorageOwner task() { return target.exited() ? null : target; }
}
