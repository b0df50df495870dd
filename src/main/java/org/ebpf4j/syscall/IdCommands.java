package org.ebpf4j.syscall;

import org.ebpf4j.kernel.BtfObject;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.IdTable;
import org.ebpf4j.kernel.LinkObject;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID (kernel/bpf/syscall.c {@code bpf_obj_get_next_id},
 * {@code bpf_map_get_fd_by_id} ...; spec-cgroup-attach-link §10).
 */
final class IdCommands {
    private final Runtime rt;

    IdCommands(Runtime rt) { this.rt = rt; }

    /** {@code bpf_obj_get_next_id}: start_id ≥ INT_MAX EINVAL, then CAP_SYS_ADMIN, then ENOENT. */
    int nextId(Task task, IdTable<?> ids, int startId) {
        if (Integer.toUnsignedLong(startId) >= Integer.MAX_VALUE) {
            throw new BpfException(Errno.EINVAL, "start_id " + Integer.toUnsignedString(startId) + " >= INT_MAX");
        }
        requireSysAdmin(task, ids.name());
        int next = ids.nextId(startId);
        if (next == 0) {
            throw new BpfException(Errno.ENOENT, "no " + ids.name() + " id after " + startId);
        }
        return next;
    }

    private static void requireSysAdmin(Task task, String what) {
        if (!task.capable(Cap.SYS_ADMIN)) {
            throw new BpfException(Errno.EPERM, what + " ids need CAP_SYS_ADMIN (uid " + task.uid() + ")");
        }
    }

    /** {@code bpf_map_get_fd_by_id}: open_flags ⊆ {RDONLY, WRONLY}, CAP_SYS_ADMIN, not both, then the id. */
    int mapFd(Task task, int id, int openFlags) {
        if ((openFlags & ~(MapFlags.BPF_F_RDONLY | MapFlags.BPF_F_WRONLY)) != 0) {
            throw new BpfException(Errno.EINVAL, "open_flags 0x" + Integer.toHexString(openFlags) + ": only BPF_F_RDONLY/BPF_F_WRONLY");
        }
        requireSysAdmin(task, "map");
        if ((openFlags & MapFlags.BPF_F_RDONLY) != 0 && (openFlags & MapFlags.BPF_F_WRONLY) != 0) {
            throw new BpfException(Errno.EINVAL, "open_flags: BPF_F_RDONLY with BPF_F_WRONLY");
        }
        MapObject m = rt.mapIds().getIf(id, MapObject::tryIncWithUref);   // bpf_map_inc_not_zero under map_idr_lock
        if (m == null) {
            throw new BpfException(Errno.ENOENT, "no live map with id " + id);
        }
        return Fds.install(task, new File.MapFile(m, File.modeFromFlags(openFlags)));
    }

    /** {@code bpf_prog_get_fd_by_id}. */
    int progFd(Task task, int id) {
        requireSysAdmin(task, "prog");
        ProgObject p = rt.progIds().getIf(id, ProgObject::tryInc);
        if (p == null) {
            throw new BpfException(Errno.ENOENT, "no live prog with id " + id);
        }
        return Fds.install(task, new File.ProgFile(p, File.FMODE_RDWR));
    }

    /** {@code bpf_link_get_fd_by_id}: EAGAIN for a primed, not yet settled link. */
    int linkFd(Task task, int id) {
        requireSysAdmin(task, "link");
        LinkObject l = rt.linkIds().get(id);
        if (l != null && !l.settled()) {
            throw new BpfException(Errno.EAGAIN, "link id " + id + " is not settled yet");
        }
        if (l == null || !l.tryInc()) {
            throw new BpfException(Errno.ENOENT, "no live link with id " + id);
        }
        return Fds.install(task, new File.LinkFile(l, File.FMODE_RDWR));
    }

    /** {@code btf_get_fd_by_id}. */
    int btfFd(Task task, int id) {
        requireSysAdmin(task, "btf");
        BtfObject b = rt.btfIds().getIf(id, BtfObject::tryInc);
        if (b == null) {
            throw new BpfException(Errno.ENOENT, "no live btf with id " + id);
        }
        return Fds.install(task, new File.BtfFile(b, File.FMODE_RDWR));
    }
}
