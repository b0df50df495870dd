package org.ebpf4j.syscall;

import org.ebpf4j.kernel.BtfObject;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.BatchResult;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.map.FdValueMap;
import org.ebpf4j.map.InnerMapRef;
import org.ebpf4j.map.MapWait;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.map.MapTypes;
import org.ebpf4j.map.OwnerKeyedMap;
import org.ebpf4j.map.ProgArrayMap;
import org.ebpf4j.map.ProgRef;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * The map commands of bpf(2), each in the order of its kernel function in kernel/bpf/syscall.c
 * ({@code map_create}, {@code map_lookup_elem}, {@code map_update_elem}, ...). Checks observed on
 * this machine's Linux 6.18 are cited in {@code MapCommandsTest}.
 */
final class MapCommands {
    private final Runtime rt;

    MapCommands(Runtime rt) { this.rt = rt; }

    /** {@code map_create}. */
    int create(Task task, MapCreateAttr a) {
        // BPF_F_TOKEN_FD: tokens are not modelled; the token fd can never resolve
        if ((a.mapFlags() & MapFlags.BPF_F_TOKEN_FD) != 0) {
            throw new BpfException(Errno.EINVAL, "map_flags BPF_F_TOKEN_FD: BPF tokens are not modelled");
        }
        if (a.mapIfindex() != 0) {   // offload: no netdev in the model offloads maps
            throw new BpfException(Errno.EINVAL, "map_ifindex " + a.mapIfindex() + ": map offload is not supported");
        }
        MapType type = MapType.of(a.mapType());
        MapAttr attr = new MapAttr(type, a.keySize(), a.valueSize(), a.maxEntries(), a.mapFlags(), null, a.numaNode(),
                a.mapName(), a.btfFd(), a.btfKeyTypeId(), a.btfValueTypeId(), a.btfVmlinuxValueTypeId(), a.mapExtra(), 0, -1);
        // generic checks then map_alloc_check, in map_create's order
        int err = MapTypes.allocCheck(attr);
        if (err != 0) {
            // let MapTypes build the message: create() throws the same verdict
            MapTypes.create(attr, rt.mapEnv());
        }
        if (rt.unprivilegedBpfDisabled() != 0 && !task.capable(Cap.BPF)) {
            throw new BpfException(Errno.EPERM, "BPF_MAP_CREATE needs CAP_BPF (kernel.unprivileged_bpf_disabled="
                    + rt.unprivilegedBpfDisabled() + ", uid " + task.uid() + ")");
        }
        // map_check_btf: done before alloc here because the value's spin lock shapes the map
        BtfObject btf = null;
        if (a.btfKeyTypeId() != 0 || a.btfValueTypeId() != 0 || a.btfVmlinuxValueTypeId() != 0) {
            if (a.btfVmlinuxValueTypeId() != 0) {
                throw new BpfException(Errno.EINVAL, "btf_vmlinux_value_type_id: STRUCT_OPS maps are not supported");
            }
            btf = btfByFd(task, a.btfFd());
            try {
                int lockOff = MapBtf.check(btf, type, a.btfKeyTypeId(), a.btfValueTypeId(), a.keySize(), a.valueSize(), a.mapFlags());
                attr = attr.withSpinLockOff(lockOff);
            } catch (BpfException e) {
                btf.put();
                throw e;
            }
        }
        BpfMap map;
        File.MapFile template = null;
        try {
            if (type == MapType.ARRAY_OF_MAPS || type == MapType.HASH_OF_MAPS) {   // bpf_map_meta_alloc(inner_map_fd) [mim hook]
                template = Fds.map(task, a.innerMapFd(), "inner_map_fd");
                attr = attr.withInnerMap(template.map().map());
            }
            map = MapTypes.create(attr, rt.mapEnv());   // alloc, name, id: the map is visible from here
        } catch (BpfException e) {
            if (btf != null) {
                btf.put();
            }
            throw e;
        } finally {
            if (template != null) {
                template.map().put();   // the outer map keeps only the template's meta [mim hook]
            }
        }
        MapObject obj = rt.adoptMap(map, btf, a.btfKeyTypeId(), a.btfValueTypeId(), task.origin("BPF_MAP_CREATE"));
        // bpf_map_new_fd; on failure bpf_map_put_with_uref unwinds (the id made the map visible)
        return Fds.install(task, new File.MapFile(obj, File.modeFromFlags(a.mapFlags())));
    }

