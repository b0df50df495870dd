package org.ebpf4j.syscall;

import static org.ebpf4j.syscall.Bytes.assertErrno;
import static org.ebpf4j.syscall.Bytes.le32;
import static org.ebpf4j.syscall.Bytes.u32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.MapInfo;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Objects die exactly when Linux says (spec-cgroup-attach-link §9.3, §10). */
class LifetimeTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("life");
    }

    private MapObject obj(int fd) { return k.runtime().mapIds().get(((MapInfo) bpf.objGetInfoByFd(t, fd)).id()); }

    @Test
    void aMapHeldByAProgramOutlivesItsLastFd() {
        int fd = bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY, 4, 8, 1, 0));
        MapObject m = obj(fd);
        long addr = m.map().address();
        TestProg p = new TestProg(k.runtime(), List.of(m));
        int pfd = t.fds().install(new File.ProgFile(p, File.FMODE_RDWR));
        t.fds().close(fd);
        assertTrue(m.alive());
        assertEquals(0, m.usercnt(), "no fd, no pin: no user reference");
        assertEquals(m.id(), bpf.mapGetNextId(t, 0), "the id stays while the program holds the map");
        assertNotNull(k.runtime().mapByAddress(addr), "programs still resolve the map pointer");
        int id = m.id();
        t.fds().close(pfd);
        assertTrue(p.destroyed);
        assertFalse(m.alive());
        assertNull(k.runtime().mapIds().get(id));
        assertNull(k.runtime().mapByAddress(addr));
        assertErrno(Errno.ENOENT, () -> bpf.progGetFdById(t, p.id() == 0 ? 1 : p.id()));
    }

    @Test
    void progArraySlotsAreClearedWhenTheLastUserReferenceGoes() {
        int pa = bpf.mapCreate(t, MapCreateAttr.of(MapType.PROG_ARRAY, 4, 4, 4, 0));
        MapObject arr = obj(pa);
        TestProg p = new TestProg(k.runtime(), List.of(arr));   // a program that tail-calls through pa
        int pfd = t.fds().install(new File.ProgFile(p, File.FMODE_RDWR));
        TestProg target = new TestProg(k.runtime(), List.of());
        int tfd = t.fds().install(new File.ProgFile(target, File.FMODE_RDWR));
        bpf.mapUpdateElem(t, pa, u32(1), u32(tfd), 0);
        assertEquals(target.id(), le32(bpf.mapLookupElem(t, pa, u32(1))), "a user lookup gives the prog id");
        assertEquals(2, target.refcnt(), "fd + slot");
        t.fds().close(tfd);
        assertTrue(target.alive(), "the slot holds it");
        t.fds().close(pa);   // usercnt 0: prog_array_map_clear, though the program still holds the map
        assertTrue(arr.alive());
        assertTrue(target.destroyed, "the slot's reference was released");
        t.fds().close(pfd);
        assertFalse(arr.alive());
    }

    @Test
    void taskExitReleasesEveryFdButNotPins() {
        Task a = k.runtime().spawn("a", 0, 0);
        int f1 = bpf.mapCreate(a, MapCreateAttr.of(MapType.HASH, 4, 4, 4, 0));
        int f2 = bpf.mapCreate(a, MapCreateAttr.of(MapType.HASH, 4, 4, 4, 0));
        bpf.objPin(a, "/sys/fs/bpf/kept", f2);
        assertEquals(4, f2);
        a.exit();
        assertNull(k.runtime().task(a.pid()));
        assertEquals(1, k.runtime().mapIds().size(), "only the pinned map is left");
        assertThrows(org.ebpf4j.uapi.BpfException.class, () -> a.fds().get(f1));
        k.runtime().bpffs().unlink(t, "/sys/fs/bpf/kept");
        assertEquals(0, k.runtime().mapIds().size());
    }

    @Test
    void leakCheckNamesWhatIsLeft() {
        Runtime rt = Runtime.builder().arenaSize(16 << 20).cpus(1).build();
        try {
            KernelBpf b = new KernelBpf(rt);
            Task x = rt.spawn("leaky", 0, 0);
            int fd = b.mapCreate(x, MapCreateAttr.of(MapType.HASH, 4, 4, 4, 0).withName("leaked_map"));
            b.objPin(x, "/sys/fs/bpf/leak", fd);
            AssertionError e = assertThrows(AssertionError.class, () -> LeakCheck.check(rt));
            assertTrue(e.getMessage().contains("leaked_map"), e.getMessage());
            assertTrue(e.getMessage().contains("/sys/fs/bpf/leak"), e.getMessage());
            assertTrue(e.getMessage().contains("fd 3"), e.getMessage());
            x.exit();
            rt.bpffs().unlink(x, "leak");
            LeakCheck.check(rt);
        } finally {
            rt.close();
        }
    }

    @Test
    void mapMemoryIsFreedAfterAGracePeriod() {
        long before = k.runtime().arena().allocatedBytes();
        int fd = bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY, 4, 64, 1024, 0));
        assertTrue(k.runtime().arena().allocatedBytes() > before);
        t.fds().close(fd);
        k.runtime().barrier();
        assertEquals(before, k.runtime().arena().allocatedBytes());
    }
}
