package org.ebpf4j.map.storage;

import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_MAP_TYPE_TASK_STORAGE (kernel/bpf/bpf_task_storage.c; spec §5.1): storage on tasks, keyed
 * from user space by a pidfd. No memory charge beyond the map's memcg (not modelled). The 7.0
 * baseline: no busy counter, so recursion never gives -EBUSY (§1.12).
 */
public final class TaskStorageMap extends LocalStorageMap {
    public TaskStorageMap(MapAttr attr, MapEnv env) {
        super(attr, env);
    }

    @Override
    protected StorageOwner accept(StorageOwner owner) { return owner instanceof TaskStorageOwner t ? t : null; }

    @Override
    protected String ownerKind() { return "task"; }

    /** {@code pidfd_get_pid}: EBADF for a non-pidfd; {@code pid_task} NULL (reaped) → ENOENT. */
    @Override
    public StorageOwner ownerOfFile(Object file, int fd) {
        if (!(file instanceof PidFdRef pidfd)) {
            throw new BpfException(Errno.EBADF, "key fd " + fd + " is not a pidfd");
        }
        TaskStorageOwner t = pidfd.task();
        if (t == null) {
            throw new BpfException(Errno.ENOENT, "key fd " + fd + ": the process was reaped");
        }
        return t;
    }
}
