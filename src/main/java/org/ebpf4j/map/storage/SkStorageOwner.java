package org.ebpf4j.map.storage;

/**
 * What SK_STORAGE needs of a socket (net/core/bpf_sk_storage.c): the storage slot, whether it is
 * a full socket ({@code sk_fullsock}: request and timewait sockets are not), and the option
 * memory account ({@code sk->sk_omem_alloc} against the netns' {@code optmem_max}) that elements
 * and the storage are charged to (spec §1.9, §4.3). The socket model implements this.
 */
public interface SkStorageOwner extends StorageOwner {
    /** {@code sk_fullsock(sk)}. */
    default boolean fullsock() { return true; }

    /** {@code atomic_read(&sk->sk_omem_alloc)}. */
    int omemAlloc();

    /** {@code atomic_add(delta, &sk->sk_omem_alloc)} (negative to uncharge). */
    void omemAdd(int delta);

    /** {@code sock_net(sk)->core.sysctl_optmem_max} (131072 on Linux 6.18 by default). */
    int optmemMax();
}
