package org.ebpf4j.map.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code struct bpf_local_storage} (kernel/bpf/bpf_local_storage.c, spec §1.1): the storage of
 * one owner: its elements, one per map, newest first, and the 16-slot cache indexed by each
 * map's {@code cache_idx} (§1.4). It exists only while it has an element (I2): when the last
 * goes, the owner's pointer is cleared and this object is dead for good.
 *
 * <p>The cache lives in the arena ({@link #cache}, {@link LocalStorageLayout}): programs reach
 * it from the owner's kernel address through the owner block's storage word, which
 * {@link OwnerTable} keeps equal to this block's address while this storage is the owner's. The
 * block is freed a grace period after the storage dies.
 *
 * <p>Readers (programs, syscall lookups) never lock: {@link #list} is an immutable array
 * replaced whole under {@link #lock}, cache slots are single words. Writers hold
 * {@link #lock}, the kernel's {@code local_storage->lock}. A thread that re-enters while holding
 * it (a program run from inside storage code) gets -EDEADLK instead of deadlocking, as the 7.0
 * {@code rqspinlock} answers (§1.12).
 */
public final class LocalStorage {
    /** {@code BPF_LOCAL_STORAGE_CACHE_SIZE}. */
    public static final int CACHE_SIZE = 16;
    /** {@code sizeof(struct bpf_local_storage)} on x86_64, Linux 6.18 (vmlinux BTF: 176): the sk charge. */
    public static final int KERNEL_SIZE = 176;
    /** Arena bytes of the storage block ({@code cache[16]}). */
    public static final int BLOCK_SIZE = LocalStorageLayout.STORAGE_BLOCK;

    private static final LocalStorageElem[] EMPTY = new LocalStorageElem[0];

    final StorageOwner owner;
    /** Arena address of {@code cache[16]}: each slot an sdata address or 0 (§1.4). Written under {@link #lock}. */
    final long cache;
    /** The elements, newest first ({@code hlist_add_head_rcu}); replaced whole under {@link #lock}. */
    volatile LocalStorageElem[] list = EMPTY;
    final ReentrantLock lock = new ReentrantLock();
    /** {@code mem_charge}: bytes charged to the owner for this storage and its elements. Under {@link #lock}. */
    int memCharge;

    /** A storage of {@code owner} whose cache is the zeroed arena block at {@code cache} ({@link #BLOCK_SIZE} bytes). */
    LocalStorage(StorageOwner owner, long cache) {
        this.owner = owner;
        this.cache = cache;
    }

    public StorageOwner owner() { return owner; }

    /** Number of live elements (one per map that has a value here). */
    public int size() { return list.length; }

    /** Arena address of the cache block (what the owner block's storage word points to). */
    public long address() { return cache; }

    /**
     * {@code bpf_local_storage_lookup()} (§1.5) as the Java side does it: a walk of the list
     * (the program path checks the cache slot first, {@link LocalStorageMap#helperGet(OwnerResolver,
     * long, long, long)}); with {@code cacheit} a hit is put in the map's cache slot (skipped when
     * the lock is busy on this thread, as 7.0 skips on a failed lock).
     */
    LocalStorageElem lookup(LocalStorageMap smap, boolean cacheit) {
        LocalStorageElem found = null;
        for (LocalStorageElem x : list) {
            if (x.smap == smap) {
                found = x;
                break;
            }
        }
        if (found == null || !cacheit || lock.isHeldByCurrentThread()) {
            return found;
        }
        long slot = cache + LocalStorageLayout.cacheSlot(smap.cacheIdx);
        lock.lock();
        try {
            if (found.storage == this) {   // selem_linked_to_storage()
                smap.storageArena().storeRelease64(slot, found.sdata);
            }
        } finally {
            lock.unlock();
        }
        return found;
    }

    /** Under {@link #lock}: adds {@code e} at the head of the list. */
    void linkLocked(LocalStorageElem e) {
        LocalStorageElem[] old = list;
        LocalStorageElem[] n = new LocalStorageElem[old.length + 1];
        n[0] = e;
        System.arraycopy(old, 0, n, 1, old.length);
        e.storage = this;
        list = n;
    }

    /**
     * Under {@link #lock}: {@code bpf_selem_unlink_storage_nolock()}: removes {@code e}, clears its
     * cache slot, uncharges it; if it was the last, unpublishes this storage from its owner and
     * uncharges the storage itself. Returns true if {@code e} was linked here (the caller then
     * owns its teardown).
     */
    boolean unlinkLocked(LocalStorageElem e) {
        if (e.storage != this) {
            return false;
        }
        LocalStorageElem[] old = list;
        LocalStorageElem[] n = new LocalStorageElem[old.length - 1];
        for (int i = 0, j = 0; i < old.length; i++) {
            if (old[i] != e) {
                n[j++] = old[i];
            }
        }
        e.storage = null;
        list = n;
        long slot = cache + LocalStorageLayout.cacheSlot(e.smap.cacheIdx);
        if (e.smap.storageArena().load64(slot) == e.sdata) {
            e.smap.storageArena().storeRelease64(slot, 0);
        }
        e.smap.uncharge(owner, e.smap.elemSize());
        memCharge -= e.smap.elemSize();
        if (n.length == 0) {
            owner.bpfStorage().compareAndSet(this, null);
            e.smap.owners.storageChanged(owner);   // the owner block forgets this storage ...
            e.smap.uncharge(owner, KERNEL_SIZE);
            memCharge -= KERNEL_SIZE;
            e.smap.freeStorageBlockDeferred(cache);   // ... before the grace period for its block starts
        }
        return true;
    }

    /**
     * {@code bpf_local_storage_destroy()} (§1.10): the owner is going away. Every element is
     * unlinked from its storage and its map, then freed after a grace period; the owner's
     * pointer is cleared. Cannot fail; safe against a concurrent map free (each element is torn
     * down by exactly one of the two). Owners call this from their destructor.
     */
    public static void destroy(StorageOwner owner) {
        LocalStorage ls = owner.bpfStorage().get();
        if (ls == null) {
            return;
        }
        List<LocalStorageElem> mine = new ArrayList<>();
        ls.lock.lock();
        try {
            for (LocalStorageElem e : ls.list) {
                if (ls.unlinkLocked(e)) {
                    mine.add(e);
                }
            }
        } finally {
            ls.lock.unlock();
        }
        for (LocalStorageElem e : mine) {
            e.smap.unlinkFromMap(e);
            e.smap.freeElemDeferred(e);
        }
    }
}
