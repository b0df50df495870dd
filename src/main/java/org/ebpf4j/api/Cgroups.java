package org.ebpf4j.api;

import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.link.CgroupAttachCommands;

/**
 * The cgroup v2 file system of an embedded {@link Runtime} as a program using it sees it:
 * mkdir, rmdir, open a directory, move a task ({@code echo PID > cgroup.procs}). Paths are below
 * the cgroup2 mount ("/" is the root). Failures are {@link org.ebpf4j.uapi.BpfException}s with
 * the errno Linux gives (ENOENT, EEXIST, EBUSY ...).
 */
public final class Cgroups {
    private final Runtime rt;
    private final Task task;
    private final CgroupAttachCommands fs;

    /** Cgroup operations performed as {@code task} (whose fd table receives opened directories). */
    public Cgroups(Task task) {
        this.rt = task.runtime();
        this.task = task;
        this.fs = new CgroupAttachCommands(rt);
    }

    /** mkdir -p: creates every missing component; returns the cgroup's id. */
    public long mkdir(String path) { return rt.cgroups().mkdirs(path).id(); }

    /** rmdir: EBUSY while tasks or child cgroups remain. BPF state is released once nothing references it. */
    public void rmdir(String path) { rt.cgroups().rmdir(rt.cgroups().lookup(path)); }

    /** Opens the cgroup directory at {@code path} (ENOENT if there is none). */
    public CgroupHandle open(String path) {
        Cgroup cg = rt.cgroups().lookup(path);
        int fd = fs.openCgroup(task, path);
        return new CgroupHandle(task, path, cg.id(), fd);
    }

    /** Moves {@code t} into the cgroup at {@code path}. */
    public void move(Task t, String path) { fs.moveTask(t, rt.cgroups().lookup(path)); }

    /** The id of the cgroup at {@code path}. */
    public long id(String path) { return rt.cgroups().lookup(path).id(); }
}
