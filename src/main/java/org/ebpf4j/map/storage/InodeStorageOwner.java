package org.ebpf4j.map.storage;

/**
 * An inode as INODE_STORAGE sees it (kernel/bpf/bpf_inode_storage.c): its storage pointer lives in
 * the BPF LSM's inode security blob ({@code bpf_inode(inode)->storage}), which exists only when the
 * BPF LSM is active ({@code CONFIG_BPF_LSM} and "bpf" in {@code lsm=}). Without the blob
 * {@link #hasBpfBlob()} is false and the pointer {@link #bpfStorage()} holds stays null forever
 * ({@link InodeStorageMap} never creates on such an inode): the helper get gives
 * NULL, syscall update EBADF, lookup and delete ENOENT (spec §3.1, §5.2). The storage is freed
 * from the LSM {@code inode_free_security} hook ({@code bpf_inode_storage_free}).
 */
public interface InodeStorageOwner extends StorageOwner {
    /** {@code bpf_inode(inode) != NULL}: the inode has a BPF LSM blob. */
    boolean hasBpfBlob();
}
