package org.ebpf4j.kernel;

import org.ebpf4j.map.storage.PidFdRef;
import org.ebpf4j.map.storage.TaskStorageOwner;

/**
 * What a pidfd ({@code pidfd_open(2)}) refers to: a pid, which names its task until the task is
 * reaped ({@code file->private_data} of a pidfd, {@link File.PidFdFile}).
 */
public record PidFd(Task target) implements PidFdRef {
    /** {@code pid_task(pid, PIDTYPE_PID)}: the task, or null once reaped. */
    @Override
    public TaskStorageOwner task() { return target.exited() ? null : target; }
}