    private static BtfObject btfByFd(Task task, int fd) {
        File f = task.fds().get(fd);   // btf_get_by_fd: EBADF
        if (!(f instanceof File.BtfFile bf)) {
            throw new BpfException(Errno.EINVAL, "btf_fd " + fd + " is a " + f.what() + " fd, not BTF");
        }
        if (!bf.btf().tryInc()) {
            throw new BpfException(Errno.EBADF, "btf_fd " + fd + " was closed");
        }
        return bf.btf();
    }

    private static void requireRead(File.MapFile f, int fd) {
        if ((Fds.mapSysPerms(f) & File.FMODE_READ) == 0) {
            throw new BpfException(Errno.EPERM, "map_fd " + fd + " is not open for reading");
        }
    }

    private static void requireWrite(File.MapFile f, int fd) {
        if ((Fds.mapSysPerms(f) & File.FMODE_WRITE) == 0) {
            throw new BpfException(Errno.EPERM, "map_fd " + fd + (f.map().map().frozen()
                    ? " names a frozen map: syscall writes are refused" : " is not open for writing"));
        }
    }

    private static void checkLock(BpfMap map, long flags) {
        if ((flags & MapFlags.BPF_F_LOCK) != 0 && !map.attr().hasSpinLock()) {
            throw new BpfException(Errno.EINVAL, "flags BPF_F_LOCK: map id " + map.id() + " has no bpf_spin_lock in its value");
        }
    }

    private static boolean queueOrStack(BpfMap map) {
        return map.type() == MapType.QUEUE || map.type() == MapType.STACK;
    }

    /**
     * {@code map_lookup_elem}: flags, then fd, then read permission (Linux 6.18 checks flags first).
     * The fd is resolved without a reference inside an RCU read-side section (see
     * {@link Fds#mapInRcu}): a shared refcount bumped and dropped by every command costs
     * 100+ ns and bounces a cache line between threads; the kernel avoids it the same way.
     */
    byte[] lookup(Task task, MapElemAttr a) {
        if ((a.flags() & ~MapFlags.BPF_F_LOCK) != 0) {
            throw new BpfException(Errno.EINVAL, "flags 0x" + Long.toHexString(a.flags()) + ": only BPF_F_LOCK is allowed");
        }
        Rcu.Reader rcu = rt.rcu().reader();
        rcu.lock();
        try {
            File.MapFile f = Fds.mapInRcu(task, a.mapFd(), "map_fd");
            requireRead(f, a.mapFd());
            BpfMap map = f.map().map();
            checkLock(map, a.flags());
            if (map instanceof OwnerKeyedMap<?> owned) {
                return lookupOwned(task, owned, a);
            }
            if (map.type() == MapType.BLOOM_FILTER) {   // the user value is the query
                map.peekValue(a.value(), a.flags());
                return a.value().clone();
            }
            return map.lookup(a.key(), a.flags());
        } finally {
            rcu.unlock();
        }
    }

