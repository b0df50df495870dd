package org.ebpf4j.kernel.fs;

import org.ebpf4j.kernel.Task;

/**
 * The LSM hooks the filesystem calls before it changes anything ({@code security_*} of
 * security/security.c, include/linux/lsm_hook_defs.h), each returning 0 or -errno; a non-zero
 * result fails the operation with that errno. Pointer arguments are arena addresses of the
 * structs the model kernel BTF declares ({@code struct inode}, {@code struct dentry},
 * {@code struct file}), valid for the duration of the call. The BPF LSM's programs run behind
 * these ({@code bpf_lsm_<hook>}); without any, every hook allows.
 */
public interface SecurityHooks {
    /** Nothing attached: everything is allowed. */
    SecurityHooks NONE = new SecurityHooks() {};

    /** {@code security_file_open(file)}: open(2) and the open of an executable by execve. */
    default int fileOpen(Task task, long file) { return 0; }

    /** {@code security_inode_unlink(dir, dentry)}. */
    default int inodeUnlink(Task task, long dir, long dentry) { return 0; }

    /**
     * {@code security_inode_rename(old_dir, old_dentry, new_dir, new_dentry)}:
     * {@code new_dentry->d_inode} is NULL when nothing has the new name yet.
     */
    default int inodeRename(Task task, long oldDir, long oldDentry, long newDir, long newDentry) { return 0; }

    /**
     * {@code security_bprm_committed_creds(bprm)} of execve ({@code begin_new_exec}): void, it
     * cannot refuse. {@code bprm} is a {@code struct linux_binprm} whose {@code file} is the
     * executable's {@code struct file}.
     */
    default void bprmCommittedCreds(Task task, long bprm) { }
}
