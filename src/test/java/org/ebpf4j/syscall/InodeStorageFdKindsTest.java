package org.ebpf4j.syscall;

import static org.ebpf4j.syscall.Bytes.*;
import static org.junit.jupiter.api.Assertions.*;

import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.fs.Fs;
import org.ebpf4j.kernel.fs.Inode;
import org.ebpf4j.kernel.link.CgroupAttachCommands;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * INODE_STORAGE keyed by every kind of fd (spec-local-storage §5.2: {@code file_inode(fget_raw(fd))},
 * and every fd has an inode). Each case follows what Linux 6.18 did on this machine with a
 * throwaway INODE_STORAGE map (no program attached):
 * <ul>
 *   <li>two pidfds of one process have the same st_ino; an update through one is seen through the
 *       other; the storage survives the process being reaped while a pidfd is open, and is gone
 *       once the last pidfd is closed, even while the process still runs (pidfs deletes the
 *       inode at the last iput; a new pidfd finds nothing: ENOENT);</li>
 *   <li>two opens of one cgroup directory name the same kernfs inode, also after closing every fd
 *       and opening again; after rmdir, an fd still open keys lookup and update;</li>
 *   <li>stdio fds key as any other file (the model: one terminal inode behind 0, 1 and 2 of every task);</li>
 *   <li>map and BTF fds share the one anon inode.</li>
 * </ul>
 */
class InodeStorageFdKindsTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;
    Fs fs;
    int btfFd;
    int tInt;
    int tVal8;

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("inodefds");
        fs = k.runtime().fs();
        RawBtf b = new RawBtf();
        tInt = b.integer("int", 4);
        tVal8 = b.struct("v8", 8, "a", tInt, 0, "b", tInt, 4);
        btfFd = bpf.btfLoad(t, BtfLoadAttr.of(b.bytes()));
    }

    private int create() {
        return bpf.mapCreate(t, MapCreateAttr.of(MapType.INODE_STORAGE, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, tVal8));
    }

    private Inode inodeOf(int fd) { return (Inode) fs.fileInode(t.fds().get(fd)); }

    private void finish(int... fds) {
        for (int fd : fds) {
            t.fds().close(fd);
        }
        t.fds().close(btfFd);
        k.runtime().barrier();
        k.runtime().barrier();
    }

    @Test
    void pidfdsOfOnePidShareOnePidfsInodeUntilTheLastCloses() {
        int m = create();
        Task target = k.root("target");
        int a = t.pidfdOpen(target.pid());
        int b = t.pidfdOpen(target.pid());
        Inode ino = inodeOf(a);
        assertSame(ino, inodeOf(b), "one pidfs inode per pid");
        bpf.mapUpdateElem(t, m, u32(a), u64(11), MapFlags.BPF_NOEXIST);
        assertEquals(11, le64(bpf.mapLookupElem(t, m, u32(b))));
        int dup = t.fds().dup(b);
        t.fds().close(a);
        t.fds().close(b);
        assertEquals(11, le64(bpf.mapLookupElem(t, m, u32(dup))), "a dup keeps the struct file, so the inode");
        t.fds().close(dup);
        assertTrue(ino.evicted(), "the last pidfd closed: pidfs deletes the inode though the process runs");
        assertNull(ino.bpfStorage().get(), "its storage was freed");
        assertFalse(target.exited());
        int again = t.pidfdOpen(target.pid());
        assertNotSame(ino, inodeOf(again));
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, m, u32(again)));
        // the same pidfd still keys TASK_STORAGE by its pid
        int ts = bpf.mapCreate(t, MapCreateAttr.of(MapType.TASK_STORAGE, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, tVal8));
        bpf.mapUpdateElem(t, ts, u32(again), u64(5), MapFlags.BPF_NOEXIST);
        assertEquals(5, le64(bpf.mapLookupElem(t, ts, u32(again))));
        finish(again, m, ts);
        target.exit();
    }

    @Test
    void reapingThePidKeepsThePidfsInodeWhileAPidfdRemains() {
        int m = create();
        Task child = k.root("child");
        int pfd = t.pidfdOpen(child.pid());
        bpf.mapUpdateElem(t, m, u32(pfd), u64(7), MapFlags.BPF_NOEXIST);
        Inode ino = inodeOf(pfd);
        child.exit();
        assertEquals(7, le64(bpf.mapLookupElem(t, m, u32(pfd))), "reaped, but the pidfd holds the inode");
        bpf.mapUpdateElem(t, m, u32(pfd), u64(8), MapFlags.BPF_EXIST);
        t.fds().close(pfd);
        assertTrue(ino.evicted());
        assertNull(ino.bpfStorage().get());
        finish(m);
    }

    @Test
    void cgroupDirectoryFdsNameOneKernfsInodeUntilRmdirAndTheLastClose() {
        int m = create();
        CgroupAttachCommands cgfs = new CgroupAttachCommands(k.runtime());
        k.runtime().cgroups().mkdirs("/probe");
        int c1 = cgfs.openCgroup(t, "/probe");
        int c2 = cgfs.openCgroup(t, "/probe");
        Inode ino = inodeOf(c1);
        assertSame(ino, inodeOf(c2));
        assertTrue(ino.isDir());
        bpf.mapUpdateElem(t, m, u32(c1), u64(22), MapFlags.BPF_NOEXIST);
        assertEquals(22, le64(bpf.mapLookupElem(t, m, u32(c2))));
        t.fds().close(c1);
        t.fds().close(c2);
        assertFalse(ino.evicted(), "the cached dentry keeps a live cgroup's inode");
        int c3 = cgfs.openCgroup(t, "/probe");
        assertSame(ino, inodeOf(c3));
        assertEquals(22, le64(bpf.mapLookupElem(t, m, u32(c3))), "stable across opens");
        int root = cgfs.openCgroup(t, "/");
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, m, u32(root)));   // another directory, another inode
        k.runtime().cgroups().rmdir(k.runtime().cgroups().lookup("/probe"));
        assertFalse(ino.evicted(), "an open fd holds the removed directory's inode");
        assertEquals(22, le64(bpf.mapLookupElem(t, m, u32(c3))));
        bpf.mapUpdateElem(t, m, u32(c3), u64(23), MapFlags.BPF_EXIST);
        t.fds().close(c3);
        assertTrue(ino.evicted(), "rmdir + last close");
        assertNull(ino.bpfStorage().get());
        finish(root, m);
    }

    @Test
    void stdioAndBpfObjectFdsKeyByTheirInodes() {
        int m = create();
        bpf.mapUpdateElem(t, m, u32(0), u64(33), MapFlags.BPF_NOEXIST);
        assertEquals(33, le64(bpf.mapLookupElem(t, m, u32(2))), "0, 1, 2: one terminal");
        Task other = k.root("other");
        int om = bpf.mapGetFdById(other, ((File.MapFile) t.fds().get(m)).map().map().id(), 0);
        assertEquals(33, le64(bpf.mapLookupElem(other, om, u32(1))), "every task's stdio is that terminal");
        other.fds().close(om);
        assertInstanceOf(File.Stdio.class, t.fds().get(1));
        assertEquals(0020000, inodeOf(0).mode() & 0170000, "S_IFCHR");
        bpf.mapUpdateElem(t, m, u32(m), u64(55), MapFlags.BPF_NOEXIST);
        assertEquals(55, le64(bpf.mapLookupElem(t, m, u32(btfFd))), "anon inode shared by map and BTF fds");
        bpf.mapDeleteElem(t, m, u32(1));
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, m, u32(0)));
        other.exit();
        finish(m);
    }
}
