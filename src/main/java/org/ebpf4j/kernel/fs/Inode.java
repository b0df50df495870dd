package org.ebpf4j.kernel.fs;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.ebpf4j.map.storage.InodeStorageOwner;
import org.ebpf4j.map.storage.LocalStorage;

/**
 * {@code struct inode} of the filesystem model (include/linux/fs.h): an inode number, a type
 * (directory or regular file), {@code i_nlink} (names in the namespace) and {@code i_count}
 * (references: the dentry of each name, each open {@code struct file}, a running exec). When
 * both reach zero the inode is evicted ({@code iput_final} → {@code evict} →
 * {@code destroy_inode} → {@code security_inode_free}), which frees its INODE_STORAGE
 * ({@code bpf_inode_storage_free}); its {@code struct inode} stays readable for a grace period.
 *
 * <p>The BPF LSM blob ({@code bpf_inode(inode)}) exists only if the BPF LSM was active when the
 * inode was allocated ({@code lsm_inode_alloc}); {@link #bpfStorage()} is then its
 * {@code storage} pointer; without one it stays null forever. Counts change under the filesystem's lock and are read without it.
 */
public final class Inode implements InodeStorageOwner {
    /** {@code S_IFDIR}, {@code S_IFREG} (include/uapi/linux/stat.h). */
    public static final int S_IFDIR = 0040000, S_IFREG = 0100000;

    private final long ino;
    private final int mode;
    /** {@code bpf_inode(inode) != NULL}. */
    private final boolean blob;
    /** {@code bpf_inode(inode)->storage}; stays null when there is no blob (INODE_STORAGE refuses such inodes). */
    private final AtomicReference<LocalStorage> storage = new AtomicReference<>();
    final InodeMirror mirror;
    /** Directory entries (dentries of the children), null for a regular file. */
    final Map<String, Inode> children;
    volatile int nlink;
    volatile int count;
    volatile boolean evicted;
    /**
     * {@code drop_inode = generic_delete_inode} with no name to keep it (pidfs): evicted at the
     * last {@code iput} whatever {@code i_nlink} says.
     */
    boolean deleteOnLastPut;
    /** For an inode of an object outside the tree (socket, cgroup, pid): its key in {@code Fs.objectInodes}. */
    Object objectKey;

    Inode(long ino, int mode, boolean bpfLsm, InodeMirror mirror) {
        this.ino = ino;
        this.mode = mode;
        this.blob = bpfLsm;
        this.mirror = mirror;
        this.children = (mode & S_IFDIR) != 0 ? new TreeMap<>() : null;
    }

    /** {@code i_ino}. */
    public long ino() { return ino; }

    /** {@code i_mode} (type bits). */
    public int mode() { return mode; }

    public boolean isDir() { return children != null; }

    /** The {@code struct inode *} programs hold. */
    public long address() { return mirror.address(); }

    /** {@code i_nlink}. */
    public int nlink() { return nlink; }

    /** {@code atomic_read(&inode->i_count)}. */
    public int count() { return count; }

    /** Whether the inode was evicted (its storage is gone). */
    public boolean evicted() { return evicted; }

    @Override
    public boolean hasBpfBlob() { return blob; }

    @Override
    public AtomicReference<LocalStorage> bpfStorage() { return storage; }

    /**
     * {@code bpf_inode_storage_get} creates only while {@code atomic_read(&inode->i_count)} is
     * non-zero ("only allocate new storage, when the inode is refcounted").
     */
    @Override
    public boolean acceptsNewStorage() { return count > 0; }

    @Override
    public String toString() { return "inode " + ino + (isDir() ? " (dir)" : ""); }
}
