package org.ebpf4j.kernel.fs;

/**
 * {@code struct file} of the filesystem model: the inode it was opened on ({@code f_inode}),
 * {@code f_flags} and a reference count ({@code f_count}: each fd naming it, dup included). The
 * file holds one {@code i_count} reference on its inode from open to the last {@code fput}
 * ({@code __fput} → {@code dput}), so an unlinked file stays alive while open.
 */
public final class OpenFile {
    private final Fs fs;
    private final Inode inode;
    private final int flags;
    private int fCount = 1;

    OpenFile(Fs fs, Inode inode, int flags) {
        this.fs = fs;
        this.inode = inode;
        this.flags = flags;
    }

    /** {@code file_inode(file)}. */
    public Inode inode() { return inode; }

    /** {@code f_flags} as given to open(2). */
    public int flags() { return flags; }

    /** Opened with {@code O_PATH}: names the inode, allows no I/O. */
    public boolean isPath() { return (flags & Fs.O_PATH) != 0; }

    /** {@code get_file}: another fd names this file (dup). */
    public void get() {
        synchronized (fs) {
            if (fCount <= 0) {
                throw new IllegalStateException("get_file on a released file of " + inode);
            }
            fCount++;
        }
    }

    /** {@code fput}: the last one releases the file and its inode reference. */
    public void put() {
        synchronized (fs) {
            if (--fCount != 0) {
                return;
            }
        }
        fs.iput(inode);
    }
}
