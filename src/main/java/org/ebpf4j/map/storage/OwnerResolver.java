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

    /**
     * The arena address of the storage block of the owner at {@code addr} ({@code
     * sk->sk_bpf_storage}, {@link LocalStorageLayout}) if this resolver keeps it beside the
     * owner's kernel address, else 0; must not throw. Nonzero lets {@code bpf_*_storage_get}
     * answer a cache hit without resolving the owner object ({@link OwnerTable} does); a resolver
     * that answers 0 only costs every get the {@link #ownerAt} call.
     */
    default long storageAt(long addr) { return 0; }
}
