package org.ebpf4j.kernel;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.ebpf4j.map.storage.LocalStorage;
import org.ebpf4j.map.storage.TaskStorageOwner;

/**
 * A process of the modelled world ({@code struct task_struct} as bpf(2) sees it): pid (= tgid:
 * one thread group per task here), comm, credentials, an fd table and the cgroup it runs in.
 * Every bpf(2) command runs as some task. {@link #exit()} closes all its fds, as do_exit does.
 */
public final class Task implements TaskStorageOwner {
    /** The root cgroup's id in cgroup2 (kernel: the root's kernfs id is 1). */
    public static final long ROOT_CGROUP_ID = 1;

    private final Runtime runtime;
    private final int pid;
    private final String comm;
    private final int uid;
    private final int gid;
    private final Set<Cap> caps;
    private final FdTable fds;
    private volatile long cgroupId = ROOT_CGROUP_ID;
    private volatile boolean exited;
    /** {@code task->bpf_storage} (TASK_STORAGE). */
    private final AtomicReference<LocalStorage> bpfStorage = new AtomicReference<>();

    Task(Runtime runtime, int pid, String comm, int uid, int gid, Set<Cap> caps, int maxFds) {
        this.runtime = runtime;
        this.pid = pid;
        this.comm = comm.length() > 15 ? comm.substring(0, 15) : comm;   // TASK_COMM_LEN 16
        this.uid = uid;
        this.gid = gid;
        this.caps = caps.isEmpty() ? EnumSet.noneOf(Cap.class) : EnumSet.copyOf(caps);
        this.fds = new FdTable(maxFds);
    }

    public Runtime runtime() { return runtime; }

    public int pid() { return pid; }

    /** Thread group id: equal to the pid (the model has one thread per task). */
    public int tgid() { return pid; }

    public String comm() { return comm; }

    public int uid() { return uid; }

    public int gid() { return gid; }

    public FdTable fds() { return fds; }

    /** {@code capable(cap)}: uid 0 has every capability; others those they were spawned with. */
    public boolean capable(Cap cap) { return uid == 0 || caps.contains(cap); }

    /** The cgroup the task runs in (the cgroup work moves tasks; root until then). */
    public long cgroupId() { return cgroupId; }

    public void setCgroupId(long id) { this.cgroupId = id; }

    public boolean exited() { return exited; }

    /** do_exit: closes every fd and leaves the process table. Idempotent. */
    public void exit() {
        if (exited) {
            return;
        }
        exited = true;
        fds.closeAll();
        runtime.reap(this);
        LocalStorage.destroy(this);   // __put_task_struct → bpf_task_storage_free (exit = reap here)
    }

    @Override
    public AtomicReference<LocalStorage> bpfStorage() { return bpfStorage; }

    /** {@code refcount_read(&task->usage)}: a reaped task gets no new storage. */
    @Override
    public boolean acceptsNewStorage() { return !exited; }

    /** Who made an object, for leak reports. */
    public String origin(String command) { return command + " by pid " + pid + " (" + comm + ")"; }

    @Override
    public String toString() { return "task " + pid + " (" + comm + ", uid " + uid + ")"; }
}
