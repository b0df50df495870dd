package org.ebpf4j.map.storage;

/**
 * A cgroup as CGRP_STORAGE sees it ({@code cgroup->bpf_cgrp_storage}, kernel/bpf/bpf_cgrp_storage.c).
 * Storage is freed with the cgroup ({@code css_free_rwork_fn} → {@code bpf_cgrp_storage_free});
 * {@link #acceptsNewStorage()} is false once rmdir started. {@link #online()} false makes a
 * syscall key fd of the cgroup answer ENOENT.
 */
public interface CgrpStorageOwner extends StorageOwner {
    /** The cgroup is not being removed ({@code cgroup_v1v2_get_from_fd} succeeds). */
    boolean online();
}
