package org.ebpf4j.map;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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

    private static final VarHandle TARGET = MethodHandles.arrayElementVarHandle(Executable[].class);

    /**
     * Per slot, what a tail call there runs ({@code ProgRef.executable()} of the slot's program),
     * kept with the slot by {@link #slotChanged}: the kernel's {@code array->ptrs[i]->bpf_func}
     * in one load from the map instead of three (slot array, program, its code).
     */
    private final Executable[] targets;

    ProgArrayMap(MapAttr attr, MapEnv env) {
        super(attr, env);
        targets = new Executable[attr.maxEntries()];
    }

    @Override
    protected void slotChanged(int i, ProgRef prog) {
        TARGET.setRelease(targets, i, prog == null ? null : prog.executable());
    }

    /** The program in slot {@code index} for a tail call, or null (out of range or empty). */
    public ProgRef progAt(long index) { return slot(index); }

    /** {@code array->ptrs[index]->bpf_func}: bpf_tail_call's slot read, for JITs that bind the map. */
    @Override
    public Executable tailCallTarget(long index) {
        Executable[] t = targets;
        return index < 0 || index >= t.length ? null : (Executable) TARGET.getAcquire(t, (int) index);
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
