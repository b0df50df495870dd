package org.ebpf4j.syscall;

import org.ebpf4j.kernel.BtfInfo;
import org.ebpf4j.kernel.BtfObject;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.KernelObject;
import org.ebpf4j.kernel.LinkObject;
import org.ebpf4j.kernel.MapInfo;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_OBJ_GET_INFO_BY_FD ({@code bpf_obj_get_info_by_fd}, kernel/bpf/syscall.c): dispatches on
 * what the fd is. Maps and BTF are described here; programs and links describe themselves
 * ({@link ProgObject#info()}, {@link LinkObject#info()}), which is the extension point for the
 * program and attach work.
 */
final class InfoCommands {
    ObjInfo info(Task task, int fd) {
        File f = task.fds().get(fd);   // EBADF
        KernelObject o = f.object();
        if (o == null) {
            throw new BpfException(Errno.EINVAL, "bpf_fd " + fd + " is a " + f.what() + " fd, not a BPF object");
        }
        if (!o.tryInc()) {
            throw new BpfException(Errno.EBADF, "bpf_fd " + fd + " was closed");
        }
        try {
            return switch (o) {
                case MapObject m -> mapInfo(m);
                case BtfObject b -> btfInfo(b);
                case ProgObject p -> p.info();
                case LinkObject l -> l.info();
                default -> throw new BpfException(Errno.EINVAL, "bpf_fd " + fd + ": no info for " + o.kind());
            };
        } finally {
            o.put();
        }
    }

    /** {@code bpf_map_get_info_by_fd}. */
    static MapInfo mapInfo(MapObject m) {
        BpfMap map = m.map();
        var a = map.attr();
        return new MapInfo(map.type(), m.id(), a.keySize(), a.valueSize(), a.maxEntries(), a.mapFlags(), a.name(),
                0, a.btfVmlinuxValueTypeId(), 0, 0, m.btf() == null ? 0 : m.btf().id(), m.btfKeyTypeId(),
                m.btfValueTypeId(), a.mapExtra());
    }

    /** {@code btf_get_info_by_fd}. */
    static BtfInfo btfInfo(BtfObject b) {
        return new BtfInfo(b.id(), b.raw(), b.size(), "", false);
    }
}
