package org.ebpf4j.map;

/**
 * A map keyed, from user space, by an fd naming an owner object: the local-storage family
 * (SK_STORAGE by socket fd, CGRP_STORAGE by cgroup fd, TASK_STORAGE by pidfd) and legacy
 * CGROUP_STORAGE (by a {@code bpf_cgroup_storage_key}). The syscall layer resolves the fd to
 * the owner (EBADF, ENOTSOCK ... are its business) and calls these instead of the byte-key ops.
 *
 * @param <O> the owner type (socket, cgroup, task: defined by the kernel layer)
 */
public interface OwnerKeyedMap<O> extends BpfMap {
    byte[] lookupOwner(O owner, long flags);

    void updateOwner(O owner, byte[] value, long flags);

    void deleteOwner(O owner);
}
