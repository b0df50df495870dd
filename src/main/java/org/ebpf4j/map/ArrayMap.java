package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY (kernel/bpf/arraymap.c): {@code max_entries}
 * preallocated values indexed by a u32 key. Values are contiguous in the arena, each rounded up
 * to 8 bytes ({@code elem_size}); ARRAY's value area is what {@code BPF_PSEUDO_MAP_VALUE} (global
 * data) and mmap ({@code BPF_F_MMAPABLE}, page aligned) point into. PERCPU_ARRAY keeps
 * {@code possibleCpus} values per index, laid out {@code [index][cpu]}.
 *
 * <p>Elements are never deleted (delete is EINVAL); updates copy in place, so a reader racing a
 * writer may see a value half old, half new (whole 8-byte words), as on Linux.
 */
final class ArrayMap extends MapBase {
    /** {@code ARRAY_CREATE_FLAG_MASK}. */
    private static final int CREATE_FLAG_MASK = MapFlags.BPF_F_NUMA_NODE | MapFlags.BPF_F_MMAPABLE
            | MapFlags.BPF_F_ACCESS_MASK | MapFlags.BPF_F_PRESERVE_ELEMS | MapFlags.BPF_F_INNER_MAP;

    private final boolean percpu;
    private final int ncpus;
    private final int elemSize;
    private final int maxEntries;
    private final long values;
    private final long valuesBytes;
    /** One 8-byte key slot per CPU for {@code bpf_for_each_map_elem} (the kernel uses its stack). */
    private final long keyScratch;

    /** {@code array_map_alloc_check}, in its order. */
    static int allocCheck(MapAttr a) {
        boolean percpu = a.type() == MapType.PERCPU_ARRAY;
        if (a.maxEntries() == 0 || a.keySize() != 4 || a.valueSize() == 0
                || (a.mapFlags() & ~CREATE_FLAG_MASK) != 0 || !MapFlags.accessOk(a.mapFlags())
                || (percpu && a.effectiveNumaNode() != MapFlags.NUMA_NO_NODE)) {
            return Errno.EINVAL.negative();
        }
        if (a.type() != MapType.ARRAY && a.has(MapFlags.BPF_F_MMAPABLE | MapFlags.BPF_F_INNER_MAP)) {
            return Errno.EINVAL.negative();
        }
        if (a.type() != MapType.PERF_EVENT_ARRAY && a.has(MapFlags.BPF_F_PRESERVE_ELEMS)) {
            return Errno.EINVAL.negative();
        }
        if (Integer.toUnsignedLong(a.valueSize()) > Integer.MAX_VALUE) {
            return Errno.E2BIG.negative();
        }
        if (percpu && MapFlags.round8(a.valueSize()) > MapFlags.PCPU_MIN_UNIT_SIZE) {
            return Errno.E2BIG.negative();
        }
        return 0;
    }

    /** {@code array_map_alloc}. */
    ArrayMap(MapAttr attr, MapEnv env) {
        super(attr, env);
        this.percpu = attr.type() == MapType.PERCPU_ARRAY;
        this.ncpus = percpu ? env.possibleCpus() : 1;
        this.elemSize = MapFlags.round8(attr.valueSize());
        this.maxEntries = attr.maxEntries();
        long bytes = Integer.toUnsignedLong(maxEntries) * elemSize * ncpus;
        if (attr.has(MapFlags.BPF_F_MMAPABLE)) {
            bytes = (bytes + 4095) & -4096L;   // mmap works on whole pages
        }
        if (bytes >= 0xffff_ffffL - 4096) {
            throw allocFailed(Errno.ENOMEM, "array of " + Integer.toUnsignedString(maxEntries) + " x " + elemSize
                    + " bytes is too large");
        }
        this.valuesBytes = bytes;
        this.values = arena.alloc(bytes);
        this.keyScratch = values == 0 ? 0 : arena.alloc(8L * env.possibleCpus());
        if (values == 0 || keyScratch == 0) {
            if (values != 0) {
                arena.free(values, bytes);
            }
            throw allocFailed(Errno.ENOMEM, "no arena memory for " + bytes + " bytes of array values");
        }
    }

