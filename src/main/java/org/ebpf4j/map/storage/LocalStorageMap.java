package org.ebpf4j.map.storage;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapBase;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.map.MapValues;
import org.ebpf4j.map.OwnerKeyedMap;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * {@code struct bpf_local_storage_map} and the shared operations of kernel/bpf/bpf_local_storage.c
 * (spec §1): the map holds no keys, only buckets that index its elements so that map destruction
 * can find them; lookups go owner → {@link LocalStorage} → cache slot → list. The per-owner
 * types ({@link SkStorageMap}, {@link TaskStorageMap}, {@link CgrpStorageMap}) say which owners
 * they accept, how a key fd resolves, how memory is charged and how their helpers check flags.
 *
 * <p>Program-path methods return a value address / 0 / -errno and never throw; syscall-path
 * methods ({@link OwnerKeyedMap}) throw {@link BpfException} with the kernel's errno.
 */
public abstract class LocalStorageMap extends MapBase implements OwnerKeyedMap<StorageOwner> {
    /**
     * {@code BPF_LOCAL_STORAGE_MAX_VALUE_SIZE} on x86_64: {@code U16_MAX - sizeof(struct
     * bpf_local_storage_elem)} = 65407 (the elem_size is a u16).
     */
    public static final int MAX_VALUE_SIZE = 0xffff - LocalStorageElem.KERNEL_SIZE;
    /** {@code BPF_LOCAL_STORAGE_GET_F_CREATE} (= {@code BPF_SK_STORAGE_GET_F_CREATE}). */
    public static final long GET_F_CREATE = 1;

    /** One hash bucket ({@code struct bpf_local_storage_map_bucket}): elements by storage, and its lock. */
    private static final class Bucket {
        /** In insertion order; the kernel's list order is newest first ({@code hlist_add_head_rcu}). */
        final java.util.LinkedHashSet<LocalStorageElem> elems = new java.util.LinkedHashSet<>();
    }

    private final LocalStorageCache cache;
    /** The runtime's owner blocks, told when an owner's storage comes and goes. */
    final OwnerTable owners;
    /** The trampolines of the storage functions tracing programs attach to. */
    private final StorageProbes probes;
    final int cacheIdx;
    private final int elemSize;
    /** Arena bytes of one sdata: the smap word and the value. */
    private final int valueAlloc;
    private final Bucket[] buckets;

    protected LocalStorageMap(MapAttr attr, MapEnv env) {
        super(attr, env);
        this.cache = env.registry().familyState(LocalStorageCache.Caches.class, LocalStorageCache.Caches::new).of(attr.type());
        this.elemSize = LocalStorageElem.KERNEL_SIZE + attr.valueSize();
        this.valueAlloc = LocalStorageLayout.SDATA_DATA + MapFlags.round8(attr.valueSize());
        this.owners = OwnerTable.of(env.registry());
        this.probes = StorageProbes.of(env.registry());
        // nbuckets = roundup_pow_of_two(num_possible_cpus()), at least 2
        int n = Math.max(2, Integer.highestOneBit(Math.max(1, env.possibleCpus() - 1)) << 1);
        this.buckets = new Bucket[n];
        for (int i = 0; i < n; i++) {
            buckets[i] = new Bucket();
        }
        this.cacheIdx = cache.idxGet();   // last: nothing below can fail
    }

    /**
     * {@code bpf_local_storage_map_alloc_check()} (§1.2 step B), the same for every type, in the
     * kernel's order: 0 or -errno.
     */
    public static int allocCheck(MapAttr a) {
        if ((a.mapFlags() & ~(MapFlags.BPF_F_NO_PREALLOC | MapFlags.BPF_F_CLONE)) != 0
                || (a.mapFlags() & MapFlags.BPF_F_NO_PREALLOC) == 0
                || a.maxEntries() != 0
                || a.keySize() != 4
                || a.valueSize() == 0
                || a.btfKeyTypeId() == 0 || a.btfValueTypeId() == 0) {
            return Errno.EINVAL.negative();
        }
        if (Integer.toUnsignedLong(a.valueSize()) > MAX_VALUE_SIZE) {
            return Errno.E2BIG.negative();
        }
        return 0;
    }

    /** This map's slot in every owner's 16-entry cache. */
    public int cacheIdx() { return cacheIdx; }

