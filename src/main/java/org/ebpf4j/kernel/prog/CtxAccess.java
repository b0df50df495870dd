package org.ebpf4j.kernel.prog;

/**
 * What a program type allows a program to do with its context: the kernel's
 * {@code bpf_verifier_ops.is_valid_access} (may this load or store of {@code size} bytes at
 * {@code off} happen?) together with {@code convert_ctx_access} (what does it become?). Asked once
 * per context access at load time by {@link CtxRewriter}; never on the program path.
 */
public interface CtxAccess {

    /** {@code sizeof} the UAPI context struct (what TEST_RUN's ctx_in/ctx_out exchange). */
    int ctxSize();

    /**
     * The access as the engine must perform it, or null if the kernel would refuse it
     * ({@code "invalid bpf_context access off=%d size=%d"}, EACCES).
     */
    Access check(int off, int size, boolean write);

    /**
     * An allowed access: at {@code off} with {@code size} bytes in the arena copy of the context
     * (equal to the program's own for plain fields; different for rewritten pointer fields).
     */
    record Access(int off, int size) {}

    /** The 5 u64 arguments of a tracepoint ({@code raw_tp_prog_is_valid_access}, read only). */
    static CtxAccess args(int nArgs, boolean anySize) {
        int max = nArgs * 8;
        return new CtxAccess() {
            @Override public int ctxSize() { return max; }

            @Override public Access check(int off, int size, boolean write) {
                if (off < 0 || off >= max || write || off % size != 0 || (!anySize && size != 8)) {
                    return null;
                }
                return new Access(off, size);
            }
        };
    }

    /**
     * A context the model lays out as its UAPI struct without rewrites: any aligned access inside
     * it; writes only where {@code writable} says. Used for the types whose exact field rules
     * belong to later issues (their own is_valid_access tables will replace this).
     */
    static CtxAccess plain(int size, boolean writable) {
        return new CtxAccess() {
            @Override public int ctxSize() { return size; }

            @Override public Access check(int off, int sz, boolean write) {
                if (off < 0 || off + sz > size || off % sz != 0 || (write && !writable)) {
                    return null;
                }
                return new Access(off, sz);
            }
        };
    }

    /** BPF_PROG_TYPE_SYSCALL ({@code syscall_prog_is_valid_access}): any aligned offset below U16_MAX. */
    CtxAccess SYSCALL = new CtxAccess() {
        @Override public int ctxSize() { return 0xffff; }

        @Override public Access check(int off, int size, boolean write) {
            return off < 0 || off >= 0xffff || off % size != 0 ? null : new Access(off, size);
        }
    };

    /**
     * struct bpf_sockopt ({@code cg_sockopt_is_valid_access}, kernel/bpf/cgroup.c): sk, optval and
     * optval_end are read whole (8 bytes); level, optname, optlen and retval are 4-byte fields
     * read whole; writes go only to optlen, to level/optname in a setsockopt program and to
     * retval in a getsockopt one, which alone may read retval. So an 8-byte store clang merges
     * from {@code ctx->optlen = 4; ctx->retval = 0;} is refused, as Linux refuses it.
     */
    static CtxAccess sockopt(boolean getsockopt) {
        return new CtxAccess() {
            @Override public int ctxSize() { return 40; }

            @Override public Access check(int off, int size, boolean write) {
                if (off < 0 || off >= 40 || size <= 0 || off % size != 0) {
                    return null;
                }
                boolean ok;
                if (write) {
                    ok = size == 4 && switch (off) {
                        case 36 -> getsockopt;              // retval
                        case 24, 28 -> !getsockopt;         // level, optname
                        case 32 -> true;                    // optlen
                        default -> false;
                    };
                } else {
                    ok = off < 24 ? size == 8 : size == 4 && (off != 36 || getsockopt);
                }
                return ok ? new Access(off, size) : null;
            }
        };
    }

    /** A type with no context the model can build: every access is refused. */
    CtxAccess NONE = new CtxAccess() {
        @Override public int ctxSize() { return 0; }

        @Override public Access check(int off, int size, boolean write) { return null; }
    };
}
