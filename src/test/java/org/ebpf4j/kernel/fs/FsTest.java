package org.ebpf4j.kernel.fs;

import static org.junit.jupiter.api.Assertions.*;

import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The filesystem model (fs/namei.c, fs/open.c, fs/inode.c in miniature): names, open files and
 * the two counts that decide when an inode dies ({@code i_nlink}, {@code i_count}), as the
 * {@code struct inode} mirror shows them to programs.
 */
class FsTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    Fs fs;
    Task t;
    Arena arena;
    InodeMirror.Layout l;

    @BeforeEach
    void setUp() {
        fs = k.runtime().fs();
        t = k.root("fstest");
        arena = k.runtime().arena();
        l = InodeMirror.Layout.of(k.runtime().kernelBtf());
    }

    private static void assertErrno(Errno e, org.junit.jupiter.api.function.Executable call) {
        BpfException x = assertThrows(BpfException.class, call);
        assertEquals(e, x.errno(), x.getMessage());
    }

    @Test
    void inodesHaveNumbersAndTheirStructInodeSaysSo() {
        Inode d = fs.mkdir("/etc");
        Inode f = fs.create("/etc/passwd");
        assertNotEquals(d.ino(), f.ino());
        assertSame(f, fs.lookup("/etc/passwd"));
        assertEquals(f.ino(), arena.load64(f.address() + l.ino()));
        assertEquals(Inode.S_IFREG, arena.load16(f.address() + l.mode()) & 0170000);
        assertEquals(Inode.S_IFDIR, arena.load16(d.address() + l.mode()) & 0170000);
        assertEquals(1, arena.load32(f.address() + l.nlink()));
        assertEquals(1, arena.load32(f.address() + l.count()), "the dentry's reference");
        assertSame(f, k.runtime().mirrors().ownerAt(f.address()), "the pointer resolves to the inode");
        assertTrue(f.hasBpfBlob(), "the BPF LSM is on by default");
    }

    @Test
    void unlinkWhileOpenKeepsTheInodeUntilTheLastClose() {
        fs.create("/f");
        int fd = fs.open(t, "/f", Fs.O_RDWR);
        int dup = t.fds().dup(fd);
        Inode f = fs.lookup("/f");
        assertEquals(2, f.count());
        fs.unlink(t, "/f");
        assertNull(fs.lookup("/f"));
        assertEquals(0, f.nlink());
        assertEquals(1, f.count(), "both fds share one struct file");
        assertFalse(f.evicted());
        assertEquals(0, arena.load32(f.address() + l.nlink()));
        t.fds().close(fd);
        assertFalse(f.evicted(), "the dup still holds the file");
        t.fds().close(dup);
        assertTrue(f.evicted());
        assertNull(k.runtime().mirrors().ownerAt(f.address()), "a stale pointer resolves to no inode");
    }

    @Test
    void closeThenUnlinkEvictsAtTheUnlink() {
        fs.create("/g");
        int fd = fs.open(t, "/g", Fs.O_PATH);
        assertEquals(0, t.fds().get(fd).mode(), "O_PATH: neither read nor write");
        assertInstanceOf(File.FsFile.class, t.fds().get(fd));
        Inode g = fs.lookup("/g");
        t.fds().close(fd);
        assertFalse(g.evicted(), "still linked");
        fs.unlink(t, "/g");
        assertTrue(g.evicted());
    }

    @Test
    void renameMovesTheInodeAndEvictsWhatItReplaces() {
        Inode a = fs.create("/a");
        Inode b = fs.create("/b");
        fs.mkdir("/d");
        fs.rename(t, "/a", "/d/b");
        assertSame(a, fs.lookup("/d/b"));
        assertNull(fs.lookup("/a"));
        assertFalse(a.evicted());
        fs.rename(t, "/d/b", "/b");
        assertSame(a, fs.lookup("/b"));
        assertTrue(b.evicted(), "the replaced inode lost its only name");
        assertErrno(Errno.ENOENT, () -> fs.rename(t, "/nope", "/x"));
        assertErrno(Errno.EISDIR, () -> fs.rename(t, "/b", "/d"));
    }

    @Test
    void openErrnos() {
        fs.mkdir("/dir");
        assertErrno(Errno.ENOENT, () -> fs.open(t, "/missing", Fs.O_RDONLY));
        assertErrno(Errno.ENOENT, () -> fs.open(t, "/nodir/x", Fs.O_CREAT | Fs.O_WRONLY));
        assertErrno(Errno.EISDIR, () -> fs.open(t, "/dir", Fs.O_WRONLY));
        assertErrno(Errno.EISDIR, () -> fs.unlink(t, "/dir"));
        int fd = fs.open(t, "/dir/new", Fs.O_CREAT | Fs.O_WRONLY);
        assertErrno(Errno.EEXIST, () -> fs.open(t, "/dir/new", Fs.O_CREAT | Fs.O_EXCL));
        assertErrno(Errno.ENOTDIR, () -> fs.open(t, "/dir/new", Fs.O_DIRECTORY));
        assertErrno(Errno.ENOTDIR, () -> fs.open(t, "/dir/new/x", Fs.O_CREAT));
        int dirFd = fs.open(t, "/dir", Fs.O_RDONLY | Fs.O_DIRECTORY);
        t.fds().close(dirFd);
        t.fds().close(fd);
    }

    @Test
    void processExitClosesItsFiles() {
        fs.create("/h");
        Task p = k.runtime().spawn("p", 0, 0);
        fs.open(p, "/h", Fs.O_RDONLY);
        Inode h = fs.lookup("/h");
        fs.unlink(p, "/h");
        assertFalse(h.evicted());
        p.exit();
        assertTrue(h.evicted());
    }
}