    /** {@code smap->elem_size}: what one element costs its owner ({@code sizeof(elem)} + value_size). */
    public int elemSize() { return elemSize; }

    // ---- what the owner types decide ----

    /** The owner if it is of this map's kind (and usable, e.g. a full socket), else null. */
    protected abstract StorageOwner accept(StorageOwner owner);

    /** {@code map_local_storage_charge}: true if {@code size} bytes may be charged to the owner (and are). */
    protected boolean charge(StorageOwner owner, int size) { return true; }

    /** {@code map_local_storage_uncharge}. */
    protected void uncharge(StorageOwner owner, int size) {}

    // ---- program path ----

    /**
     * The value of {@code owner} for this map, or 0: the cache slot, then the list walk, whose hit
     * is cached. Program path: the caller is inside a read-side section (a program run), as the
     * kernel's lookup asserts {@code bpf_rcu_lock_held()}, since the cache block and the slot's
     * element are freed only a grace period after they die.
     */
    public final long lookupData(StorageOwner owner, boolean cacheit) { return lookupData(owner, cacheit, 0); }

    private long lookupData(StorageOwner owner, boolean cacheit, long missed) {
        LocalStorage ls = owner.bpfStorage().get();
        if (ls == null) {
            return 0;
        }
        long hit = ls.cache == missed ? 0 : cachedData(ls.cache);
        if (hit != 0) {
            return hit;
        }
        LocalStorageElem e = ls.lookup(this, cacheit);
        return e == null ? 0 : e.data;
    }

    /**
     * {@code bpf_local_storage_update()} (§1.6): creates or replaces this map's value in
     * {@code owner} from {@code src} at {@code srcOff} ({@code src} null: zero-filled).
     * Without BPF_F_LOCK a new element replaces the old one (a reader sees the old value or the
     * new one, whole); with BPF_F_LOCK an existing value is written in place under its spin lock.
     * Returns the value address or -errno (EINVAL, EEXIST, ENOENT, ENOMEM, EAGAIN, EDEADLK):
     * test with {@link #isErr}.
     */
    public final long update(StorageOwner owner, MemorySegment src, long srcOff, long flags) {
        StorageProbes.Probe probe = probes.update();
        if (probe == null || probe.idle()) {
            return updateBody(owner, src, srcOff, flags);
        }
        // bpf_local_storage_update(owner, smap, value, map_flags, swap_uptrs, gfp_flags): the model
        // passes the map's address and the flags; owner and value pointers are not modelled (0)
        return probe.call(new long[] {0, address(), 0, flags, 0, 0}, () -> updateBody(owner, src, srcOff, flags));
    }

    private long updateBody(StorageOwner owner, MemorySegment src, long srcOff, long flags) {
        long op = flags & ~MapFlags.BPF_F_LOCK;
        boolean locked = (flags & MapFlags.BPF_F_LOCK) != 0;
        if (Long.compareUnsigned(op, MapFlags.BPF_EXIST) > 0 || (locked && lockOff < 0)) {
            return Errno.EINVAL.negative();
        }
        LocalStorage ls = owner.bpfStorage().get();
        if (ls == null || ls.size() == 0) {
            if (op == MapFlags.BPF_EXIST) {
                return Errno.ENOENT.negative();
            }
            LocalStorageElem e = allocElem(owner, src, srcOff);
            if (e == null) {
                return Errno.ENOMEM.negative();
            }
            int err = allocStorage(owner, e);
            return err != 0 ? err : e.data;
        }
        if (locked && op != MapFlags.BPF_NOEXIST) {   // lockless in-place fast path
            LocalStorageElem old = ls.lookup(this, false);
            int err = checkFlags(old, op);
            if (err != 0) {
                return err;
            }
            if (old != null) {
                copyLocked(old, src, srcOff);
                return old.data;
            }
        }
        LocalStorageElem e = allocElem(owner, src, srcOff);   // before the lock, as the kernel
        if (e == null) {
            return Errno.ENOMEM.negative();
        }
        if (ls.lock.isHeldByCurrentThread()) {   // rqspinlock: re-entry on this CPU
            dropUnlinked(owner, e);
            return Errno.EDEADLK.negative();
        }
        LocalStorageElem old;
        ls.lock.lock();
        try {
            if (ls.size() == 0) {   // a racing delete emptied it; it is being freed
                dropUnlinked(owner, e);
                return Errno.EAGAIN.negative();
            }
            old = ls.lookup(this, false);
            int err = checkFlags(old, op);
            if (err != 0) {
                dropUnlinked(owner, e);
                return err;
            }
            if (old != null && locked) {
                copyLocked(old, src, srcOff);
                dropUnlinked(owner, e);
                return old.data;
            }
            linkToMap(e, ls);
            ls.linkLocked(e);
            ls.memCharge += elemSize;
            if (old != null && !ls.unlinkLocked(old)) {
                old = null;
            }
        } finally {
            ls.lock.unlock();
        }
        if (old != null) {
            unlinkFromMap(old);
            freeElemDeferred(old);
        }
        return e.data;
    }

