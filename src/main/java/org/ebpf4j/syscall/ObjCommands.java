package org.ebpf4j.syscall;

import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.KernelObject;
import org.ebpf4j.kernel.LinkObject;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/** BPF_OBJ_PIN and BPF_OBJ_GET (kernel/bpf/inode.c; spec-cgroup-attach-link §9.1, §9.2). */
final class ObjCommands {
    private final Runtime rt;

    ObjCommands(Runtime rt) { this.rt = rt; }

    /** {@code bpf_obj_pin}: flags, then the fd (a bad or non-BPF fd is EINVAL, not EBADF), then the path. */
    void pin(Task task, ObjAttr a) {
        if ((a.fileFlags() & ~MapFlags.BPF_F_PATH_FD) != 0) {
            throw new BpfException(Errno.EINVAL, "file_flags 0x" + Integer.toHexString(a.fileFlags()) + ": only BPF_F_PATH_FD is allowed for OBJ_PIN");
        }
        KernelObject obj = probe(task, a.bpfFd());   // bpf_fd_probe_obj: takes the pin's reference
        try {
            rt.bpffs().pin(task, a.pathname(), obj);
        } catch (BpfException e) {
            obj.anyPut();
            throw e;
        }
    }

    /** {@code bpf_fd_probe_obj}: map (ref+uref), else prog, else link; anything else EINVAL. */
    private static KernelObject probe(Task task, int fd) {
        File f = task.fds().peek(fd);
        KernelObject o = f == null ? null : f.object();
        if (!(o instanceof MapObject) && !(o instanceof ProgObject) && !(o instanceof LinkObject)) {
            throw new BpfException(Errno.EINVAL, "bpf_fd " + fd + (f == null ? " is not open" : " is a " + f.what() + " fd")
                    + ": only maps, programs and links can be pinned");
        }
        if (!o.tryAnyGet()) {
            throw new BpfException(Errno.EINVAL, "bpf_fd " + fd + " was closed");
        }
        return o;
    }

    /** {@code bpf_obj_get}: bpf_fd must be 0, flags, then the path; links only read-write. */
    int get(Task task, ObjAttr a) {
        if (a.bpfFd() != 0) {
            throw new BpfException(Errno.EINVAL, "bpf_fd " + a.bpfFd() + " must be 0 for OBJ_GET");
        }
        int known = MapFlags.BPF_F_RDONLY | MapFlags.BPF_F_WRONLY | MapFlags.BPF_F_PATH_FD;
        if ((a.fileFlags() & ~known) != 0) {
            throw new BpfException(Errno.EINVAL, "file_flags 0x" + Integer.toHexString(a.fileFlags()) + ": unknown bits");
        }
        if ((a.fileFlags() & MapFlags.BPF_F_RDONLY) != 0 && (a.fileFlags() & MapFlags.BPF_F_WRONLY) != 0) {
            throw new BpfException(Errno.EINVAL, "file_flags: BPF_F_RDONLY with BPF_F_WRONLY");
        }
        int mode = File.modeFromFlags(a.fileFlags());
        KernelObject o = rt.bpffs().get(task, a.pathname(), mode);   // takes the new fd's reference
        File file = switch (o) {
            case MapObject m -> new File.MapFile(m, mode);
            case ProgObject p -> new File.ProgFile(p, File.FMODE_RDWR);
            case LinkObject l -> {
                if (mode != File.FMODE_RDWR) {
                    o.anyPut();
                    throw new BpfException(Errno.EINVAL, "file_flags 0x" + Integer.toHexString(a.fileFlags()) + ": a link can only be opened read-write");
                }
                yield new File.LinkFile(l, mode);
            }
            default -> {
                o.anyPut();
                throw new BpfException(Errno.EACCES, "\"" + a.pathname() + "\" is not a pinned BPF object");
            }
        };
        return Fds.install(task, file);
    }
}
