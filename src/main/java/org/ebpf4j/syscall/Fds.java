package org.ebpf4j.syscall;

import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.KernelObject;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * fd → object, as {@code __bpf_map_get}, {@code bpf_prog_get} and {@code bpf_fd_probe_obj} do
 * (kernel/bpf/syscall.c, inode.c). Each successful resolution takes a reference the caller drops
 * ({@code CLASS(fd, f)} keeps the file for the command; here the object's refcount does).
 */
final class Fds {
    private Fds() {}

    /** {@code __bpf_map_get}: EBADF if {@code fd} is not open, EINVAL if it is not a map. */
    static File.MapFile map(Task task, int fd, String field) {
        File f = task.fds().get(fd);
        if (!(f instanceof File.MapFile mf)) {
            throw new BpfException(Errno.EINVAL, field + " " + fd + " is a " + f.what() + " fd, not a map");
        }
        if (!mf.map().tryInc()) {
            throw new BpfException(Errno.EBADF, field + " " + fd + " was closed");
        }
        return mf;
    }

    /**
     * {@code fdget} + {@code __bpf_map_get} without a reference, for the element commands: the
     * caller must be inside a read-side section of the runtime's RCU and must not keep the map
     * past it. A close racing the command may drop the last reference meanwhile; the map then
     * dies (id gone, storage freed after a grace period), which cannot happen before the section
     * ends, so the command still works on valid memory, as the kernel's command works on the
     * file {@code fdget} pinned. EBADF if not open or already dead, EINVAL if not a map.
     */
    static File.MapFile mapInRcu(Task task, int fd, String field) {
        File f = task.fds().get(fd);
        if (!(f instanceof File.MapFile mf)) {
            throw new BpfException(Errno.EINVAL, field + " " + fd + " is a " + f.what() + " fd, not a map");
        }
        if (!mf.map().alive()) {
            throw new BpfException(Errno.EBADF, field + " " + fd + " was closed");
        }
        return mf;
    }

    /** {@code bpf_prog_get}: EBADF if not open, EINVAL if not a program; the reference is the caller's. */
    static ProgObject prog(Task task, int fd, String field) {
        File f = task.fds().get(fd);
        if (!(f instanceof File.ProgFile pf)) {
            throw new BpfException(Errno.EINVAL, field + " " + fd + " is a " + f.what() + " fd, not a program");
        }
        if (!pf.prog().tryInc()) {
            throw new BpfException(Errno.EBADF, field + " " + fd + " was closed");
        }
        return pf.prog();
    }

    /**
     * {@code map_get_sys_perms}: the fd's mode, without write once the map is frozen
     * (the map's global permission facing the syscall side).
     */
    static int mapSysPerms(File.MapFile f) {
        int mode = f.mode();
        if (f.map().map().frozen()) {
            mode &= ~File.FMODE_WRITE;
        }
        return mode;
    }

    /** Installs {@code file} (which carries its reference) in the task; on EMFILE drops the reference. */
    static int install(Task task, File file) {
        try {
            // bpf_map_new_fd / bpf_prog_new_fd: security_bpf_map / security_bpf_prog first
            if (file instanceof File.MapFile mf) {
                org.ebpf4j.kernel.trampoline.Lsm.check(task.runtime().lsm().bpfMap(task, mf.map().map().address(), mf.mode()),
                        "map fd (bpf_lsm_bpf_map)");
            } else if (file instanceof File.ProgFile) {
                org.ebpf4j.kernel.trampoline.Lsm.check(task.runtime().lsm().bpfProg(task), "program fd (bpf_lsm_bpf_prog)");
            }
            return task.fds().install(file);
        } catch (BpfException e) {
            KernelObject o = file.object();
            if (o != null) {
                o.anyPut();
            }
            throw e;
        }
    }
}