    /**
     * {@code map_update_elem}: fd, write permission, F_LOCK, then the map (fd maps resolve their
     * value fd). Plain maps run inside an RCU section without a reference ({@link Fds#mapInRcu});
     * maps whose slots hold references ({@link FdValueMap}) take one, since their last put
     * releases those slots at once and an insert racing it must not leak.
     */
    void update(Task task, MapElemAttr a) {
        BpfMap map;
        Rcu.Reader rcu = rt.rcu().reader();
        rcu.lock();
        try {
            File.MapFile f = Fds.mapInRcu(task, a.mapFd(), "map_fd");
            requireWrite(f, a.mapFd());
            map = f.map().map();
            checkLock(map, a.flags());
            if (!needsRef(map)) {
                map.update(a.key(), a.value(), a.flags());
            }
        } finally {
            rcu.unlock();
        }
        if (needsRef(map)) {
            updateWithRef(task, a);
            return;
        }
        MapWait.maybeWaitBpfPrograms(map, rt.rcu());   // maybe_wait_bpf_programs, on success only [mim hook]
    }

    /** {@link #update} of an fd-value map, holding a map reference for the command. */
    private void updateWithRef(Task task, MapElemAttr a) {
        File.MapFile f = Fds.map(task, a.mapFd(), "map_fd");
        try {
            requireWrite(f, a.mapFd());
            BpfMap map = f.map().map();
            checkLock(map, a.flags());
            if (map instanceof OwnerKeyedMap<?> owned) {
                updateOwned(task, owned, a);
            } else if (map instanceof FdValueMap<?> fdMap) {
                updateFdMap(task, fdMap, a);
            } else {
                map.update(a.key(), a.value(), a.flags());
            }
            MapWait.maybeWaitBpfPrograms(map, rt.rcu());   // maybe_wait_bpf_programs, on success only [mim hook]
        } finally {
            f.map().put();
        }
    }

    /**
     * {@code bpf_fd_array_map_update_elem}: flags and index first, then {@code map_fd_get_ptr}
     * resolves the value fd in the caller's table (EBADF, EINVAL); the slot owns the reference.
     */
    private static void updateFdMap(Task task, FdValueMap<?> fdMap, MapElemAttr a) {
        if (fdMap.innerMapMeta() != null) {   // map-in-map: the map resolves the fd where the kernel does [mim hook]
            innerMaps(fdMap).updateFd(a.key(), a.value(), a.flags(), fd -> Fds.map(task, fd, "value (inner map fd)").map());
            return;
        }
        if (!(fdMap instanceof ProgArrayMap progs)) {
            throw new BpfException(Errno.EINVAL, fdMap.type() + ": fd values of this map type are not supported yet");
        }
        if (a.flags() != MapFlags.BPF_ANY) {
            throw new BpfException(Errno.EINVAL, "prog array update flags 0x" + Long.toHexString(a.flags()) + ": only BPF_ANY");
        }
        if (a.value() == null || a.value().length != 4) {
            throw new BpfException(Errno.EINVAL, "prog array value must be a 4-byte prog fd");
        }
        if (a.key() != null && a.key().length == 4 && Integer.toUnsignedLong(le32(a.key())) >= Integer.toUnsignedLong(progs.maxEntries())) {
            throw new BpfException(Errno.E2BIG, "index " + Integer.toUnsignedString(le32(a.key())) + " >= max_entries " + progs.maxEntries());
        }
        ProgObject prog = Fds.prog(task, le32(a.value()), "value (prog fd)");
        progs.updateObject(a.key(), (ProgRef) prog, a.flags());   // owns the reference, drops it on failure [mim hook]
    }

    /**
     * The key of an owner-keyed map (local storage) is an fd of the caller: {@code fdget} (EBADF),
     * then the map type's own resolution (ENOTSOCK, EBADF, ENOENT: spec §3.1).
     */
    private <O> O ownerKey(Task task, OwnerKeyedMap<O> map, byte[] key) {
        if (key == null || key.length != 4) {
            throw new BpfException(Errno.EINVAL, map.type() + " keys are a 4-byte fd, got "
                    + (key == null ? "none" : key.length + " bytes"));
        }
        int fd = le32(key);
        File f = task.fds().get(fd);
        Object owner = map.type() == MapType.INODE_STORAGE
                ? rt.fs().fileInode(f)   // file_inode(fget_raw(fd)): every fd has one
                : switch (f) {
                    case File.PidFdFile p -> p.pid();          // pidfd_get_pid
                    case File.CgroupFile c -> c.cgroup();      // cgroup_v1v2_get_from_fd
                    case File.FsFile ff -> ff.file().inode();
                    case File.Other o -> o.inode();
                    default -> f.object() != null ? f.object() : f;   // a socket fd: the Socket itself
                };
        return map.ownerOfFile(owner, fd);
    }

