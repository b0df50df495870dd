package org.ebpf4j.kernel;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.ebpf4j.kernel.task.TaskMirror;
import org.ebpf4j.kernel.trace.SyscallNr;
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
    /** {@code mm->exe_file}: the file of the last execve, or null. */
    private final AtomicReference<org.ebpf4j.kernel.fs.OpenFile> exeFile = new AtomicReference<>();
    /** Its {@code struct task_struct} in the arena (what bpf_get_current_task_btf returns). */
    private final TaskMirror mirror;

    Task(Runtime runtime, int pid, String comm, int uid, int gid, Set<Cap> caps, int maxFds) {
        this.runtime = runtime;
        this.pid = pid;
        this.comm = comm.length() > 15 ? comm.substring(0, 15) : comm;   // TASK_COMM_LEN 16
        this.uid = uid;
        this.gid = gid;
        this.caps = caps.isEmpty() ? EnumSet.noneOf(Cap.class) : EnumSet.copyOf(caps);
        this.fds = new FdTable(maxFds);
        this.mirror = runtime.mirrors().newTask(this);   // last: it reads the fields above
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

    /**
     * Moves the task (the cgroup work's {@code cgroup_migrate}): {@code task->cgroups} of its
     * mirror is republished before this returns. An id naming no online cgroup leaves the mirror
     * in the root's css_set.
     */
    public void setCgroupId(long id) {
        long from = this.cgroupId;
        this.cgroupId = id;
        runtime.mirrors().moved(mirror, from, id);
    }

    /** The task's {@code struct task_struct} in the arena. */
    public TaskMirror mirror() { return mirror; }

    /**
     * The modelled syscall entry ({@code do_syscall_64} → {@code syscall_enter_from_user_mode}):
     * saves the number and up to six arguments in the task's {@code pt_regs} and fires the
     * {@code sys_enter} raw tracepoint with {@code (regs, nr)}, running attached programs as
     * this task. Every modelled syscall surface calls it first (bpf(2) commands, socket calls,
     * pidfd_open); numbers are x86-64's ({@link SyscallNr}).
     */
    public void syscall(int nr, long... args) { runtime.tracepoints().sysEnter(this, nr, args); }

    /**
     * pidfd_open(2) of {@code pid} (flags 0): an fd naming that process, which TASK_STORAGE takes
     * as its key. ESRCH if no live task has this pid.
     */
    public int pidfdOpen(int pid) {
        syscall(SyscallNr.PIDFD_OPEN, pid, 0);
        Task target = runtime.task(pid);
        if (target == null) {
            throw new org.ebpf4j.uapi.BpfException(org.ebpf4j.uapi.Errno.ESRCH, "pidfd_open: no process " + pid);
        }
        org.ebpf4j.kernel.fs.OpenFile file = runtime.fs().pidfsOpen(target);
        try {
            return fds.install(new File.PidFdFile(new PidFd(target), file));
        } catch (org.ebpf4j.uapi.BpfException e) {
            file.put();
            throw e;
        }
    }

    public boolean exited() { return exited; }

    /**
     * {@code set_mm_exe_file}: {@code file} (holding its reference) becomes the task's executable;
     * the previous one is put. Null drops it (exit).
     */
    public void setExeFile(org.ebpf4j.kernel.fs.OpenFile file) {
        org.ebpf4j.kernel.fs.OpenFile old = exeFile.getAndSet(file);
        if (old != null) {
            old.put();
        }
    }

    /** The inode of the task's executable ({@code mm->exe_file}), or null. */
    public org.ebpf4j.kernel.fs.Inode exeInode() {
        org.ebpf4j.kernel.fs.OpenFile f = exeFile.get();
        return f == null ? null : f.inode();
    }

    /** do_exit: closes every fd and leaves the process table. Idempotent. */
    public void exit() {
        if (exited) {
            return;
        }
        exited = true;
        fds.closeAll();
        setExeFile(null);   // exit_mm → mmput → set_mm_exe_file(mm, NULL)
        runtime.reap(this);
        LocalStorage.destroy(this);   // __put_task_struct → bpf_task_storage_free (exit = reap here)
        runtime.mirrors().exited(mirror, cgroupId);   // put_task_struct_rcu_user: freed after a grace period
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