    /**
     * Deletes this map's value from {@code owner} ({@code bpf_selem_unlink}, §1.7): 0, -ENOENT
     * if there is none, -EDEADLK on re-entry.
     */
    public final int delete(StorageOwner owner) {
        LocalStorage ls = owner.bpfStorage().get();
        LocalStorageElem e = ls == null ? null : ls.lookup(this, false);
        if (e == null) {
            return Errno.ENOENT.negative();
        }
        if (ls.lock.isHeldByCurrentThread()) {
            return Errno.EDEADLK.negative();
        }
        boolean mine;
        ls.lock.lock();
        try {
            mine = ls.unlinkLocked(e);
        } finally {
            ls.lock.unlock();
        }
        if (mine) {
            unlinkFromMap(e);
            freeElemDeferred(e);
        }
        return 0;
    }

    /**
     * {@code bpf_*_storage_get(map, owner, value, flags)} from a program, {@code ownerAddr} being
     * the owner's kernel address as {@code owners} knows it. When {@code owners} keeps the
     * owner's storage pointer in the arena ({@link OwnerResolver#storageAt}, as {@link OwnerTable}
     * does), a cache hit is the kernel's inline fast path (§1.5, include/linux/bpf_local_storage.h):
     * owner block → storage → this map's cache slot → {@code sdata->smap == smap} → the value,
     * four arena loads and no Java object. Anything else (no storage, a slot empty or held by a
     * map sharing it, creation) takes {@link #helperGet(StorageOwner, long, long)}. A hit needs no
     * {@link #accept} check: the element exists, so the owner was accepted when it was created,
     * and an owner's kind never changes.
     */
    public final long helperGet(OwnerResolver owners, long ownerAddr, long valueAddr, long flags) {
        if (Long.compareUnsigned(flags, GET_F_CREATE) > 0) {
            return 0;
        }
        long storage = owners.storageAt(ownerAddr);
        long hit = cachedData(storage);
        return hit != 0 ? hit : getSlow(owners.ownerAt(ownerAddr), valueAddr, flags, storage);
    }

    /**
     * The inline part of {@code bpf_local_storage_lookup()}: this map's value if the cache slot of
     * the storage block at {@code storage} (0: none) holds it, else 0.
     */
    private long cachedData(long storage) {
        if (storage == 0) {
            return 0;
        }
        long sdata = arena.load64(storage + LocalStorageLayout.cacheSlot(cacheIdx));
        if (sdata != 0 && arena.load64(sdata + LocalStorageLayout.SDATA_SMAP) == address()) {
            return sdata + LocalStorageLayout.SDATA_DATA;
        }
        return 0;
    }

    /**
     * The common {@code bpf_*_storage_get} algorithm (§2.1): NULL for bad flags, a NULL or foreign
     * owner; the existing value (cached); else, with F_CREATE on a live owner, a new value from
     * {@code valueAddr} (0: zero-filled). Any failure to create is NULL.
     */
    public final long helperGet(StorageOwner owner, long valueAddr, long flags) {
        if (Long.compareUnsigned(flags, GET_F_CREATE) > 0) {
            return 0;
        }
        return getSlow(owner, valueAddr, flags, 0);
    }

