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

    /**
     * The fd half of attaching: a new O_RDWR link fd in {@code task}'s table, owning this link's
     * reference. If no fd can be had (EMFILE) the link is put, which detaches and frees it: the
     * kernel reserves the fd before attaching, so there too a failed attach leaves no fd and no link.
     */
    public final int installFd(Task task) {
        try {
            return task.fds().install(new File.LinkFile(this, File.FMODE_RDWR));
        } catch (org.ebpf4j.uapi.BpfException e) {
            put();
            throw e;
        }
    }

    /** BPF_OBJ_GET_INFO_BY_FD for this link ({@code struct bpf_link_info}). */
    public abstract ObjInfo info();
}
