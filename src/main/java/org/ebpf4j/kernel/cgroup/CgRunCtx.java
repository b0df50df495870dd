package org.ebpf4j.kernel.cgroup;

import org.ebpf4j.map.storage.CgroupStorageRunCtx;

/**
 * {@code struct bpf_cg_run_ctx} (include/linux/bpf.h): what a program run from a cgroup hook can
 * reach besides its context. {@link #retval} is the chain's running result that
 * {@code bpf_get_retval}/{@code bpf_set_retval} read and write (and that getsockopt's
 * {@code ctx->retval} aliases); {@link #prog} the program running now. One instance per run of
 * an effective array, used by one thread.
 */
public final class CgRunCtx {
    /** The chain's result so far (0, or -errno). */
    public int retval;
    /** bit1 of the return codes seen so far, when the hook asks for them (egress CN, bind). */
    public int retFlags;
    /** The program currently running (kernel: {@code run_ctx.prog_item}). */
    public CgroupProg prog;
    /**
     * Arena address of a context field that aliases {@link #retval} while a program runs, or 0.
     * getsockopt's {@code ctx->retval} is rewritten by the kernel into an access of
     * {@code run_ctx->retval} ({@code cg_sockopt_convert_ctx_access}); here the context is a
     * plain UAPI struct, so the running program's engine side copies {@link #retval} into this
     * field before each program and back after it, and bpf_get/set_retval go through it.
     */
    public long retvalAlias;

    /** Where {@code bpf_get_local_storage} finds the running item's storages (null: no legacy storage). */
    public CgroupStorageRunCtx storageCtx;

    public CgRunCtx(int retval) { this.retval = retval; }

    /** bpf_get_retval(). */
    public int getRetval() { return retval; }

    /** bpf_set_retval(x): always 0. */
    public int setRetval(int x) {
        retval = x;
        return 0;
    }
}