    /**
     * {@link #helperGet(StorageOwner, long, long)} once the flags are checked, knowing that the
     * cache slot of the storage block {@code missed} (0: none) does not hold this map's value.
     */
    private long getSlow(StorageOwner owner, long valueAddr, long flags, long missed) {
        StorageOwner o = owner == null ? null : accept(owner);
        if (o == null) {
            return 0;
        }
        long data = lookupData(o, true, missed);
        if (data != 0 || (flags & GET_F_CREATE) == 0 || !o.acceptsNewStorage()) {
            return data;
        }
        long r;
        if (valueAddr == 0) {
            r = update(o, null, 0, MapFlags.BPF_NOEXIST);
        } else {
            if (!arena.contains(valueAddr, attr.valueSize())) {
                return 0;
            }
            r = update(o, mem, arena.offset(valueAddr, attr.valueSize()), MapFlags.BPF_NOEXIST);
        }
        return isErr(r) ? 0 : r;
    }

    /**
     * {@code IS_ERR_VALUE}: arena addresses are kernel addresses, negative as a long, so an
     * error is only a value in [-4095, -1].
     */
    public static boolean isErr(long r) { return r < 0 && r >= -4095; }

    /** The common {@code bpf_*_storage_delete} (§2.1): -EINVAL for a NULL or foreign owner. */
    public int helperDelete(StorageOwner owner) {
        StorageOwner o = owner == null ? null : accept(owner);
        if (o == null) {
            return Errno.EINVAL.negative();
        }
        return delete(o);
    }

    /**
     * A copy of {@code e}'s value as {@code diag_get} (net/core/bpf_sk_storage.c) makes it:
     * {@code copy_map_value_locked} under the value's spin lock when the map has one, else
     * {@code copy_map_value}; the lock word reads as zeroes.
     */
    final byte[] copyValueLockedIfAny(LocalStorageElem e) {
        return copyValue(e, lockOff >= 0);
    }

    /**
     * {@code e}'s value with its special fields read as zeroes, copied under the value's spin lock
     * when {@code locked} ({@code copy_map_value_locked}), else as it stands ({@code copy_map_value}).
     */
    private byte[] copyValue(LocalStorageElem e, boolean locked) {
        byte[] out = new byte[attr.valueSize()];
        long off = arena.offset(e.data, out.length);
        if (locked) {
            MapValues.lock(arena, e.data + lockOff);
            try {
                MapValues.copyOut(mem, off, out, 0, out.length, lockOff);
            } finally {
                MapValues.unlock(arena, e.data + lockOff);
            }
        } else {
            MapValues.copyOut(mem, off, out, 0, out.length, lockOff);
        }
        return out;
    }

    // ---- syscall path ----

    @Override
    public byte[] lookupOwner(StorageOwner owner, long flags) {
        checkLookupFlags(flags);
        StorageOwner o = requireOwner(owner);
        LocalStorage ls = o.bpfStorage().get();
        LocalStorageElem e = ls == null ? null : ls.lookup(this, true);
        if (e == null) {
            throw new BpfException(Errno.ENOENT, type() + " map id " + id() + " has no value for this " + ownerKind());
        }
        return copyValue(e, (flags & MapFlags.BPF_F_LOCK) != 0);
    }

    @Override
    public void updateOwner(StorageOwner owner, byte[] value, long flags) {
        checkValue(value);
        StorageOwner o = requireOwner(owner);
        long r = update(o, MemorySegment.ofArray(value), 0, flags);
        if (isErr(r)) {
            throw new BpfException(Errno.of((int) r), "update of " + type() + " map id " + id() + " (flags 0x"
                    + Long.toHexString(flags) + ") for this " + ownerKind() + ": " + Errno.of((int) r).text());
        }
    }

    @Override
    public void deleteOwner(StorageOwner owner) {
        int r = delete(requireOwner(owner));
        if (r < 0) {
            throw new BpfException(Errno.of(r), "delete from " + type() + " map id " + id() + " for this " + ownerKind()
                    + ": " + Errno.of(r).text());
        }
    }

    private StorageOwner requireOwner(StorageOwner owner) {
        StorageOwner o = owner == null ? null : accept(owner);
        if (o == null) {
            throw new BpfException(Errno.EINVAL, "not a " + ownerKind() + " for " + type());
        }
        return o;
    }

    /** What the owner is, for messages ("socket", "task", "cgroup"). */
    protected abstract String ownerKind();

    @Override
    public byte[] lookup(byte[] key, long flags) { throw keyNotResolved(); }

    @Override
    public void update(byte[] key, byte[] value, long flags) { throw keyNotResolved(); }

    @Override
    public void delete(byte[] key) { throw keyNotResolved(); }

