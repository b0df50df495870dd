package org.ebpf4j.map.storage;

/**
 * {@code struct bpf_local_storage_elem} (include/linux/bpf_local_storage.h): one value of one
 * map in one owner's storage. Its {@code sdata} ({@link #sdata}: the map's kernel address, then
 * the value, {@link LocalStorageLayout}) is in the arena, where cache slots point; the value
 * ({@link #data}) is the address a program gets from {@code bpf_*_storage_get}. It is never
 * moved, and freed only after a grace period once the element is unlinked (I4: a program still
 * holding it writes into a dead element, and those writes are lost).
 *
 * <p>{@link #storage} is the element's link to its owner's storage: non-null exactly while the
 * element is live (I3). It goes to null once, under the storage lock; whoever does that (delete,
 * replace, owner destruction, map destruction) owns the rest of the teardown, so each element is
 * freed exactly once whichever paths race (the 7.0 "nofail" state bits play this role).
 */
public final class LocalStorageElem {
    /** {@code sizeof(struct bpf_local_storage_elem)} on x86_64, Linux 6.18 (vmlinux BTF: 128). */
    public static final int KERNEL_SIZE = 128;

    /** {@code sdata.smap}: identity of the map this element belongs to (the cache check). */
    final LocalStorageMap smap;
    /** Arena address of {@code sdata}: its first word is the map's kernel address. */
    final long sdata;
    /** {@code sdata.data}: arena address of the value ({@link #sdata} + 8). */
    final long data;
    /** {@code local_storage}: the owning storage while linked, null once unlinked. Written under its lock. */
    volatile LocalStorage storage;
    /** {@code map_node}'s bucket in {@link #smap}, set when linked into the map. */
    Object bucket;

    /** An element over the arena block at {@code sdata}, whose smap word the caller has written. */
    LocalStorageElem(LocalStorageMap smap, long sdata) {
        this.smap = smap;
        this.sdata = sdata;
        this.data = sdata + LocalStorageLayout.SDATA_DATA;
    }

    /** The value's arena address. */
    public long data() { return data; }

    /** True while linked to an owner's storage. */
    public boolean linked() { return storage != null; }

    public LocalStorageMap map() { return smap; }
}
