package org.ebpf4j.map;

import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_MAP_TYPE_ARRAY_OF_MAPS (kernel/bpf/arraymap.c {@code array_of_maps_map_ops}; spec §7):
 * an {@link FdArrayMap} whose slots hold references to inner maps matching the template given
 * at creation ({@link MapMeta}).
 *
 * <p>User space: update with an inner map fd (BPF_ANY only; E2BIG out of range; EINVAL when the
 * map does not match the template), lookup → the inner map's id, delete (E2BIG / ENOENT),
 * get_next_key over every index, LOOKUP_BATCH; UPDATE_BATCH through {@link #updateFdBatch};
 * DELETE_BATCH and LOOKUP_AND_DELETE_BATCH → ENOTSUPP. After a write the syscall layer waits for
 * running programs ({@link #waitsForProgramsOnWrite()}).
 *
 * <p>Programs: {@code bpf_map_lookup_elem(&outer, &index)} gives the inner map's kernel address
 * ({@code struct bpf_map *}), usable as r1 of further map helpers, or NULL.
 */
public final class ArrayOfMaps extends FdArrayMap<InnerMapRef> {
    private final MapInMap mim;

    static int allocCheck(MapAttr a) { return FdArrayMap.allocCheck(a); }

    /** {@code array_of_map_alloc}: the meta first ({@code bpf_map_meta_alloc}), then the array. */
    ArrayOfMaps(MapAttr attr, MapEnv env) {
        MapMeta meta = MapMeta.alloc(attr.innerMap());
        super(attr, env);
        this.mim = new MapInMap(meta, this);
    }

    @Override
    public MapMeta innerMapMeta() { return mim.meta(); }

    @Override
    public MetaEqual metaEqual() { return MetaEqual.NONE; }

    @Override
    public boolean waitsForProgramsOnWrite() { return true; }

    /** {@code array_of_map_lookup_elem}: the inner map's address, or 0. Program path. */
    @Override
    public long lookupElem(long keyAddr, int cpu) {
        InnerMapRef r = slot(arena.load32(keyAddr));
        return r == null ? 0 : r.map().address();
    }

    @Override
    protected InnerMapRef check(InnerMapRef ref) { return mim.check(ref); }

    @Override
    protected void entered(InnerMapRef ref) { mim.entered(ref); }

    @Override
    protected void put(InnerMapRef ref, boolean needDefer) { mim.put(ref, needDefer); }

    @Override
    protected int objectId(InnerMapRef ref) { return ref.map().id(); }

    @Override
    public BatchResult deleteBatch(byte[] keys, int count, long elemFlags, long flags) {
        throw new BpfException(Errno.ENOTSUPP, "delete_batch is not supported by ARRAY_OF_MAPS");
    }

    @Override
    public BatchResult lookupAndDeleteBatch(byte[] inBatch, int count, long elemFlags, long flags) {
        throw new BpfException(Errno.ENOTSUPP, "lookup_and_delete_batch is not supported by ARRAY_OF_MAPS");
    }

    /** {@code bpf_fd_array_map_clear(map, false)} from {@code map_free}: no program can reach us. */
    @Override
    protected void releaseRefs() { clear(false); }

    @Override
    protected void freeStorage() {}
}
