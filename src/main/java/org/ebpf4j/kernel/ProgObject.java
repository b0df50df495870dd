package org.ebpf4j.kernel;

import org.ebpf4j.map.ProgRef;
import org.ebpf4j.uapi.ProgType;

/**
 * A loaded program as the kernel core holds it ({@code struct bpf_prog} / {@code bpf_prog_aux}):
 * refcounted like every object ({@code bpf_prog_inc}/{@code bpf_prog_put}). The program side
 * (PROG_LOAD, package of the {@code prog} work) subclasses this with the instructions, the
 * executable and the maps it uses; it must call {@link #publish(Runtime)} once the load has
 * succeeded (the id is assigned at the very end of {@code bpf_prog_load}) and release its used
 * maps in {@link #destroy()}.
 *
 * <p>As a {@link ProgRef} it can sit in a PROG_ARRAY slot: the slot owns one reference,
 * {@link #release()} drops it.
 */
public abstract class ProgObject extends KernelObject implements ProgRef {

    protected ProgObject(String origin) {
        super(ObjKind.PROG, origin);
    }

    /** {@code bpf_prog_alloc_id}: makes the program visible by id in {@code runtime}. */
    protected final int publish(Runtime runtime) { return publishId(runtime.progIds()); }

    public abstract ProgType progType();

    /** The program name (at most 15 characters, as {@code bpf_obj_name_cpy} allows). */
    public abstract String name();

    /** BPF_OBJ_GET_INFO_BY_FD for this program ({@code struct bpf_prog_info}). */
    public abstract ObjInfo info();

    /** A PROG_ARRAY slot's reference goes ({@code bpf_prog_put}). */
    @Override
    public final void release() { put(); }

    @Override
    public String describe() { return "prog id " + id() + " " + progType() + " '" + name() + "'"; }
}