    private BpfException keyNotResolved() {
        return new BpfException(Errno.EINVAL, type() + " is keyed by a " + ownerKind()
                + " fd: the syscall layer must resolve it (OwnerKeyedMap)");
    }

    /** {@code notsupp_get_next_key}: ENOTSUPP (524), observed on Linux 6.18. */
    @Override
    public byte[] getNextKey(byte[] key) {
        throw new BpfException(Errno.ENOTSUPP, type() + " has no keys to iterate (get_next_key is not supported)");
    }

    @Override
    public long memUsage() {
        return 64L + 16L * buckets.length;   // bpf_local_storage_map_mem_usage: elements are charged to owners
    }

    // ---- internals ----

    /** {@code check_flags()}: EEXIST for NOEXIST on a present value, ENOENT for EXIST on an absent one. */
    private static int checkFlags(LocalStorageElem old, long op) {
        if (old != null && op == MapFlags.BPF_NOEXIST) {
            return Errno.EEXIST.negative();
        }
        if (old == null && op == MapFlags.BPF_EXIST) {
            return Errno.ENOENT.negative();
        }
        return 0;
    }

    private void copyLocked(LocalStorageElem dst, MemorySegment src, long srcOff) {
        if (src == null) {
            return;
        }
        MapValues.copyLocked(arena, dst.data, src, srcOff, mem, arena.offset(dst.data, attr.valueSize()),
                attr.valueSize(), lockOff);
    }

    /** {@code bpf_selem_alloc()}: charged, zeroed, value copied (special fields excluded); null on failure. */
    LocalStorageElem allocElem(StorageOwner owner, MemorySegment src, long srcOff) {
        if (!charge(owner, elemSize)) {
            return null;
        }
        long sd = arena.alloc(valueAlloc);
        if (sd == 0) {
            uncharge(owner, elemSize);
            return null;
        }
        arena.store64(sd + LocalStorageLayout.SDATA_SMAP, address());
        long d = sd + LocalStorageLayout.SDATA_DATA;
        if (src != null) {
            MapValues.copy(src, srcOff, mem, arena.offset(d, attr.valueSize()), attr.valueSize(), lockOff);
        }
        return new LocalStorageElem(this, sd);
    }

    /** An element that was never visible: uncharge and free at once. */
    private void dropUnlinked(StorageOwner owner, LocalStorageElem e) {
        uncharge(owner, elemSize);
        arena.free(e.sdata, valueAlloc);
    }

    /**
     * {@code bpf_local_storage_alloc()}: a new storage holding {@code e}, published with one CAS
     * on the owner's pointer, then in the owner's block; -ENOMEM if the storage cannot be charged or has no arena block, -EAGAIN if
     * another thread published a storage first (the kernel does not retry, nor do we).
     */
    private int allocStorage(StorageOwner owner, LocalStorageElem e) {
        if (!charge(owner, LocalStorage.KERNEL_SIZE)) {
            dropUnlinked(owner, e);
            return Errno.ENOMEM.negative();
        }
        long block = arena.alloc(LocalStorage.BLOCK_SIZE);
        if (block == 0) {
            uncharge(owner, LocalStorage.KERNEL_SIZE);
            dropUnlinked(owner, e);
            return Errno.ENOMEM.negative();
        }
        LocalStorage ls = new LocalStorage(owner, block);
        ls.lock.lock();
        try {
            linkToMap(e, ls);
            ls.linkLocked(e);
            ls.memCharge = elemSize + LocalStorage.KERNEL_SIZE;
            if (owner.bpfStorage().compareAndSet(null, ls)) {
                owners.storageChanged(owner);
                return 0;
            }
            e.storage = null;
            ls.list = new LocalStorageElem[0];
        } finally {
            ls.lock.unlock();
        }
        unlinkFromMap(e);
        uncharge(owner, LocalStorage.KERNEL_SIZE);
        dropUnlinked(owner, e);
        arena.free(block, LocalStorage.BLOCK_SIZE);   // never visible
        return Errno.EAGAIN.negative();
    }

    /** An element the map iterator visits: its owner and the arena address of its value. */
    public record IterElem(StorageOwner owner, long data) {}

