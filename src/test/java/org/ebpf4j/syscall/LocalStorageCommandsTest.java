package org.ebpf4j.syscall;

import static org.ebpf4j.syscall.Bytes.*;
import static org.junit.jupiter.api.Assertions.*;

import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.PidFd;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupTree;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.map.storage.LocalStorage;
import org.ebpf4j.map.storage.SkStorageOwner;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Local storage through bpf(2): creation with BTF, keys that are fds of the caller (spec §3.1),
 * and the kernel observations (a)–(c) of kernel-observed-6.18.md ("Linux 6.18:" lines).
 */
class LocalStorageCommandsTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;
    int btfFd;
    int tInt;
    int tLong;
    int tLockVal;
    int tKeyStruct;
    int tVal8;

    /** A socket as the socket model will be: an sk with option memory. */
    static final class Sock implements SkStorageOwner {
        final java.util.concurrent.atomic.AtomicReference<LocalStorage> st = new java.util.concurrent.atomic.AtomicReference<>();
        int omem;

        @Override public java.util.concurrent.atomic.AtomicReference<LocalStorage> bpfStorage() { return st; }
        @Override public synchronized int omemAlloc() { return omem; }
        @Override public synchronized void omemAdd(int d) { omem += d; }
        @Override public int optmemMax() { return 131072; }
    }

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("lstest");
        RawBtf b = new RawBtf();
        tInt = b.integer("int", 4);
        tLong = b.integer("long long", 8);
        int lock = b.struct("bpf_spin_lock", 4, "val", tInt, 0);
        tLockVal = b.struct("val", 8, "lock", lock, 0, "cnt", tInt, 4);
        tKeyStruct = b.struct("key4", 4, "x", tInt, 0);
        tVal8 = b.struct("v8", 8, "a", tInt, 0, "b", tInt, 4);
        btfFd = bpf.btfLoad(t, BtfLoadAttr.of(b.bytes()));
    }

    @AfterEach
    void closeBtf() { t.fds().close(btfFd); }

    private MapCreateAttr ls(MapType type, int flags) {
        return MapCreateAttr.of(type, 4, 8, 0, flags).withBtf(btfFd, tInt, tVal8);
    }

    private int create(MapType type) { return bpf.mapCreate(t, ls(type, MapFlags.BPF_F_NO_PREALLOC)); }

    private int sockFd(Sock s) { return t.fds().install(new File.Other(s, "socket", File.FMODE_RDWR)); }

    @Test
    void creationWithBtf() {
        for (MapType type : new MapType[] {MapType.SK_STORAGE, MapType.TASK_STORAGE, MapType.CGRP_STORAGE, MapType.INODE_STORAGE}) {
            assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, ls(type, 0)));                                   // LS-C1
            assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(type, 4, 8, 0, 1)));             // LS-C6
            assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(type, 4, 8, 0, 1)                // LS-C10 struct key
                    .withBtf(btfFd, tKeyStruct, tVal8)));
            assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(type, 8, 8, 0, 1)                // LS-C10 u64 key (size 8 first: LS-C4)
                    .withBtf(btfFd, tLong, tVal8)));
            assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, ls(type, MapFlags.BPF_F_NO_PREALLOC).withMapExtra(1)));   // LS-C8
            int fd = bpf.mapCreate(t, ls(type, MapFlags.BPF_F_NO_PREALLOC | MapFlags.BPF_F_CLONE));              // LS-C13
            t.fds().close(fd);
        }
        Task user = k.runtime().spawn("nobody", 1000, 1000);
        assertErrno(Errno.EPERM, () -> bpf.mapCreate(user, ls(MapType.SK_STORAGE, MapFlags.BPF_F_NO_PREALLOC)));  // LS-C9
        user.exit();
    }

    @Test
    void skStorageFromUserSpaceAsObserved() {   // observation (a)/(b)
        int map = create(MapType.SK_STORAGE);
        Sock s1 = new Sock();
        Sock s2 = new Sock();
        int fd1 = sockFd(s1);
        int fd2 = sockFd(s2);
        // Linux 6.18: a socket with no storage: ENOENT
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, map, u32(fd1)));
        bpf.mapUpdateElem(t, map, u32(fd1), u64(5), MapFlags.BPF_NOEXIST);
        // Linux 6.18: update(NOEXIST) on an existing entry: EEXIST; on another socket: creates
        assertErrno(Errno.EEXIST, () -> bpf.mapUpdateElem(t, map, u32(fd1), u64(6), MapFlags.BPF_NOEXIST));
        bpf.mapUpdateElem(t, map, u32(fd2), u64(7), MapFlags.BPF_NOEXIST);
        assertEquals(5, le64(bpf.mapLookupElem(t, map, u32(fd1))));
        assertEquals(7, le64(bpf.mapLookupElem(t, map, u32(fd2))));
        assertEquals(128 + 8 + 176, s1.omemAlloc());
        // Linux 6.18: delete works; get_next_key: 524; not an fd: EBADF; not a socket: ENOTSOCK
        bpf.mapDeleteElem(t, map, u32(fd2));
        assertEquals(0, s2.omemAlloc());
        assertErrno(Errno.ENOENT, () -> bpf.mapDeleteElem(t, map, u32(fd2)));
        assertErrno(Errno.ENOTSUPP, () -> bpf.mapGetNextKey(t, map, null));
        assertErrno(Errno.ENOTSUPP, () -> bpf.mapGetNextKey(t, map, u32(fd1)));
        assertErrno(Errno.EBADF, () -> bpf.mapLookupElem(t, map, u32(77)));                        // LS-F1
        assertErrno(Errno.ENOTSOCK, () -> bpf.mapLookupElem(t, map, u32(map)));                     // a map fd
        int file = t.fds().install(new File.Other(new Object(), "regular file", File.FMODE_READ));
        assertErrno(Errno.ENOTSOCK, () -> bpf.mapUpdateElem(t, map, u32(file), u64(1), 0));         // LS-F2
        assertErrno(Errno.EINVAL, () -> bpf.mapUpdateElem(t, map, u32(fd1), u64(1), MapFlags.BPF_F_LOCK));   // LS-U6
        t.fds().close(fd1);
        assertErrno(Errno.EBADF, () -> bpf.mapLookupElem(t, map, u32(fd1)));                        // LS-F1 closed
        t.fds().close(fd2);
        t.fds().close(file);
        t.fds().close(map);
        k.runtime().barrier();
        k.runtime().barrier();
        assertEquals(0, s1.omemAlloc(), "map freed: the socket's storage is uncharged (LS-O2)");
        assertNull(s1.bpfStorage().get());
    }

    @Test
    void skStorageWithSpinLockUpdatesInPlaceUnderFLock() {   // map_tests/sk_storage_map.c basic
        int map = bpf.mapCreate(t, MapCreateAttr.of(MapType.SK_STORAGE, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC)
                .withBtf(btfFd, tInt, tLockVal));
        int fd = sockFd(new Sock());
        bpf.mapUpdateElem(t, map, u32(fd), u64(3L << 32), MapFlags.BPF_NOEXIST);
        assertErrno(Errno.EEXIST, () -> bpf.mapUpdateElem(t, map, u32(fd), u64(4L << 32), MapFlags.BPF_NOEXIST | MapFlags.BPF_F_LOCK));
        bpf.mapUpdateElem(t, map, u32(fd), u64((9L << 32) | 0xffff_ffffL), MapFlags.BPF_EXIST | MapFlags.BPF_F_LOCK);
        byte[] v = bpf.mapLookupElem(t, new MapElemAttr(map, u32(fd), null, MapFlags.BPF_F_LOCK));
        assertEquals(9L << 32, le64(v), "new cnt, lock word zero");
        t.fds().close(fd);
        t.fds().close(map);
    }

    @Test
    void taskStorageKeyedByPidfd() {
        int map = create(MapType.TASK_STORAGE);
        Task victim = k.runtime().spawn("victim", 0, 0);
        int pidfd = t.fds().install(new File.Other(new PidFd(victim), "pidfd", File.FMODE_READ));
        int notPidfd = t.fds().install(new File.Other(new Object(), "regular file", File.FMODE_READ));
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, map, u32(pidfd)));
        bpf.mapUpdateElem(t, map, u32(pidfd), u64(0xbeefdeadL), MapFlags.BPF_NOEXIST);   // test_local_storage.c
        assertEquals(0xbeefdeadL, le64(bpf.mapLookupElem(t, map, u32(pidfd))));
        assertErrno(Errno.EBADF, () -> bpf.mapLookupElem(t, map, u32(notPidfd)));         // LS-F3
        victim.exit();
        assertNull(victim.bpfStorage().get(), "storage freed with the task");
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, map, u32(pidfd)));           // LS-F4
        assertErrno(Errno.ENOENT, () -> bpf.mapUpdateElem(t, map, u32(pidfd), u64(1), 0));
        t.fds().close(pidfd);
        t.fds().close(notPidfd);
        t.fds().close(map);
    }

    @Test
    void cgrpStorageKeyedByCgroupFd() {   // observation (c), user-space side
        int map = create(MapType.CGRP_STORAGE);
        CgroupTree tree = new CgroupTree();
        Cgroup c1 = tree.mkdir(tree.root(), "c1");
        int cfd = t.fds().install(new File.Other(c1, "cgroup directory", File.FMODE_READ));
        int dir = t.fds().install(new File.Other(new Object(), "directory", File.FMODE_READ));
        bpf.mapUpdateElem(t, map, u32(cfd), u64(4), MapFlags.BPF_NOEXIST);
        // Linux 6.18: again gives EEXIST, delete gives 0 then ENOENT, get_next_key 524
        assertErrno(Errno.EEXIST, () -> bpf.mapUpdateElem(t, map, u32(cfd), u64(4), MapFlags.BPF_NOEXIST));
        assertEquals(4, le64(bpf.mapLookupElem(t, map, u32(cfd))));
        bpf.mapDeleteElem(t, map, u32(cfd));
        assertErrno(Errno.ENOENT, () -> bpf.mapDeleteElem(t, map, u32(cfd)));
        assertErrno(Errno.ENOTSUPP, () -> bpf.mapGetNextKey(t, map, null));
        assertErrno(Errno.EBADF, () -> bpf.mapLookupElem(t, map, u32(dir)));              // LS-F5
        bpf.mapUpdateElem(t, map, u32(cfd), u64(8), MapFlags.BPF_ANY);
        tree.rmdir(c1);
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, map, u32(cfd)));   // a cgroup being removed
        assertNull(c1.bpfStorage().get(), "freed with the cgroup's release");
        t.fds().close(cfd);
        t.fds().close(dir);
        t.fds().close(map);
    }

    /**
     * spec §3.1 INODE row and §5.2 (prog_tests/test_local_storage.c's user-space sequence): the
     * key is any fd of the inode, O_PATH included; every fd of one inode names the same storage;
     * a closed fd is EBADF (LS-F1); BPF object fds name the one anon inode. Linux 6.18 (observed
     * on this machine, BPF LSM in CONFIG_LSM): lookup ENOENT, update NOEXIST 0, lookup through the
     * O_PATH fd gives the value, NOEXIST again EEXIST, flags 3 and F_LOCK EINVAL, get_next_key
     * 524, an update keyed by the map's own fd succeeds and a lookup keyed by a BTF fd sees it,
     * delete 0 then ENOENT, a closed or never-opened fd EBADF.
     */
    @Test
    void inodeStorageKeyedByAnyFdOfTheInode() {
        int map = create(MapType.INODE_STORAGE);
        org.ebpf4j.kernel.fs.Fs fs = k.runtime().fs();
        fs.create("/rm");
        int fd = fs.open(t, "/rm", org.ebpf4j.kernel.fs.Fs.O_RDONLY);
        int path = fs.open(t, "/rm", org.ebpf4j.kernel.fs.Fs.O_PATH);
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, map, u32(fd)));                      // LS-U1
        bpf.mapUpdateElem(t, map, u32(fd), u64(0xbeefdeadL), MapFlags.BPF_NOEXIST);
        assertEquals(0xbeefdeadL, le64(bpf.mapLookupElem(t, map, u32(path))), "the O_PATH fd names the same inode");
        assertErrno(Errno.EEXIST, () -> bpf.mapUpdateElem(t, map, u32(path), u64(1), MapFlags.BPF_NOEXIST));   // LS-U3
        assertErrno(Errno.EINVAL, () -> bpf.mapUpdateElem(t, map, u32(fd), u64(1), MapFlags.BPF_F_LOCK));   // LS-U6
        assertErrno(Errno.EINVAL, () -> bpf.mapUpdateElem(t, map, u32(fd), u64(1), 3));                  // LS-U5
        t.fds().close(path);
        bpf.mapDeleteElem(t, map, u32(fd));                                                         // LS-D1
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, map, u32(fd)));
        assertErrno(Errno.ENOENT, () -> bpf.mapDeleteElem(t, map, u32(fd)));                      // LS-D2
        assertErrno(Errno.ENOTSUPP, () -> bpf.mapGetNextKey(t, map, u32(fd)));                    // LS-K1
        assertErrno(Errno.EBADF, () -> bpf.mapLookupElem(t, map, u32(path)));                     // LS-F1 closed
        assertErrno(Errno.EBADF, () -> bpf.mapUpdateElem(t, map, u32(99), u64(1), 0));            // LS-F1 never open
        assertErrno(Errno.EBADF, () -> bpf.mapDeleteElem(t, map, u32(99)));
        // a map fd: file_inode() is the anon inode, which has a blob too
        bpf.mapUpdateElem(t, map, u32(map), u64(3), MapFlags.BPF_ANY);
        assertEquals(3, le64(bpf.mapLookupElem(t, map, u32(btfFd))), "every BPF object fd shares the anon inode");
        bpf.mapDeleteElem(t, map, u32(map));
        t.fds().close(fd);
        t.fds().close(map);
    }
}
