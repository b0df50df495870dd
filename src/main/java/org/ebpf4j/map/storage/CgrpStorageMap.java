package org.ebpf4j.map.storage;

import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_MAP_TYPE_CGRP_STORAGE (kernel/bpf/bpf_cgrp_storage.c; spec §5.3, seed 4): storage on
 * cgroups, keyed from user space by a cgroup directory fd. Helpers are available to every
 * program type; create is refused once the cgroup is dying.
 */
public final class CgrpStorageMap extends LocalStorageMap {
    public CgrpStorageMap(MapAttr attr, MapEnv env) {
        super(attr, env);
    }

    @Override
    protected StorageOwner accept(StorageOwner owner) { return owner instanceof CgrpStorageOwner c ? c : null; }

    @Override
    protected String ownerKind() { return "cgroup"; }

    /** {@code cgroup_v1v2_get_from_fd}: EBADF for a non-cgroup fd, ENOENT for a cgroup being removed. */
    @Override
    public StorageOwner ownerOfFile(Object file, int fd) {
        if (!(file instanceof CgrpStorageOwner c)) {
            throw new BpfException(Errno.EBADF, "key fd " + fd + " is not a cgroup directory");
        }
        if (!c.online()) {
            throw new BpfException(Errno.ENOENT, "key fd " + fd + ": the cgroup is being removed");
        }
        return c;
    }
}
