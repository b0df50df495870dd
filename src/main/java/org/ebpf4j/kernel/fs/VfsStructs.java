package org.ebpf4j.kernel.fs;

import java.nio.charset.StandardCharsets;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.StructLayout;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;

/**
 * The {@code struct dentry} and {@code struct file} an LSM hook is handed, built in the arena at
 * the model kernel's BTF offsets for the duration of one hook call and freed when it returns
 * (programs may keep the pointer values, e.g. of the inode, but not dereference them later:
 * the model's dentries and files exist only while a hook looks at them). The inode pointer in
 * them is the inode's own, long-lived {@code struct inode}.
 */
final class VfsStructs {
    private final Arena arena;
    private final int dentrySize, dParent, dNameLen, dNameName, dInode;
    private final int fileSize, fPathDentry, fInode, fFlags, fMode;
    private final int bprmSize, bprmFile;

    VfsStructs(Arena arena, Btf btf) {
        this.arena = arena;
        StructLayout d = StructLayout.of(btf, "dentry");
        dentrySize = d.size();
        dParent = d.offset("d_parent");
        dNameLen = d.offset("d_name.len");
        dNameName = d.offset("d_name.name");
        dInode = d.offset("d_inode");
        StructLayout f = StructLayout.of(btf, "file");
        fileSize = f.size();
        fPathDentry = f.offset("f_path.dentry");
        fInode = f.offset("f_inode");
        fFlags = f.offset("f_flags");
        fMode = f.offset("f_mode");
        StructLayout b = StructLayout.of(btf, "linux_binprm");
        bprmSize = b.size();
        bprmFile = b.offset("file");
    }

    /**
     * Runs {@code body} with a {@code struct linux_binprm} whose {@code file} is {@code file}
     * (cred and filename are not modelled: NULL); -ENOMEM when the arena is full.
     */
    int withBinprm(long file, java.util.function.LongToIntFunction body) {
        long bprm = arena.alloc(bprmSize);
        if (bprm == 0) {
            return Errno.ENOMEM.negative();
        }
        try {
            for (int off = 0; off + 8 <= bprmSize; off += 8) {
                arena.store64(bprm + off, 0);
            }
            arena.store64(bprm + bprmFile, file);
            return body.applyAsInt(bprm);
        } finally {
            arena.free(bprm, bprmSize);
        }
    }

    /** Something a hook call does with the structs it was given: 0 or -errno. */
    @FunctionalInterface
    interface Body {
        int run(long a, long b);
    }

    /**
     * Runs {@code body} with a dentry named {@code name} (positive on {@code inode}, negative when
     * it is null) and, if {@code withFile}, a file on it opened with {@code flags}/{@code fmode};
     * -ENOMEM when the arena is full.
     */
    int withDentry(String name, Inode inode, boolean withFile, int flags, int fmode, Body body) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        long str = arena.alloc(n.length + 1);
        long dentry = str == 0 ? 0 : arena.alloc(dentrySize);
        long file = dentry == 0 || !withFile ? 0 : arena.alloc(fileSize);
        try {
            if (dentry == 0 || (withFile && file == 0)) {
                return Errno.ENOMEM.negative();
            }
            arena.copyIn(str, n);
            arena.store64(dentry + dParent, dentry);   // the model's dentries have no parent chain: IS_ROOT-like
            arena.store32(dentry + dNameLen, n.length);
            arena.store64(dentry + dNameName, str);
            arena.store64(dentry + dInode, inode == null ? 0 : inode.address());
            if (file != 0) {
                arena.store64(file + fPathDentry, dentry);
                arena.store64(file + fInode, inode.address());
                arena.store32(file + fFlags, flags);
                arena.store32(file + fMode, fmode);
            }
            return body.run(dentry, file);
        } finally {
            if (file != 0) {
                arena.free(file, fileSize);
            }
            if (dentry != 0) {
                arena.free(dentry, dentrySize);
            }
            if (str != 0) {
                arena.free(str, n.length + 1);
            }
        }
    }
}
