package org.ebpf4j.map.storage;

/**
 * The three arena layouts a {@code bpf_*_storage_get} cache hit touches, described once (the
 * kernel's {@code sk->sk_bpf_storage} → {@code struct bpf_local_storage.cache[16]} →
 * {@code struct bpf_local_storage_data}, include/linux/bpf_local_storage.h). Keeping them in the
 * arena rather than in Java objects makes a hit three dependent loads from the owner's kernel
 * address, with no hash lookup and no object header in between (spec §1.4, §1.5).
 *
 * <p><b>Owner block</b> ({@link OwnerTable}): the owner's kernel address, what a program holds
 * as {@code struct sock *} / {@code struct task_struct *} / {@code struct cgroup *}.
 * <pre>
 *  0          4          8                        16
 *  +----------+----------+------------------------+
 *  |  index   |  MAGIC   |  storage (u64, or 0)   |
 *  +----------+----------+------------------------+
 * </pre>
 * {@code storage} is the address of the owner's storage block ({@code sk->sk_bpf_storage}), or 0
 * while the owner has no storage (I2).
 *
 * <p><b>Storage block</b> ({@link LocalStorage}): {@code cache[16]}, each an sdata address or 0.
 * <pre>
 *  0        8        16             120      128
 *  +--------+--------+-- ... -------+--------+
 *  | cache0 | cache1 |              |cache15 |
 *  +--------+--------+-- ... -------+--------+
 * </pre>
 *
 * <p><b>sdata</b> ({@link LocalStorageElem}): {@code struct bpf_local_storage_data}: the map's
 * kernel address (the cache hit check, {@code sdata->smap == smap}), then the value, whose
 * address is what programs get.
 * <pre>
 *  0                 8
 *  +-----------------+---------------------------+
 *  |  smap (u64)     |  value (round8(value_size)) |
 *  +-----------------+---------------------------+
 * </pre>
 * Writers change these words only under the storage's lock (cache slots, sdata) or the owner
 * table's (owner blocks), with release stores; readers load them without locks, and every block
 * a reader may still hold is freed only after a grace period.
 */
final class LocalStorageLayout {
    private LocalStorageLayout() {}

    /** Size of an owner block. */
    static final int OWNER_BLOCK = 16;
    static final int OWNER_INDEX = 0;
    static final int OWNER_MAGIC = 4;
    static final int OWNER_STORAGE = 8;

    /** Size of a storage block: {@code cache[BPF_LOCAL_STORAGE_CACHE_SIZE]}. */
    static final int STORAGE_BLOCK = 8 * LocalStorage.CACHE_SIZE;

    /** Offset of cache slot {@code idx} in a storage block. */
    static long cacheSlot(int idx) { return 8L * idx; }

    static final int SDATA_SMAP = 0;
    static final int SDATA_DATA = 8;
}
