package org.ebpf4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.Test;

/** fd numbering as fs/file.c alloc_fd: lowest free first, 0-2 taken by stdio. */
class FdTableTest {

    /** A refcounted object with nothing behind it, so tests see exactly the fd table's references. */
    static final class Dummy extends LinkObject {
        Dummy() { super("test"); }

        boolean destroyed;

        @Override protected void destroy() { destroyed = true; }

        @Override public ObjInfo info() { return () -> 0; }
    }

    @Test
    void stdioOccupiesZeroToTwoSoTheFirstFdIsThree() {
        FdTable t = new FdTable(64);
        assertInstanceOf(File.Stdio.class, t.get(0));
        assertInstanceOf(File.Stdio.class, t.get(2));
        Dummy d = new Dummy();
        assertEquals(3, t.install(new File.LinkFile(d, File.FMODE_RDWR)));
        t.closeAll();
        assertTrue(d.destroyed);
    }

    @Test
    void lowestFreeFdIsReused() {
        FdTable t = new FdTable(64);
        Dummy a = new Dummy();
        Dummy b = new Dummy();
        Dummy c = new Dummy();
        int fa = t.install(new File.LinkFile(a, File.FMODE_RDWR));
        int fb = t.install(new File.LinkFile(b, File.FMODE_RDWR));
        assertEquals(fa + 1, fb);
        t.close(fa);
        assertTrue(a.destroyed);
        assertEquals(fa, t.install(new File.LinkFile(c, File.FMODE_RDWR)));
        t.close(1);   // stdout may be closed like any fd; the next install takes it
        Dummy d = new Dummy();
        assertEquals(1, t.install(new File.LinkFile(d, File.FMODE_RDWR)));
        t.closeAll();
        assertTrue(b.destroyed && c.destroyed && d.destroyed);
    }

    @Test
    void badFdsAreEbadf() {
        FdTable t = new FdTable(64);
        assertEquals(Errno.EBADF, assertThrows(BpfException.class, () -> t.get(7)).errno());
        assertEquals(Errno.EBADF, assertThrows(BpfException.class, () -> t.get(-1)).errno());
        assertEquals(Errno.EBADF, assertThrows(BpfException.class, () -> t.close(99)).errno());
        t.close(0);
        assertEquals(Errno.EBADF, assertThrows(BpfException.class, () -> t.close(0)).errno());
    }

    @Test
    void dupTakesItsOwnReference() {
        FdTable t = new FdTable(64);
        Dummy a = new Dummy();
        int fd = t.install(new File.LinkFile(a, File.FMODE_RDWR));
        int fd2 = t.dup(fd);
        assertEquals(fd + 1, fd2);
        assertSame(t.get(fd).object(), t.get(fd2).object());
        assertEquals(2, a.refcnt());
        t.close(fd);
        assertEquals(1, a.refcnt());
        t.close(fd2);
        assertTrue(a.destroyed);
        assertEquals(0, a.refcnt());
    }

    @Test
    void rlimitGivesEmfile() {
        FdTable t = new FdTable(5);
        Dummy a = new Dummy();
        Dummy b = new Dummy();
        t.install(new File.LinkFile(a, File.FMODE_RDWR));
        t.install(new File.LinkFile(a, File.FMODE_RDWR));
        a.inc();
        assertEquals(Errno.EMFILE, assertThrows(BpfException.class, () -> t.install(new File.LinkFile(b, File.FMODE_RDWR))).errno());
        t.closeAll();
        assertEquals(0, a.refcnt());
    }

    @Test
    void refcountNeverGoesNegative() {
        Dummy a = new Dummy();
        a.put();
        assertTrue(a.destroyed);
        assertThrows(IllegalStateException.class, a::put);
        assertEquals(0, a.refcnt());
        assertThrows(IllegalStateException.class, a::inc);
        assertEquals(false, a.tryInc());
    }
}