    private <O> byte[] lookupOwned(Task task, OwnerKeyedMap<O> map, MapElemAttr a) {
        return map.lookupOwner(ownerKey(task, map, a.key()), a.flags());
    }

    private <O> void updateOwned(Task task, OwnerKeyedMap<O> map, MapElemAttr a) {
        map.updateOwner(ownerKey(task, map, a.key()), a.value(), a.flags());
    }

    private <O> void deleteOwned(Task task, OwnerKeyedMap<O> map, MapElemAttr a) {
        map.deleteOwner(ownerKey(task, map, a.key()));
    }

    /**
     * Maps whose commands run holding a reference rather than inside an RCU section: fd-value maps
     * (their last put releases slots at once) and owner-keyed maps (the key is another fd whose
     * owner the update may create storage on).
     */
    private static boolean needsRef(BpfMap map) {
        return map instanceof FdValueMap<?> || map instanceof OwnerKeyedMap<?>;
    }

    /** {@code map_delete_elem}: fd, write permission, then the map (as {@link #update}: fd-value maps hold a reference). */
    void delete(Task task, MapElemAttr a) {
        BpfMap map;
        Rcu.Reader rcu = rt.rcu().reader();
        rcu.lock();
        try {
            File.MapFile f = Fds.mapInRcu(task, a.mapFd(), "map_fd");
            requireWrite(f, a.mapFd());
            map = f.map().map();
            if (!needsRef(map)) {
                map.delete(a.key());
            }
        } finally {
            rcu.unlock();
        }
        if (needsRef(map)) {
            deleteWithRef(task, a);
            return;
        }
        MapWait.maybeWaitBpfPrograms(map, rt.rcu());   // on success only [mim hook]
    }

    private void deleteWithRef(Task task, MapElemAttr a) {
        File.MapFile f = Fds.map(task, a.mapFd(), "map_fd");
        try {
            requireWrite(f, a.mapFd());
            if (f.map().map() instanceof OwnerKeyedMap<?> owned) {
                deleteOwned(task, owned, a);
            } else {
                f.map().map().delete(a.key());
            }
            MapWait.maybeWaitBpfPrograms(f.map().map(), rt.rcu());   // on success only [mim hook]
        } finally {
            f.map().put();
        }
    }

    /** {@code map_get_next_key}: fd, read permission, then the map (null key = first). */
    byte[] getNextKey(Task task, MapElemAttr a) {
        File.MapFile f = Fds.map(task, a.mapFd(), "map_fd");
        try {
            requireRead(f, a.mapFd());
            return f.map().map().getNextKey(a.key());
        } finally {
            f.map().put();
        }
    }

    /** {@code map_lookup_and_delete_elem}: flags, fd, read and write permission, queue/stack flags, F_LOCK. */
    byte[] lookupAndDelete(Task task, MapElemAttr a) {
        if ((a.flags() & ~MapFlags.BPF_F_LOCK) != 0) {
            throw new BpfException(Errno.EINVAL, "flags 0x" + Long.toHexString(a.flags()) + ": only BPF_F_LOCK is allowed");
        }
        File.MapFile f = Fds.map(task, a.mapFd(), "map_fd");
        try {
            int perms = Fds.mapSysPerms(f);
            if ((perms & File.FMODE_READ) == 0 || (perms & File.FMODE_WRITE) == 0) {
                throw new BpfException(Errno.EPERM, "map_fd " + a.mapFd() + " must be readable and writable"
                        + (f.map().map().frozen() ? " (the map is frozen)" : ""));
            }
            BpfMap map = f.map().map();
            if (a.flags() != 0 && queueOrStack(map)) {
                throw new BpfException(Errno.EINVAL, "flags 0x" + Long.toHexString(a.flags()) + " on a " + map.type());
            }
            checkLock(map, a.flags());
            return map.lookupAndDelete(a.key(), a.flags());
        } finally {
            f.map().put();
        }
    }

