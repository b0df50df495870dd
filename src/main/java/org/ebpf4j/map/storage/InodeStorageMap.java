package org.ebpf4j.map.storage;

import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_MAP_TYPE_INODE_STORAGE (kernel/bpf/bpf_inode_storage.c; spec §5.2): storage on inodes,
 * hung off the BPF LSM inode blob, keyed from user space by any fd of the inode (O_PATH
 * included: {@code fget_raw}). Helpers 145/146 are for BPF_PROG_TYPE_LSM only. No memory
 * charge beyond the memcg (not modelled), as the kernel's {@code inode_storage_map_alloc} gives
 * no charge callbacks; no busy counter (§2.4).
 *
 * <p>An inode without a blob (BPF LSM off) is refused by {@link #accept} so the shared core can
 * never create storage on it; the syscall and helper entry points answer for it first, in the
 * kernel's terms: lookup and delete find nothing (ENOENT), update is EBADF, helper get NULL.
 */
public final class InodeStorageMap extends LocalStorageMap {
    public InodeStorageMap(MapAttr attr, MapEnv env) {
        super(attr, env);
    }

    @Override
    protected StorageOwner accept(StorageOwner owner) {
        return owner instanceof InodeStorageOwner i && i.hasBpfBlob() ? i : null;
    }

    @Override
    protected String ownerKind() { return "inode"; }

    /**
     * {@code fget_raw(fd)} then {@code file_inode(file)}: the syscall layer hands over the inode
     * behind the fd; anything else has no inode the model knows (EBADF).
     */
    @Override
    public StorageOwner ownerOfFile(Object file, int fd) {
        if (file instanceof InodeStorageOwner i) {
            return i;
        }
        throw new BpfException(Errno.EBADF, "key fd " + fd + " has no inode in the filesystem model");
    }

    /** {@code bpf_fd_inode_storage_lookup_elem}: no blob → {@code inode_storage_lookup} NULL → ENOENT. */
    @Override
    public byte[] lookupOwner(StorageOwner owner, long flags) {
        checkLookupFlags(flags);
        return super.lookupOwner(blobOrElse(owner, Errno.ENOENT), flags);
    }

    /** {@code bpf_fd_inode_storage_update_elem}: {@code !inode_storage_ptr(inode)} → EBADF. */
    @Override
    public void updateOwner(StorageOwner owner, byte[] value, long flags) {
        checkValue(value);
        super.updateOwner(blobOrElse(owner, Errno.EBADF), value, flags);
    }

    /** {@code bpf_fd_inode_storage_delete_elem}: no blob → ENOENT. */
    @Override
    public void deleteOwner(StorageOwner owner) {
        super.deleteOwner(blobOrElse(owner, Errno.ENOENT));
    }

    /** {@code bpf_inode_storage_delete}: NULL inode → -EINVAL; no blob → nothing found → -ENOENT. */
    @Override
    public int helperDelete(StorageOwner owner) {
        if (owner instanceof InodeStorageOwner i && !i.hasBpfBlob()) {
            return Errno.ENOENT.negative();
        }
        return super.helperDelete(owner);
    }

    private StorageOwner blobOrElse(StorageOwner owner, Errno e) {
        if (owner instanceof InodeStorageOwner i && !i.hasBpfBlob()) {
            throw new BpfException(e, "the inode has no BPF LSM blob (the BPF LSM is not active): "
                    + type() + " map id " + id() + (e == Errno.EBADF ? " cannot store on it" : " has no value for it"));
        }
        return owner;
    }
}
