package org.ebpf4j.kernel.iter;

import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The map half of {@code bpf_iter_attach_map} (kernel/bpf/map_iter.c,
 * net/core/bpf_sk_storage.c), shared by the iterator targets that take
 * {@code bpf_iter_link_info.map.map_fd}: map_fd 0 → EBADF; an fd that is not open → EBADF; not a
 * map → EINVAL ({@code __bpf_map_get}); then the map with a user reference, which the target
 * keeps in its link or drops with {@link MapObject#putWithUref()} when its own checks refuse it.
 */
final class IterMapArg {
    private IterMapArg() {}

    static MapObject get(Task task, Attrs.IterInfo info, String target) {
        int fd = info == null ? 0 : info.mapFd();
        if (fd == 0) {
            throw new BpfException(Errno.EBADF, "iter_info.map.map_fd is 0: the " + target + " iterator needs a map");
        }
        File f = task.fds().peek(fd);
        if (f == null) {
            throw new BpfException(Errno.EBADF, "iter_info.map.map_fd " + fd + " is not open");
        }
        if (!(f instanceof File.MapFile mf)) {
            throw new BpfException(Errno.EINVAL, "iter_info.map.map_fd " + fd + " is a " + f.what() + " fd, not a map");
        }
        MapObject mo = mf.map();
        if (!mo.tryIncWithUref()) {
            throw new BpfException(Errno.EBADF, "iter_info.map.map_fd " + fd + " was closed");
        }
        return mo;
    }
}
