package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * The core of the hash map family (kernel/bpf/hashtab.c): HASH, PERCPU_HASH, LRU_HASH and
 * LRU_PERCPU_HASH are thin subclasses choosing {@code percpu} and {@code lru}.
 *
 * <p>Layout: {@code n_buckets = roundup_pow_of_two(max_entries)} bucket heads (a Java
 * {@link AtomicLongArray}); each chain is a singly linked list of arena elements
 * <pre>
 *  0        8       12       16               16+round8(key)
 *  | next   | hash  | ref    | key ...        | value (or one per CPU, each round8) |
 * </pre>
 * ending in a "nulls" marker {@code (bucket << 1) | 1} as the kernel's {@code hlist_nulls}: a
 * lock-free reader that ends on another bucket's marker has followed an element that was
 * deleted and reused meanwhile, and restarts. Writers take a striped bucket lock. A replaced or
 * deleted element is freed only after {@link MapEnv#afterGracePeriod}, so a value address a
 * program holds stays valid for its run; an update of an existing key publishes a new element
 * (the old value is never torn), except with BPF_F_LOCK and for per-CPU values, which are
 * updated in place as on Linux.
 *
 * <p>Elements come from a preallocated block ({@code max_entries} + one spare per CPU, as
 * {@code extra_elems}) unless {@code BPF_F_NO_PREALLOC}; elements still waiting for their grace
 * period do not count towards {@code max_entries}, and when the block runs dry meanwhile a
 * spare element is taken from the arena. LRU maps take elements from {@link Lru} instead.
 */
abstract class HashTab extends MapBase {
    /** {@code HTAB_CREATE_FLAG_MASK}. */
    private static final int CREATE_FLAG_MASK = MapFlags.BPF_F_NO_PREALLOC | MapFlags.BPF_F_NO_COMMON_LRU
            | MapFlags.BPF_F_NUMA_NODE | MapFlags.BPF_F_ACCESS_MASK | MapFlags.BPF_F_ZERO_SEED;
    private static final int NEXT = 0;
    private static final int HASH = 8;
    static final int REF = 12;
    private static final int KEY = 16;
    private static final int LOCK_STRIPES = 1024;

    protected final boolean percpu;
    protected final boolean lru;
    protected final int ncpus;
    private final int keySize;
    private final int valueSize;
    private final int valueRound;
    private final int valueOff;
    private final int elemSize;
    private final int nBuckets;
    private final int hashrnd;
    private final int maxEntries;
    private final AtomicLongArray heads;
    private final Object[] locks;
    private final AtomicInteger count = new AtomicInteger();
    private final boolean prealloc;
    private final long block;
    private final int blockElems;
    private final int[] freeStack;
    private int freeTop;
    private final Lru lruList;
    private final DeferredFree deferred;

    /** {@code htab_map_alloc_check}, in its order. */
    static int allocCheck(MapAttr a) {
        boolean percpu = a.type() == MapType.PERCPU_HASH || a.type() == MapType.LRU_PERCPU_HASH;
        boolean lru = a.type() == MapType.LRU_HASH || a.type() == MapType.LRU_PERCPU_HASH;
        boolean percpuLru = a.has(MapFlags.BPF_F_NO_COMMON_LRU);
        boolean prealloc = !a.has(MapFlags.BPF_F_NO_PREALLOC);
        // BPF_F_ZERO_SEED needs CAP_SYS_ADMIN (EPERM): the model runs privileged
        if ((a.mapFlags() & ~CREATE_FLAG_MASK) != 0 || !MapFlags.accessOk(a.mapFlags())) {
            return Errno.EINVAL.negative();
        }
        if (!lru && percpuLru) {
            return Errno.EINVAL.negative();
        }
        if (lru && !prealloc) {
            return Errno.ENOTSUPP.negative();
        }
        if (a.effectiveNumaNode() != MapFlags.NUMA_NO_NODE && (percpu || percpuLru)) {
            return Errno.EINVAL.negative();
        }
        if (a.maxEntries() == 0 || a.keySize() == 0 || a.valueSize() == 0) {
            return Errno.EINVAL.negative();
        }
        // KMALLOC_MAX_SIZE (4 MiB with SLUB on x86-64) minus sizeof(struct htab_elem) (48)
        if (Integer.toUnsignedLong(a.keySize()) + Integer.toUnsignedLong(a.valueSize()) >= (4L << 20) - 48) {
            return Errno.E2BIG.negative();
        }
        if (percpu && MapFlags.round8(a.valueSize()) > MapFlags.PCPU_MIN_UNIT_SIZE) {
            return Errno.E2BIG.negative();
        }
        return 0;
    }

    /** {@code htab_map_alloc}. */
    HashTab(MapAttr attr, MapEnv env, boolean percpu, boolean lru) {
        this(attr, env, percpu, lru, attr.valueSize());
    }

    /**
     * {@code htab_map_alloc} storing {@code storedValueSize} bytes per value instead of
     * value_size: HASH_OF_MAPS keeps an 8-byte map pointer where user space sees a 4-byte fd/id
     * (the kernel's element has {@code round_up(value_size, 8)} bytes and stores the pointer there).
     */
    HashTab(MapAttr attr, MapEnv env, boolean percpu, boolean lru, int storedValueSize) {
        super(adjust(attr, env), env);
        this.percpu = percpu;
        this.lru = lru;
        this.ncpus = env.possibleCpus();
        this.maxEntries = this.attr.maxEntries();
        if (Integer.toUnsignedLong(maxEntries) > 1L << 31) {
            throw allocFailed(Errno.E2BIG, "max_entries " + Integer.toUnsignedString(maxEntries) + " > 2^31");
        }
        this.keySize = attr.keySize();
        this.valueSize = storedValueSize;
        this.valueRound = MapFlags.round8(valueSize);
        this.valueOff = KEY + MapFlags.round8(keySize);
        this.elemSize = valueOff + valueRound * (percpu ? ncpus : 1);
        long buckets = Long.highestOneBit(Math.max(Integer.toUnsignedLong(maxEntries) - 1, 1)) << (maxEntries != 1 ? 1 : 0);
        if (buckets * 8 > arena.size()) {
            throw allocFailed(Errno.ENOMEM, "no memory for " + buckets + " hash buckets");
        }
        this.nBuckets = (int) buckets;
        this.hashrnd = attr.has(MapFlags.BPF_F_ZERO_SEED) ? 0 : ThreadLocalRandom.current().nextInt();
        this.heads = new AtomicLongArray(nBuckets);
        for (int b = 0; b < nBuckets; b++) {
            heads.set(b, nulls(b));
        }
        this.locks = new Object[Math.min(nBuckets, LOCK_STRIPES)];
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
        this.prealloc = !attr.has(MapFlags.BPF_F_NO_PREALLOC);
        if (prealloc) {
            blockElems = lru ? maxEntries : maxEntries + ncpus;
            long bytes = (long) blockElems * elemSize;
            block = bytes < (1L << 40) ? arena.alloc(bytes) : 0;
            if (block == 0) {
                throw allocFailed(Errno.ENOMEM, "no arena memory for " + blockElems + " hash elements of " + elemSize + " bytes");
            }
        } else {
            blockElems = 0;
            block = 0;
        }
        if (lru) {
            int lists = attr.has(MapFlags.BPF_F_NO_COMMON_LRU) ? ncpus : 1;
            lruList = new Lru(arena, block, elemSize, REF, blockElems, lists);
            freeStack = null;
        } else {
            lruList = null;
            freeStack = new int[blockElems];
            for (int i = 0; i < blockElems; i++) {
                freeStack[i] = blockElems - 1 - i;
            }
            freeTop = blockElems;
        }
        this.deferred = new DeferredFree(env.afterGracePeriod(), this::releaseRetired);
    }

    /** With BPF_F_NO_COMMON_LRU, max_entries is rounded to a multiple of the CPUs (each list gets its share). */
    private static MapAttr adjust(MapAttr a, MapEnv env) {
        if (!a.has(MapFlags.BPF_F_NO_COMMON_LRU)) {
            return a;
        }
        long n = env.possibleCpus();
        long max = Integer.toUnsignedLong(a.maxEntries());
        long up = (max + n - 1) / n * n;
        long adjusted = up > 0xffff_ffffL ? max / n * n : up;
        return new MapAttr(a.type(), a.keySize(), a.valueSize(), (int) adjusted, a.mapFlags(), a.innerMap(),
                a.numaNode(), a.name(), a.btfFd(), a.btfKeyTypeId(), a.btfValueTypeId(), a.btfVmlinuxValueTypeId(),
                a.mapExtra(), a.mapIfindex(), a.spinLockOff());
    }

    private static long nulls(int bucket) { return ((long) bucket << 1) | 1; }

    private Object lockOf(int bucket) { return locks[bucket & (locks.length - 1)]; }

    final long valueOf(long elem, int cpu) { return elem + valueOff + (long) cpu * valueRound; }

    @Override
    public int syscallValueSize() { return percpu ? valueRound * ncpus : valueSize; }

    // ---- element allocation ----

    /** A fresh element (zeroed if from the arena), or 0 if the map is full / out of memory. */
    private long allocElem(boolean replacing, int cpu) {
        if (lru) {
            int i = lruList.pop(lruList.listOf(cpu), this::evict);
            return i < 0 ? 0 : block + (long) i * elemSize;
        }
        if (!replacing && count.get() >= maxEntries) {
            return 0;
        }
        if (prealloc) {
            synchronized (freeStack) {
                if (freeTop > 0) {
                    return block + (long) freeStack[--freeTop] * elemSize;
                }
            }
        }
        return arena.alloc(elemSize);
    }

    /** Returns an element that was never published. */
    private void releaseUnpublished(long elem) {
        if (lru) {
            lruList.free(index(elem));
        } else {
            recycle(elem);
        }
    }

    private int index(long elem) { return (int) ((elem - block) / elemSize); }

    private void recycle(long elem) {
        if (prealloc && elem >= block && elem < block + (long) blockElems * elemSize) {
            synchronized (freeStack) {
                freeStack[freeTop++] = index(elem);
            }
        } else {
            arena.free(elem, elemSize);
        }
    }

    /** An element left its bucket: reusable once no program can hold it (batched: {@link DeferredFree}). */
    private void retire(long elem) {
        removed(valueOf(elem, 0));
        if (lru) {
            lruList.remove(index(elem));
        }
        deferred.retire(elem);
    }

    /** A batch of retired elements has waited its grace period: back to the LRU or the free stack. */
    private void releaseRetired(long[] elems, int n) {
        if (lru) {
            for (int i = 0; i < n; i++) {
                lruList.free(index(elems[i]));
            }
            return;
        }
        if (prealloc) {
            synchronized (freeStack) {
                for (int i = 0; i < n; i++) {
                    long e = elems[i];
                    if (e >= block && e < block + (long) blockElems * elemSize) {
                        freeStack[freeTop++] = index(e);
                        elems[i] = 0;
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (elems[i] != 0) {
                arena.free(elems[i], elemSize);   // a spare taken from the arena when the block ran dry
            }
        }
    }

    /** Retired elements outside the preallocated block go back to the arena with the map. */
    private void freeRetiredSpares(long[] elems, int n) {
        for (int i = 0; i < n; i++) {
            long e = elems[i];
            if (!(prealloc && e >= block && e < block + (long) blockElems * elemSize)) {
                arena.free(e, elemSize);
            }
        }
    }

    /**
     * An element holding {@code valueAddr} has just left the table (delete, replace, batch
     * delete); called at once, before the grace period. HASH_OF_MAPS puts the inner map here
     * ({@code htab_put_fd_value}).
     */
    protected void removed(long valueAddr) {}

    /** {@code htab_lru_map_delete_node}: the LRU evicts element {@code i} if it is still in its bucket. */
    private boolean evict(int i) {
        long elem = block + (long) i * elemSize;
        int b = (int) arena.load32(elem + HASH) & (nBuckets - 1);
        synchronized (lockOf(b)) {
            return unlink(b, elem);
        }
    }

    // ---- the chains ----

    private int hash(MemorySegment seg, long off) { return JHash.hash(seg, off, keySize, hashrnd); }

    /** {@code lookup_nulls_elem_raw}: lock-free; restarts when a reused element led elsewhere. */
    private long find(int hash, MemorySegment keySeg, long keyOff) {
        int b = hash & (nBuckets - 1);
        long end = nulls(b);
        while (true) {
            long e = heads.getAcquire(b);
            while ((e & 1) == 0) {
                long off = arena.offset(e, valueOff);
                if (mem.get(MapValues.I32, off + HASH) == hash && MapValues.equal(mem, off + KEY, keySeg, keyOff, keySize)) {
                    return e;
                }
                e = mem.get(MapValues.I64, off + NEXT);
            }
            if (e == end) {
                return 0;
            }
        }
    }

    /** Under the bucket lock: inserts at the head ({@code hlist_nulls_add_head_rcu}). */
    private void link(int b, long elem) {
        arena.store64(elem + NEXT, heads.get(b));
        heads.setRelease(b, elem);
    }

    /** Under the bucket lock: removes {@code elem}, leaving its next pointer for readers on it. */
    private boolean unlink(int b, long elem) {
        long e = heads.get(b);
        if (e == elem) {
            heads.setRelease(b, arena.load64(elem + NEXT));
            count.decrementAndGet();
            return true;
        }
        while ((e & 1) == 0) {
            long next = arena.load64(e + NEXT);
            if (next == elem) {
                arena.storeRelease64(e + NEXT, arena.load64(elem + NEXT));
                count.decrementAndGet();
                return true;
            }
            e = next;
        }
        return false;
    }

    /** {@code check_flags}. */
    private static int checkFlags(long old, long flags) {
        long f = flags & ~MapFlags.BPF_F_LOCK;
        if (old != 0 && f == MapFlags.BPF_NOEXIST) {
            return Errno.EEXIST.negative();
        }
        if (old == 0 && f == MapFlags.BPF_EXIST) {
            return Errno.ENOENT.negative();
        }
        return 0;
    }

    /** Writes one value, or all CPUs' values, of a new or existing element. */
    private void fillValue(long elem, MemorySegment src, long srcOff, boolean allCpus, int cpu, boolean fresh) {
        if (!percpu) {
            MapValues.copy(src, srcOff, mem, arena.offset(valueOf(elem, 0), valueSize), valueSize, lockOff);
            if (fresh) {
                MapValues.initLock(arena, valueOf(elem, 0), lockOff);
            }
            return;
        }
        for (int c = 0; c < ncpus; c++) {
            long dst = arena.offset(valueOf(elem, c), valueRound);
            if (allCpus) {
                MapValues.copy(src, srcOff + (long) c * valueRound, mem, dst, valueSize, -1);
            } else if (c == cpu) {
                MapValues.copy(src, srcOff, mem, dst, valueSize, -1);
            } else if (fresh) {
                mem.asSlice(dst, valueRound).fill((byte) 0);   // pcpu_init_value: other CPUs start at zero
            }
        }
    }

    /**
     * {@code htab_map_update_elem} and its per-CPU / LRU variants, for both paths: the key and
     * value are read from {@code keySeg}/{@code valSeg}; {@code allCpus} when the value holds every
     * CPU's value (syscall path of per-CPU maps).
     */
    protected final int updateCore(MemorySegment keySeg, long keyOff, MemorySegment valSeg, long valOff,
                                   long flags, int cpu, boolean allCpus) {
        if (lru || percpu ? flags > MapFlags.BPF_EXIST : (flags & ~MapFlags.BPF_F_LOCK) > MapFlags.BPF_EXIST) {
            return Errno.EINVAL.negative();
        }
        boolean locked = (flags & MapFlags.BPF_F_LOCK) != 0;
        if (locked && lockOff < 0) {
            return Errno.EINVAL.negative();
        }
        int h = hash(keySeg, keyOff);
        int b = h & (nBuckets - 1);
        if (locked) {   // update in place without the bucket lock when the element exists
            long old = find(h, keySeg, keyOff);
            int err = checkFlags(old, flags);
            if (err != 0) {
                return err;
            }
            if (old != 0) {
                long v = valueOf(old, 0);
                MapValues.copyLocked(arena, v, valSeg, valOff, mem, arena.offset(v, valueSize), valueSize, lockOff);
                return 0;
            }
        }
        // LRU maps take their element before the bucket lock (it may evict); per-CPU LRU not for BPF_EXIST
        long fresh = 0;
        if (lru && !(percpu && flags == MapFlags.BPF_EXIST)) {
            fresh = allocElem(false, cpu);
            if (fresh == 0) {
                return Errno.ENOMEM.negative();
            }
        }
        long old;
        boolean published = false;
        synchronized (lockOf(b)) {
            old = find(h, keySeg, keyOff);
            int err = checkFlags(old, flags);
            if (err != 0) {
                if (fresh != 0) {
                    releaseUnpublished(fresh);
                }
                return err;
            }
            if (old != 0 && locked) {
                long v = valueOf(old, 0);
                MapValues.copyLocked(arena, v, valSeg, valOff, mem, arena.offset(v, valueSize), valueSize, lockOff);
                return 0;
            }
            if (old != 0 && percpu) {   // per-CPU values are updated in place (pcpu_copy_value)
                fillValue(old, valSeg, valOff, allCpus, cpu, false);
                if (lru) {
                    arena.store8(old + REF, 1);
                }
            } else {
                if (fresh == 0) {
                    fresh = allocElem(old != 0, cpu);
                    if (fresh == 0) {
                        return count.get() >= maxEntries ? Errno.E2BIG.negative() : Errno.ENOMEM.negative();
                    }
                }
                arena.store32(fresh + HASH, h);
                arena.store32(fresh + REF, 0);
                MemorySegment.copy(keySeg, keyOff, mem, arena.offset(fresh + KEY, keySize), keySize);
                fillValue(fresh, valSeg, valOff, allCpus, cpu, true);
                count.incrementAndGet();
                link(b, fresh);
                if (old != 0) {
                    unlink(b, old);
                }
                if (lru) {
                    lruList.inUse(index(fresh));
                }
                published = true;
            }
        }
        if (fresh != 0 && !published) {
            releaseUnpublished(fresh);   // per-CPU LRU: the key existed after all
        }
        if (old != 0 && published) {
            retire(old);
        }
        return 0;
    }

    /** {@code htab_map_delete_elem} / {@code htab_lru_map_delete_elem}. */
    protected final int deleteCore(MemorySegment keySeg, long keyOff) {
        int h = hash(keySeg, keyOff);
        int b = h & (nBuckets - 1);
        long old;
        synchronized (lockOf(b)) {
            old = find(h, keySeg, keyOff);
            if (old == 0) {
                return Errno.ENOENT.negative();
            }
            unlink(b, old);
        }
        retire(old);
        return 0;
    }

    // ---- program path ----

    @Override
    public long lookupElem(long keyAddr, int cpu) {
        long off = arena.offset(keyAddr, keySize);
        long e = find(hash(mem, off), mem, off);
        if (e == 0) {
            return 0;
        }
        if (lru && arena.load8(e + REF) == 0) {
            arena.store8(e + REF, 1);   // bpf_lru_node_set_ref: write only when unset
        }
        return valueOf(e, percpu ? cpu : 0);
    }

    @Override
    public long lookupPercpuElem(long keyAddr, int targetCpu) {
        if (!percpu || targetCpu < 0 || targetCpu >= ncpus) {
            return 0;
        }
        long off = arena.offset(keyAddr, keySize);
        long e = find(hash(mem, off), mem, off);
        return e == 0 ? 0 : valueOf(e, targetCpu);
    }

    @Override
    public int updateElem(long keyAddr, long valueAddr, long flags, int cpu) {
        return updateCore(mem, arena.offset(keyAddr, keySize), mem, arena.offset(valueAddr, valueSize), flags, cpu, false);
    }

    @Override
    public int deleteElem(long keyAddr, int cpu) {
        return deleteCore(mem, arena.offset(keyAddr, keySize));
    }

    /** {@code bpf_for_each_hash_elem}: the callback gets the element's own key. */
    @Override
    public long forEachElem(ElemCallback callback, long ctx, long flags, int cpu) {
        if (flags != 0) {
            return Errno.EINVAL.negative();
        }
        long n = 0;
        for (int b = 0; b < nBuckets; b++) {
            for (long e = heads.getAcquire(b); (e & 1) == 0; e = arena.load64(e + NEXT)) {
                n++;
                if (callback.call(address(), e + KEY, valueOf(e, percpu ? cpu : 0), ctx) != 0) {
                    return n;
                }
            }
        }
        return n;
    }

    // ---- syscall path ----

    /** The value of element {@code e} as user space reads it (lookup, batches). */
    protected byte[] copyValue(long e, long flags) {
        byte[] out = new byte[syscallValueSize()];
        if (percpu) {   // bpf_percpu_hash_copy
            for (int c = 0; c < ncpus; c++) {
                MapValues.copyOut(mem, arena.offset(valueOf(e, c), valueRound), out, c * valueRound, valueRound, -1);
            }
        } else if ((flags & MapFlags.BPF_F_LOCK) != 0) {
            long v = valueOf(e, 0);
            MapValues.lock(arena, v + lockOff);
            try {
                MapValues.copyOut(mem, arena.offset(v, valueSize), out, 0, valueSize, lockOff);
            } finally {
                MapValues.unlock(arena, v + lockOff);
            }
        } else {
            MapValues.copyOut(mem, arena.offset(valueOf(e, 0), valueSize), out, 0, valueSize, lockOff);
        }
        return out;
    }

    /** The value address of {@code key}'s element, or 0: the syscall side's find (no LRU touch). */
    final long valueAddrOf(byte[] key) {
        MemorySegment k = MemorySegment.ofArray(key);
        long e = find(hash(k, 0), k, 0);
        return e == 0 ? 0 : valueOf(e, 0);
    }

    @Override
    public byte[] lookup(byte[] key, long flags) {
        checkKey(key);
        checkLookupFlags(flags);
        MemorySegment k = MemorySegment.ofArray(key);
        long e = find(hash(k, 0), k, 0);   // the syscall path does not touch LRU recency
        if (e == 0) {
            throw new BpfException(Errno.ENOENT, "no element with this key");
        }
        return copyValue(e, flags);
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        checkValue(value);
        checkLockFlag(flags);
        check(updateCore(MemorySegment.ofArray(key), 0, MemorySegment.ofArray(value), 0, flags, 0, true),
                "update with flags 0x" + Long.toHexString(flags));
    }

    @Override
    public void delete(byte[] key) {
        checkKey(key);
        check(deleteCore(MemorySegment.ofArray(key), 0), "delete");
    }

    /** {@code htab_map_lookup_and_delete_elem}. */
    @Override
    public byte[] lookupAndDelete(byte[] key, long flags) {
        checkKey(key);
        checkLookupFlags(flags);
        MemorySegment k = MemorySegment.ofArray(key);
        int h = hash(k, 0);
        int b = h & (nBuckets - 1);
        long old;
        byte[] out;
        synchronized (lockOf(b)) {
            old = find(h, k, 0);
            if (old == 0) {
                throw new BpfException(Errno.ENOENT, "no element with this key");
            }
            out = copyValue(old, flags);
            unlink(b, old);
        }
        retire(old);
        return out;
    }

    /** {@code htab_map_get_next_key}: an unknown key restarts from the first element. */
    @Override
    public byte[] getNextKey(byte[] key) {
        int b = 0;
        if (key != null) {
            checkKey(key);
            MemorySegment k = MemorySegment.ofArray(key);
            int h = hash(k, 0);
            long e = find(h, k, 0);
            if (e != 0) {
                long next = arena.load64(e + NEXT);
                if ((next & 1) == 0) {
                    return arena.copyOut(next + KEY, keySize);
                }
                b = (h & (nBuckets - 1)) + 1;
            }
        }
        for (; b < nBuckets; b++) {
            long e = heads.getAcquire(b);
            if ((e & 1) == 0) {
                return arena.copyOut(e + KEY, keySize);
            }
        }
        throw new BpfException(Errno.ENOENT, "no next key");
    }

    @Override
    public BatchResult lookupBatch(byte[] inBatch, int count, long elemFlags, long flags) {
        return batch(inBatch, count, elemFlags, flags, false);
    }

    @Override
    public BatchResult lookupAndDeleteBatch(byte[] inBatch, int count, long elemFlags, long flags) {
        return batch(inBatch, count, elemFlags, flags, true);
    }

    @Override
    public BatchResult updateBatch(byte[] keys, byte[] values, int count, long elemFlags, long flags) {
        return GenericBatch.update(this, keys, values, count, elemFlags);
    }

    @Override
    public BatchResult deleteBatch(byte[] keys, int count, long elemFlags, long flags) {
        return GenericBatch.delete(this, keys, count, elemFlags);
    }

    /**
     * {@code __htab_map_lookup_and_delete_batch}: the token is a u32 bucket index; whole buckets
     * are copied; a bucket that does not fit in what is left of {@code count} ends the batch, with
     * ENOSPC if nothing was copied yet; ENOENT once the last bucket is done.
     */
    private BatchResult batch(byte[] inBatch, int max, long elemFlags, long flags, boolean delete) {
        GenericBatch.checkElemFlags(this, elemFlags);
        if (flags != 0) {
            throw new BpfException(Errno.EINVAL, "batch flags 0x" + Long.toHexString(flags) + " must be 0");
        }
        if (max == 0) {
            return new BatchResult(0, new byte[0], new byte[0], null, null);
        }
        long bucket = 0;
        if (inBatch != null) {
            if (inBatch.length != 4) {
                throw new BpfException(Errno.EINVAL, "in_batch of " + inBatch.length + " bytes: hash maps use a u32 bucket token");
            }
            bucket = Integer.toUnsignedLong(u32(inBatch, 0));
        }
        if (bucket >= nBuckets) {
            throw new BpfException(Errno.ENOENT, "in_batch bucket " + bucket + " >= n_buckets " + nBuckets);
        }
        int vs = syscallValueSize();
        byte[] keys = new byte[max * keySize];
        byte[] values = new byte[max * vs];
        int total = 0;
        Errno err = null;
        while (true) {
            int b = (int) bucket;
            java.util.List<Long> retired = delete ? new java.util.ArrayList<>() : null;
            int cnt = 0;
            synchronized (lockOf(b)) {
                for (long e = heads.get(b); (e & 1) == 0; e = arena.load64(e + NEXT)) {
                    cnt++;
                }
                if (cnt > max - total) {
                    if (total == 0) {
                        err = Errno.ENOSPC;
                    }
                    break;
                }
                int i = total;
                for (long e = heads.get(b); (e & 1) == 0; e = arena.load64(e + NEXT)) {
                    System.arraycopy(arena.copyOut(e + KEY, keySize), 0, keys, i * keySize, keySize);
                    System.arraycopy(copyValue(e, elemFlags), 0, values, i * vs, vs);
                    if (delete) {
                        retired.add(e);
                    }
                    i++;
                }
                if (delete) {
                    for (long e : retired) {
                        unlink(b, e);
                    }
                }
            }
            if (delete) {
                for (long e : retired) {
                    retire(e);
                }
            }
            total += cnt;
            bucket++;
            if (bucket >= nBuckets) {
                err = Errno.ENOENT;
                break;
            }
        }
        return new BatchResult(total, keys, values, le32((int) bucket), err);
    }

    /** {@code htab_map_mem_usage}, roughly: buckets, elements, the LRU's bookkeeping. */
    @Override
    public long memUsage() {
        long elems = prealloc ? (long) blockElems * elemSize : (long) count.get() * elemSize;
        return MapHeader.SIZE + 8L * nBuckets + elems;
    }

    @Override
    protected void freeStorage() {
        deferred.drain(this::freeRetiredSpares);
        if (prealloc) {
            arena.free(block, (long) blockElems * elemSize);
            return;
        }
        for (int b = 0; b < nBuckets; b++) {
            long e = heads.get(b);
            while ((e & 1) == 0) {
                long next = arena.load64(e + NEXT);
                arena.free(e, elemSize);
                e = next;
            }
            heads.set(b, nulls(b));
        }
    }
}