    /**
     * The position of a map iterator ({@code struct bpf_iter_seq_sk_storage_map_info}: bucket_id,
     * skip_elems) over this map, net/core/bpf_sk_storage.c {@code bpf_sk_storage_map_seq_find_next}
     * (spec §4.5): bucket by bucket, each bucket's list newest first, elements whose
     * {@code local_storage} is gone (being freed) skipped.
     */
    public final class IterPos {
        private int bucket;
        private int skip;
        /** The bucket's list as it was when the current element was found (its next pointers). */
        private List<LocalStorageElem> list = List.of();

        /**
         * The element at the saved position (found again from the bucket's current list, as
         * {@code seq_start} does after a read stopped), or null past the end.
         */
        public IterElem start() {
            return scan(bucket, skip);
        }

        /**
         * The element after the current one: further down the list the current one was found in
         * (a deleted element keeps its next pointer, so deleting the current element skips
         * nothing), then the following buckets.
         */
        public IterElem next() {
            for (int i = skip + 1; i < list.size(); i++) {
                LocalStorageElem e = list.get(i);
                LocalStorage ls = e.storage;
                if (ls != null) {
                    skip = i;
                    return new IterElem(ls.owner(), e.data());
                }
            }
            return scan(bucket + 1, 0);
        }

        private IterElem scan(int from, int skipFirst) {
            for (int b = from; b < buckets.length; b++) {
                List<LocalStorageElem> snapshot;
                synchronized (buckets[b]) {
                    snapshot = new ArrayList<>(buckets[b].elems.reversed());
                }
                for (int i = b == from ? skipFirst : 0; i < snapshot.size(); i++) {
                    LocalStorageElem e = snapshot.get(i);
                    LocalStorage ls = e.storage;
                    if (ls != null) {
                        bucket = b;
                        skip = i;
                        list = snapshot;
                        return new IterElem(ls.owner(), e.data());
                    }
                }
            }
            bucket = buckets.length;
            skip = 0;
            list = List.of();
            return null;
        }
    }

    /** A new iterator position at the first bucket. */
    public IterPos iterPos() { return new IterPos(); }

    private Bucket bucketOf(LocalStorage ls) {
        return buckets[System.identityHashCode(ls) & (buckets.length - 1)];
    }

    private void linkToMap(LocalStorageElem e, LocalStorage ls) {
        Bucket b = bucketOf(ls);
        synchronized (b) {
            b.elems.add(e);
            e.bucket = b;
        }
    }

    /** Removes {@code e} from its bucket. Only the thread that unlinked it from its storage calls this. */
    void unlinkFromMap(LocalStorageElem e) {
        Bucket b = (Bucket) e.bucket;
        synchronized (b) {
            b.elems.remove(e);
        }
    }

    /** Frees the value after a grace period: a program may still hold its address (I4). */
    void freeElemDeferred(LocalStorageElem e) {
        env.afterGracePeriod().accept(() -> arena.free(e.sdata, valueAlloc));
    }

    /** Frees a dead storage's cache block after a grace period: a program may have read its address. */
    void freeStorageBlockDeferred(long block) {
        env.afterGracePeriod().accept(() -> arena.free(block, LocalStorage.BLOCK_SIZE));
    }

    /** The arena, for the storage core. */
    final org.ebpf4j.memory.Arena storageArena() { return arena; }

    /**
     * {@code bpf_local_storage_map_free()} (§1.11), after the grace period {@link MapBase#free()}
     * waited: gives back the cache slot, then unlinks every element from its owner's storage
     * (uncharging it; the last one clears the owner's pointer). No program can reach this map
     * any more, but a program of another map whose cache slot this map shared may still read
     * an element's smap word, so values go after a grace period like every other element's.
     * Safe against a concurrent owner destruction.
     */
    @Override
    protected void freeStorage() {
        cache.idxFree(cacheIdx);
        for (Bucket b : buckets) {
            List<LocalStorageElem> snapshot;
            synchronized (b) {
                snapshot = new ArrayList<>(b.elems);
            }
            for (LocalStorageElem e : snapshot) {
                LocalStorage ls = e.storage;
                if (ls == null) {
                    continue;   // its owner's destruction or a delete has it
                }
                boolean mine;
                ls.lock.lock();
                try {
                    mine = ls.unlinkLocked(e);
                } finally {
                    ls.lock.unlock();
                }
                if (mine) {
                    synchronized (b) {
                        b.elems.remove(e);
                    }
                    freeElemDeferred(e);
                }
            }
        }
    }
}
