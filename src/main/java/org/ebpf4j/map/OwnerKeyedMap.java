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
    /**
     * The owner named by a key fd, given the object the syscall layer found behind the fd (a
     * socket, a cgroup directory, a pidfd, any other file): the per-type resolution of spec
     * §3.1 ({@code sockfd_lookup} → ENOTSOCK, {@code pidfd_get_pid} → EBADF, a reaped task →
     * ENOENT, {@code cgroup_v1v2_get_from_fd} → EBADF). {@code fd} is for messages.
     */
    O ownerOfFile(Object file, int fd);

    byte[] lookupOwner(O owner, long flags);

    void updateOwner(O owner, byte[] value, long flags);

    void deleteOwner(O owner);
}