    /** {@code array_map_meta_equal} for ARRAY; PERCPU_ARRAY uses the generic one (§7.3). */
    @Override
    public MetaEqual metaEqual() { return percpu ? MetaEqual.GENERIC : MetaEqual.ARRAY; }

    @Override
    public int syscallValueSize() { return percpu ? elemSize * ncpus : attr.valueSize(); }

    @Override
    public long directValueAddress() { return percpu ? 0 : values; }

    private long valueAddr(long index, int cpu) {
        return values + (index * ncpus + cpu) * elemSize;
    }

    // ---- program path ----

    /** {@code array_map_lookup_elem} / {@code percpu_array_map_lookup_elem}. */
    @Override
    public long lookupElem(long keyAddr, int cpu) {
        long index = arena.load32(keyAddr);
        if (index >= Integer.toUnsignedLong(maxEntries)) {
            return 0;
        }
        return valueAddr(index, percpu ? cpu : 0);
    }

    /** {@code percpu_array_map_lookup_percpu_elem}. */
    @Override
    public long lookupPercpuElem(long keyAddr, int targetCpu) {
        if (!percpu || targetCpu < 0 || targetCpu >= ncpus) {
            return 0;
        }
        long index = arena.load32(keyAddr);
        return index >= Integer.toUnsignedLong(maxEntries) ? 0 : valueAddr(index, targetCpu);
    }

    /** {@code array_map_update_elem}: from a program, a per-CPU array writes this CPU's value. */
    @Override
    public int updateElem(long keyAddr, long valueAddr, long flags, int cpu) {
        long index = arena.load32(keyAddr);
        int err = checkUpdate(index, flags);
        if (err != 0) {
            return err;
        }
        long dst = valueAddr(index, percpu ? cpu : 0);
        long srcOff = arena.offset(valueAddr, attr.valueSize());
        long dstOff = arena.offset(dst, attr.valueSize());
        if ((flags & MapFlags.BPF_F_LOCK) != 0) {
            MapValues.copyLocked(arena, dst, mem, srcOff, mem, dstOff, attr.valueSize(), lockOff);
        } else {
            MapValues.copy(mem, srcOff, mem, dstOff, attr.valueSize(), lockOff);
        }
        return 0;
    }

    private int checkUpdate(long index, long flags) {
        if ((flags & ~MapFlags.BPF_F_LOCK) > MapFlags.BPF_EXIST) {
            return Errno.EINVAL.negative();
        }
        if (index >= Integer.toUnsignedLong(maxEntries)) {
            return Errno.E2BIG.negative();
        }
        if ((flags & MapFlags.BPF_NOEXIST) != 0) {
            return Errno.EEXIST.negative();   // all elements already exist
        }
        if ((flags & MapFlags.BPF_F_LOCK) != 0 && lockOff < 0) {
            return Errno.EINVAL.negative();
        }
        return 0;
    }

    /** {@code array_map_delete_elem}: elements cannot be deleted. */
    @Override
    public int deleteElem(long keyAddr, int cpu) { return Errno.EINVAL.negative(); }

    /** {@code bpf_for_each_array_elem}. */
    @Override
    public long forEachElem(ElemCallback callback, long ctx, long flags, int cpu) {
        if (flags != 0) {
            return Errno.EINVAL.negative();
        }
        long key = keyScratch + 8L * cpu;
        long n = 0;
        for (int i = 0; Integer.compareUnsigned(i, maxEntries) < 0; i++) {
            arena.store32(key, i);
            long ret = callback.call(address(), key, valueAddr(Integer.toUnsignedLong(i), percpu ? cpu : 0), ctx);
            n++;
            if (ret != 0) {
                break;
            }
        }
        return n;
    }

    // ---- syscall path ----

