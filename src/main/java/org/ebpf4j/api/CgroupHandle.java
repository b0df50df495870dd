package org.ebpf4j.api;

import org.ebpf4j.kernel.Task;

/**
 * An open cgroup directory (an {@code O_RDONLY|O_DIRECTORY} fd of the opening task under
 * /sys/fs/cgroup), what attach calls name their target with. Closing it closes the fd; an
 * attachment does not need it open (the kernel holds its own cgroup reference).
 */
public final class CgroupHandle implements AutoCloseable {
    private final Task task;
    private final String path;
    private final long id;
    private final int fd;
    private boolean closed;

    CgroupHandle(Task task, String path, long id, int fd) {
        this.task = task;
        this.path = path;
        this.id = id;
        this.fd = fd;
    }

    /** The path below the cgroup2 mount, as opened. */
    public String path() { return path; }

    /** The 64-bit cgroup id (what link info reports as {@code cgroup_id}). */
    public long id() { return id; }

    /** The directory fd in the opening task. */
    public int fd() { return fd; }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            task.fds().close(fd);
        }
    }

    @Override
    public String toString() { return "cgroup " + path + " (id " + id + ", fd " + fd + ")"; }
}
