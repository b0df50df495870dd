package org.ebpf4j.map.storage;

/**
 * Kernel pointer → owner: what a helper's owner argument ({@code struct sock *},
 * {@code struct task_struct *}, {@code struct cgroup *}) points at. The kernel model passes its
 * own; {@link OwnerTable} is an arena-backed one. Must be fast and must not throw: it is on
 * every helper call.
 */
@FunctionalInterface
public interface OwnerResolver {
    /** The owner whose kernel address is {@code addr}, or null (NULL or not an owner). */
    StorageOwner ownerAt(long addr);
}