    @Override
    public byte[] lookup(byte[] key, long flags) {
        checkKey(key);
        checkLookupFlags(flags);
        long index = Integer.toUnsignedLong(u32(key, 0));
        if (index >= Integer.toUnsignedLong(maxEntries)) {
            throw new BpfException(Errno.ENOENT, "index " + index + " >= max_entries " + Integer.toUnsignedString(maxEntries));
        }
        byte[] out = new byte[syscallValueSize()];
        if (percpu) {   // bpf_percpu_array_copy: every CPU's value, each elem_size long
            for (int c = 0; c < ncpus; c++) {
                MapValues.copyOut(mem, arena.offset(valueAddr(index, c), elemSize), out, c * elemSize, elemSize, lockOff);
            }
        } else if ((flags & MapFlags.BPF_F_LOCK) != 0) {
            long src = valueAddr(index, 0);
            MapValues.lock(arena, src + lockOff);
            try {
                MapValues.copyOut(mem, arena.offset(src, out.length), out, 0, out.length, lockOff);
            } finally {
                MapValues.unlock(arena, src + lockOff);
            }
        } else {
            MapValues.copyOut(mem, arena.offset(valueAddr(index, 0), out.length), out, 0, out.length, lockOff);
        }
        return out;
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        checkValue(value);
        checkLockFlag(flags);
        long index = Integer.toUnsignedLong(u32(key, 0));
        MemorySegment src = MemorySegment.ofArray(value);
        if (percpu) {   // bpf_percpu_array_update: F_LOCK is an unknown flag here
            if (flags > MapFlags.BPF_EXIST) {
                throw new BpfException(Errno.EINVAL, "update flags 0x" + Long.toHexString(flags) + " on a per-CPU array");
            }
            check(checkUpdate(index, flags), "update of index " + index);
            for (int c = 0; c < ncpus; c++) {
                long dst = valueAddr(index, c);
                MapValues.copy(src, (long) c * elemSize, mem, arena.offset(dst, elemSize), attr.valueSize(), lockOff);
            }
            return;
        }
        check(checkUpdate(index, flags), "update of index " + index);
        long dst = valueAddr(index, 0);
        long dstOff = arena.offset(dst, attr.valueSize());
        if ((flags & MapFlags.BPF_F_LOCK) != 0) {
            MapValues.copyLocked(arena, dst, src, 0, mem, dstOff, attr.valueSize(), lockOff);
        } else {
            MapValues.copy(src, 0, mem, dstOff, attr.valueSize(), lockOff);
        }
    }

    @Override
    public void delete(byte[] key) {
        checkKey(key);
        throw new BpfException(Errno.EINVAL, "array elements cannot be deleted");
    }

    /** {@code array_map_get_next_key}: NULL or out-of-range key → index 0; the last index → ENOENT. */
    @Override
    public byte[] getNextKey(byte[] key) {
        long index = -1;
        if (key != null) {
            checkKey(key);
            index = Integer.toUnsignedLong(u32(key, 0));
        }
        long max = Integer.toUnsignedLong(maxEntries);
        if (index < 0 || index >= max) {
            return le32(0);
        }
        if (index == max - 1) {
            throw new BpfException(Errno.ENOENT, "index " + index + " is the last");
        }
        return le32((int) (index + 1));
    }

    @Override
    public BatchResult lookupBatch(byte[] inBatch, int count, long elemFlags, long flags) {
        return GenericBatch.lookup(this, inBatch, count, elemFlags, flags);
    }

    @Override
    public BatchResult updateBatch(byte[] keys, byte[] values, int count, long elemFlags, long flags) {
        return GenericBatch.update(this, keys, values, count, elemFlags);
    }

    /** {@code array_map_mem_usage}. */
    @Override
    public long memUsage() { return MapHeader.SIZE + valuesBytes; }

    @Override
    protected void freeStorage() {
        arena.free(values, valuesBytes);
        arena.free(keyScratch, 8L * env.possibleCpus());
    }
}