    /** An outer map as the fd-value map of inner map references it is ([mim hook]). */
    @SuppressWarnings("unchecked")
    private static FdValueMap<InnerMapRef> innerMaps(BpfMap outer) { return (FdValueMap<InnerMapRef>) outer; }

    /** Which of the four batch commands; {@code bpf_map_do_batch} derives read/write needs from it. */
    enum Batch {
        LOOKUP(true, false), LOOKUP_AND_DELETE(true, true), UPDATE(false, true), DELETE(false, true);

        final boolean read;
        final boolean write;

        Batch(boolean read, boolean write) {
            this.read = read;
            this.write = write;
        }
    }

    /** {@code bpf_map_do_batch}: fd, read/write permissions, then the map's batch op (ENOTSUPP if none). */
    BatchResult batch(Task task, Batch cmd, MapBatchAttr a) {
        File.MapFile f = Fds.map(task, a.mapFd(), "map_fd");
        try {
            if (cmd.read && (Fds.mapSysPerms(f) & File.FMODE_READ) == 0) {
                throw new BpfException(Errno.EPERM, "map_fd " + a.mapFd() + " is not open for reading");
            }
            if (cmd.write) {
                requireWrite(f, a.mapFd());
            }
            BpfMap map = f.map().map();
            BatchResult r;
            try {
                r = switch (cmd) {
                    case LOOKUP -> map.lookupBatch(a.inBatch(), a.count(), a.elemFlags(), a.flags());
                    case LOOKUP_AND_DELETE -> map.lookupAndDeleteBatch(a.inBatch(), a.count(), a.elemFlags(), a.flags());
                    case UPDATE -> map.innerMapMeta() != null   // [mim hook] fd values resolved per element
                            ? innerMaps(map).updateFdBatch(a.keys(), a.values(), a.count(), a.elemFlags(),
                                    fd -> Fds.map(task, fd, "values[] (inner map fd)").map())
                            : map.updateBatch(a.keys(), a.values(), a.count(), a.elemFlags(), a.flags());
                    case DELETE -> map.deleteBatch(a.keys(), a.count(), a.elemFlags(), a.flags());
                };
            } finally {
                if (cmd.write) {   // bpf_map_do_batch: after every write batch, even a failed one [mim hook]
                    MapWait.maybeWaitBpfPrograms(map, rt.rcu());
                }
            }
            if (!r.ok()) {
                throw new BatchException(r, "BPF_MAP_" + cmd + "_BATCH on map id " + map.id() + " stopped after " + r.count() + " elements");
            }
            return r;
        } finally {
            f.map().put();
        }
    }

    /**
     * {@code map_freeze}: ENOTSUPP for values with special fields (spin lock), EPERM without write
     * permission (so a second freeze is EPERM: the frozen map no longer grants write), EBUSY if
     * already frozen by a racing call.
     */
    void freeze(Task task, int mapFd) {
        File.MapFile f = Fds.map(task, mapFd, "map_fd");
        try {
            BpfMap map = f.map().map();
            if (map.type() == MapType.STRUCT_OPS || map.attr().hasSpinLock()) {
                throw new BpfException(Errno.ENOTSUPP, "map id " + map.id() + ": a map whose value holds a bpf_spin_lock cannot be frozen");
            }
            requireWrite(f, mapFd);
            if (!map.freeze()) {
                throw new BpfException(Errno.EBUSY, "map id " + map.id() + " is already frozen");
            }
        } finally {
            f.map().put();
        }
    }

    private static int le32(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }
}
