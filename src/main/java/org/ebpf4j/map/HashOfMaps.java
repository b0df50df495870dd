package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_MAP_TYPE_HASH_OF_MAPS (kernel/bpf/hashtab.c {@code htab_of_maps_map_ops}; spec §7): the
 * {@link HashTab} core whose values are inner map pointers (8 bytes in the element, the inner
 * map's kernel address), where user space writes an inner map fd and reads back its id.
 *
 * <p>The table's elements hold addresses; the references themselves ({@link InnerMapRef}, one
 * per element) are kept beside them, counted per inner map, because a reference is a Java object
 * the arena cannot hold. An element leaving the table ({@link #removed}) puts one.
 *
 * <p>Check order of an update ({@code bpf_fd_htab_map_update_elem}): the fd first (EBADF /
 * EINVAL, even when the flags are bad too), then the template check (EINVAL), then the usual hash
 * update (EINVAL flags, EEXIST, ENOENT, E2BIG), whose failure drops the new reference.
 */
public final class HashOfMaps extends HashTab implements FdValueMap<InnerMapRef> {
    private final MapInMap mim;
    /** Inner map address → the references the elements hold on it. Guarded by itself. */
    private final java.util.HashMap<Long, Held> held = new java.util.HashMap<>();

    private static final class Held {
        final InnerMapRef ref;
        int count;

        Held(InnerMapRef ref) { this.ref = ref; }
    }

    /** {@code fd_htab_map_alloc_check}: value_size 4, then {@code htab_map_alloc_check}. */
    static int allocCheck(MapAttr a) {
        if (a.valueSize() != 4) {
            return Errno.EINVAL.negative();
        }
        return HashTab.allocCheck(a);
    }

    /** {@code htab_of_map_alloc}: the meta first, then the table. */
    HashOfMaps(MapAttr attr, MapEnv env) {
        MapMeta meta = MapMeta.alloc(attr.innerMap());
        super(attr, env, false, false, 8);
        this.mim = new MapInMap(meta, this);
    }

    @Override
    public MapMeta innerMapMeta() { return mim.meta(); }

    @Override
    public MetaEqual metaEqual() { return MetaEqual.NONE; }

    @Override
    public boolean waitsForProgramsOnWrite() { return true; }

    @Override
    public int syscallValueSize() { return 4; }

    // ---- program path ----

    /** {@code htab_of_map_lookup_elem}: the stored inner map pointer, or 0. */
    @Override
    public long lookupElem(long keyAddr, int cpu) {
        long v = super.lookupElem(keyAddr, cpu);
        return v == 0 ? 0 : arena.load64(v);
    }

    /** The verifier refuses writes to an outer map from programs (§7.6, MM-P1); at run time: not supported. */
    @Override
    public int updateElem(long keyAddr, long valueAddr, long flags, int cpu) { return Errno.EOPNOTSUPP.negative(); }

    @Override
    public int deleteElem(long keyAddr, int cpu) { return Errno.EOPNOTSUPP.negative(); }

    @Override
    public long forEachElem(ElemCallback callback, long ctx, long flags, int cpu) { return Errno.EOPNOTSUPP.negative(); }

    // ---- syscall path ----

    @Override
    public void updateFd(byte[] key, byte[] value, long flags, FdResolver<InnerMapRef> resolve) {
        checkKey(key);
        checkValue(value);
        updateObject(key, resolve.resolve(u32(value, 0)), flags);
    }

    @Override
    public void updateObject(byte[] key, InnerMapRef ref, long flags) {
        try {
            checkKey(key);
        } catch (BpfException e) {
            ref.put();
            throw e;
        }
        InnerMapRef r = mim.check(ref);
        long addr = r.map().address();
        hold(r);
        int err = updateCore(MemorySegment.ofArray(key), 0, MemorySegment.ofArray(le64(addr)), 0, flags, 0, true);
        if (err != 0) {
            unhold(addr, false);
            check(err, "update with flags 0x" + Long.toHexString(flags));
        }
    }

    @Override
    public void dropUnused(InnerMapRef ref) {
        if (ref != null) {
            ref.put();
        }
    }

    @Override
    public InnerMapRef objectAt(byte[] key) {
        checkKey(key);
        long v = valueAddrOf(key);
        if (v == 0) {
            return null;
        }
        synchronized (held) {
            Held h = held.get(arena.load64(v));
            return h == null ? null : h.ref;
        }
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        throw new BpfException(Errno.EINVAL, "HASH_OF_MAPS values are map fds: the syscall layer resolves them (updateFd)");
    }

    @Override
    public BatchResult updateBatch(byte[] keys, byte[] values, int count, long elemFlags, long flags) {
        throw new BpfException(Errno.EINVAL, "HASH_OF_MAPS batch values are map fds: the syscall layer resolves them (updateFdBatch)");
    }

    /** {@code htab_map_lookup_and_delete_elem} is not in the fd-htab ops: ENOTSUPP. */
    @Override
    public byte[] lookupAndDelete(byte[] key, long flags) {
        throw new BpfException(Errno.ENOTSUPP, "lookup_and_delete is not supported by HASH_OF_MAPS");
    }

    /** {@code bpf_fd_htab_map_lookup_elem} and the batches: the inner map's id. */
    @Override
    protected byte[] copyValue(long e, long flags) {
        long addr = arena.load64(valueOf(e, 0));
        synchronized (held) {
            Held h = held.get(addr);
            return le32(h == null ? 0 : h.ref.map().id());
        }
    }

    /** {@code htab_put_fd_value} with {@code need_defer}: an element left (delete, replace, batch delete). */
    @Override
    protected void removed(long valueAddr) { unhold(arena.load64(valueAddr), true); }

    private void hold(InnerMapRef ref) {
        mim.entered(ref);
        synchronized (held) {
            held.computeIfAbsent(ref.map().address(), a -> new Held(ref)).count++;
        }
    }

    /** Drops one element's reference on the map at {@code addr}. */
    private void unhold(long addr, boolean needDefer) {
        InnerMapRef ref;
        synchronized (held) {
            Held h = held.get(addr);
            if (h == null) {
                return;
            }
            ref = h.ref;
            if (--h.count == 0) {
                held.remove(addr);
            }
        }
        mim.put(ref, needDefer);
    }

    /** {@code fd_htab_map_free}: every element's reference, without deferral. */
    @Override
    protected void releaseRefs() {
        java.util.List<Held> all;
        synchronized (held) {
            all = new java.util.ArrayList<>(held.values());
            held.clear();
        }
        for (Held h : all) {
            for (int i = 0; i < h.count; i++) {
                mim.put(h.ref, false);
            }
        }
    }

    private static byte[] le64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
