package org.ebpf4j.kernel;

/**
 * A BPF link ({@code struct bpf_link}, kernel/bpf/syscall.c), for the attach work to subclass.
 * Links become visible by id in two steps as {@code bpf_link_prime} (id reserved:
 * {@link #prime(Runtime)}) then {@code bpf_link_settle} ({@link #settle()}); between the two
 * BPF_LINK_GET_FD_BY_ID answers EAGAIN.
 */
public abstract class LinkObject extends KernelObject {
    private volatile boolean settled;

    protected LinkObject(String origin) {
        super(ObjKind.LINK, origin);
    }

    /** {@code bpf_link_prime}: reserves the id. */
    protected final int prime(Runtime runtime) { return publishId(runtime.linkIds()); }

    /** {@code bpf_link_settle}: the link is attached and may be found by id. */
    protected final void settle() { settled = true; }

    public final boolean settled() { return settled; }

    /** BPF_OBJ_GET_INFO_BY_FD for this link ({@code struct bpf_link_info}). */
    public abstract ObjInfo info();
}
