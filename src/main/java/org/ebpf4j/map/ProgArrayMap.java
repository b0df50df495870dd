package org.ebpf4j.map;


/**
 * BPF_MAP_TYPE_PROG_ARRAY (kernel/bpf/arraymap.c, {@code prog_array_map_ops}): an
 * {@link FdArrayMap} of program references for {@code bpf_tail_call}. When the last user
 * reference goes ({@link #releaseUref}, {@code prog_array_map_clear}) every slot is cleared, so
 * an unpinned prog array whose fds are closed stops tail calls even while a program still holds
 * the map. A prog array cannot be an inner map (no {@code map_meta_equal}).
 *
 * <p>From user space the value is a prog fd (resolved by the syscall layer through
 * {@link #updateFd}); a lookup returns the program id.
 */
public final class ProgArrayMap extends FdArrayMap<ProgRef> {

    static int allocCheck(MapAttr a) { return FdArrayMap.allocCheck(a); }

    ProgArrayMap(MapAttr attr, MapEnv env) {
        super(attr, env);
    }

    /** The program in slot {@code index} for a tail call, or null (out of range or empty). */
    public ProgRef progAt(long index) { return slot(index); }

    @Override
    protected void put(ProgRef prog, boolean needDefer) { prog.release(); }

    @Override
    protected int objectId(ProgRef prog) { return prog.id(); }

    @Override
    public MetaEqual metaEqual() { return MetaEqual.NONE; }

    /** {@code prog_array_map_clear}: the last user reference went. */
    @Override
    public void releaseUref() { clear(false); }

    @Override
    protected void freeStorage() { clear(false); }
}
