package org.ebpf4j.kernel.fs;

import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.StructLayout;
import org.ebpf4j.memory.Arena;

/**
 * An inode as programs see it: a {@code struct inode} in the arena at the model kernel's BTF
 * offsets ({@code src/main/btf/model-kernel.c}), behind the 16-byte owner header of
 * {@link org.ebpf4j.kernel.task.MirrorTable}, so the pointer a program holds resolves to its
 * {@link Inode} for {@code bpf_inode_storage_get/delete}. {@code i_ino} and {@code i_mode} are
 * written once; {@code i_nlink} and {@code i_count} follow the inode under the filesystem lock.
 */
final class InodeMirror {
    /** The {@code MirrorTable} header in front of the struct. */
    static final int HEADER = 16;

    /** Offsets of {@code struct inode}, read once per filesystem from the model kernel's BTF. */
    record Layout(int size, int mode, int ino, int nlink, int count) {
        static Layout of(Btf btf) {
            StructLayout l = StructLayout.of(btf, "inode");
            return new Layout(l.size(), l.offset("i_mode"), l.offset("i_ino"), l.offset("i_nlink"), l.offset("i_count"));
        }
    }

    private final Arena arena;
    private final Layout l;
    private final long block;

    InodeMirror(Arena arena, Layout l, long ino, int mode) {
        this.arena = arena;
        this.l = l;
        this.block = arena.alloc(HEADER + l.size());
        if (block == 0) {
            throw new IllegalStateException("arena full: no room for the struct inode of ino " + ino);
        }
        arena.store16(address() + l.mode(), mode);
        arena.store64(address() + l.ino(), ino);
    }

    /** The {@code struct inode *}. */
    long address() { return block + HEADER; }

    long header() { return block; }

    void setCounts(int nlink, int count) {
        arena.store32(address() + l.nlink(), nlink);
        arena.store32(address() + l.count(), count);
    }

    void free() { arena.free(block, HEADER + l.size()); }
}
