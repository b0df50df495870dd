package org.ebpf4j.kernel.sysctl;

import org.ebpf4j.kernel.prog.CtxAccess;

/**
 * {@code sysctl_is_valid_access} (kernel/bpf/cgroup.c) over the UAPI {@code struct bpf_sysctl}:
 * {@code __u32 write} at 0 (read only) and {@code __u32 file_pos} at 4 (read; written only as a
 * whole u32). Reads may be narrow ({@code bpf_ctx_narrow_access_ok}). The kernel rewrites
 * {@code file_pos} into an access of {@code *ppos}; here the field is plain and {@link Sysctl}
 * copies it to and from the file position around the run.
 */
public final class SysctlCtxAccess implements CtxAccess {
    /** {@code offsetof(struct bpf_sysctl, write)}. */
    public static final int WRITE = 0;
    /** {@code offsetof(struct bpf_sysctl, file_pos)}. */
    public static final int FILE_POS = 4;
    /** {@code sizeof(struct bpf_sysctl)}. */
    public static final int SIZE = 8;

    @Override public int ctxSize() { return SIZE; }

    @Override
    public Access check(int off, int size, boolean write) {
        if (off < 0 || size <= 0 || off + size > SIZE || off % size != 0) {
            return null;
        }
        int field = off < FILE_POS ? WRITE : FILE_POS;
        if (write) {
            return field == FILE_POS && size == 4 ? new Access(off, size) : null;
        }
        // bpf_ctx_narrow_access_ok: 1, 2 or 4 bytes inside the u32 field (an 8-byte load spans both)
        return size <= 4 ? new Access(off, size) : null;
    }
}
