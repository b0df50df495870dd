package org.ebpf4j.map;

import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.helper.TailCallSlots;

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
public final class ProgArrayMap extends FdArrayMap<ProgRef> implements TailCallSlots {

    static int allocCheck(MapAttr a) { return FdArrayMap.allocCheck(a); }

    ProgArrayMap(MapAttr attr, MapEnv env) {
        super(attr, env);
    }

    /** The program in slot {@code index} for a tail call, or null (out of range or empty). */
    public ProgRef progAt(long index) { return slot(index); }

    /** {@code array->ptrs[index]->bpf_func}: bpf_tail_call's slot read, for JITs that bind the map. */
    @Override
    public Executable tailCallTarget(long index) {
        ProgRef p = slot(index);
        return p == null ? null : p.executable();
    }

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
