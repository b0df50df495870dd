package org.ebpf4j.syscall;

import static org.ebpf4j.syscall.Bytes.assertErrno;
import static org.ebpf4j.syscall.Bytes.le64;
import static org.ebpf4j.syscall.Bytes.u32;
import static org.ebpf4j.syscall.Bytes.u64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.ebpf4j.kernel.BpfFs;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.MapInfo;
import org.ebpf4j.kernel.ObjKind;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** BPF_OBJ_PIN / BPF_OBJ_GET and bpffs (spec-cgroup-attach-link §9; Linux 6.18 results in comments). */
class ObjCommandsTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;
    BpfFs fs;

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("pintest");
        fs = k.runtime().bpffs();
    }

    private int hash() { return bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0)); }

    @Test
    void pinErrnos() {
        int fd = hash();
        // Linux 6.18 (§9.1): dotted name → EPERM; missing parent → ENOENT; outside bpffs → EPERM;
        // file_flags BPF_F_RDONLY → EINVAL; bpf_fd 0 (not BPF) → EINVAL; bpf_fd 999 (closed) → EINVAL;
        // second pin at the same path → EEXIST
        assertErrno(Errno.EPERM, () -> bpf.objPin(t, "/sys/fs/bpf/x.y", fd));
        assertErrno(Errno.ENOENT, () -> bpf.objPin(t, "/sys/fs/bpf/nonexist_dir/x", fd));
        assertErrno(Errno.EPERM, () -> bpf.objPin(t, "/tmp/pin", fd));
        assertErrno(Errno.EINVAL, () -> bpf.objPin(t, new ObjAttr("/sys/fs/bpf/p", fd, MapFlags.BPF_F_RDONLY)));
        assertErrno(Errno.EINVAL, () -> bpf.objPin(t, "/sys/fs/bpf/p", 0));
        assertErrno(Errno.EINVAL, () -> bpf.objPin(t, "/sys/fs/bpf/p", 999));
        bpf.objPin(t, "/sys/fs/bpf/p", fd);
        assertErrno(Errno.EEXIST, () -> bpf.objPin(t, "/sys/fs/bpf/p", fd));
        assertErrno(Errno.EEXIST, () -> bpf.objPin(t, "p", fd));   // relative to the mount
        assertEquals(1, k.runtime().mapIds().snapshot().getFirst().usercnt() - 1, "fd + one pin");
        fs.unlink(t, "/sys/fs/bpf/p");
        t.fds().close(fd);
    }

    @Test
    void getErrnos() {
        int fd = hash();
        bpf.objPin(t, "/sys/fs/bpf/p", fd);
        fs.mkdir(t, "/sys/fs/bpf/dir");
        // Linux 6.18 (§9.2): dotted missing → EPERM; missing → ENOENT; directory → EACCES;
        // RDONLY|WRONLY → EINVAL; bpf_fd != 0 → EINVAL
        assertErrno(Errno.EPERM, () -> bpf.objGet(t, "/sys/fs/bpf/z.q"));
        assertErrno(Errno.ENOENT, () -> bpf.objGet(t, "/sys/fs/bpf/missing"));
        assertErrno(Errno.EACCES, () -> bpf.objGet(t, "/sys/fs/bpf"));
        assertErrno(Errno.EACCES, () -> bpf.objGet(t, "/sys/fs/bpf/dir"));
        assertErrno(Errno.EINVAL, () -> bpf.objGet(t, ObjAttr.get("/sys/fs/bpf/p", MapFlags.BPF_F_RDONLY | MapFlags.BPF_F_WRONLY)));
        assertErrno(Errno.EINVAL, () -> bpf.objGet(t, new ObjAttr("/sys/fs/bpf/p", fd, 0)));
        // pins are mode 0600: another unprivileged user gets EACCES
        Task other = k.runtime().spawn("other", 1000, 1000);
        assertErrno(Errno.EACCES, () -> bpf.objGet(other, "/sys/fs/bpf/p"));
        other.exit();
        // Linux 6.18: a read-only fd from OBJ_GET refuses update with EPERM
        int ro = bpf.objGet(t, ObjAttr.get("/sys/fs/bpf/p", MapFlags.BPF_F_RDONLY));
        assertErrno(Errno.EPERM, () -> bpf.mapUpdateElem(t, ro, u32(1), u64(1), 0));
        bpf.mapUpdateElem(t, fd, u32(1), u64(9), 0);
        assertEquals(9, le64(bpf.mapLookupElem(t, ro, u32(1))));
        t.fds().close(ro);
        fs.unlink(t, "p");
        fs.rmdir(t, "dir");
        t.fds().close(fd);
    }

    @Test
    void pinnedMapOutlivesItsFdsAndDiesAtUnlink() {
        int fd = hash();
        int id = ((MapInfo) bpf.objGetInfoByFd(t, fd)).id();
        bpf.mapUpdateElem(t, fd, u32(3), u64(33), 0);
        bpf.objPin(t, "/sys/fs/bpf/keep", fd);
        t.exit();   // closes the fd
        Task t2 = k.runtime().spawn("reader", 0, 0);
        assertEquals(id, bpf.mapGetNextId(t2, 0), "the pin keeps the map and its id");
        int fd2 = bpf.objGet(t2, "/sys/fs/bpf/keep");
        assertEquals(3, fd2);
        assertEquals(33, le64(bpf.mapLookupElem(t2, fd2, u32(3))));
        t2.fds().close(fd2);
        fs.unlink(t2, "/sys/fs/bpf/keep");
        assertErrno(Errno.ENOENT, () -> bpf.mapGetNextId(t2, 0));
        assertErrno(Errno.ENOENT, () -> bpf.mapGetFdById(t2, id, 0));
        t2.exit();
    }

    @Test
    void directories() {
        fs.mkdir(t, "/sys/fs/bpf/a");
        fs.mkdir(t, "/sys/fs/bpf/a/b");
        assertErrno(Errno.EEXIST, () -> fs.mkdir(t, "/sys/fs/bpf/a"));
        assertErrno(Errno.ENOENT, () -> fs.mkdir(t, "/sys/fs/bpf/x/y"));
        assertErrno(Errno.EPERM, () -> fs.mkdir(t, "/sys/fs/bpf/with.dot"));
        assertErrno(Errno.EPERM, () -> fs.mkdir(t, "/opt/elsewhere"));
        assertErrno(Errno.ENOTEMPTY, () -> fs.rmdir(t, "/sys/fs/bpf/a"));
        assertErrno(Errno.EBUSY, () -> fs.rmdir(t, "/sys/fs/bpf"));
        int fd = hash();
        bpf.objPin(t, "/sys/fs/bpf/a/b/m", fd);
        assertErrno(Errno.ENOTDIR, () -> fs.rmdir(t, "/sys/fs/bpf/a/b/m"));
        assertErrno(Errno.EISDIR, () -> fs.unlink(t, "/sys/fs/bpf/a/b"));
        assertErrno(Errno.ENOTDIR, () -> bpf.objPin(t, "/sys/fs/bpf/a/b/m/x", fd));
        List<BpfFs.Entry> l = fs.list("a/b");
        assertEquals(1, l.size());
        assertEquals("/sys/fs/bpf/a/b/m", l.getFirst().path());
        assertEquals(ObjKind.MAP, l.getFirst().kind());
        assertTrue(fs.list("/sys/fs/bpf").getFirst().directory());
        // rename keeps the pin's one reference
        fs.rename(t, "/sys/fs/bpf/a/b/m", "/sys/fs/bpf/a/m2");
        t.fds().close(fd);
        int again = bpf.objGet(t, "/sys/fs/bpf/a/m2");
        t.fds().close(again);
        fs.unlink(t, "/sys/fs/bpf/a/m2");
        fs.rmdir(t, "/sys/fs/bpf/a/b");
        fs.rmdir(t, "/sys/fs/bpf/a");
        assertEquals(0, k.runtime().mapIds().size());
    }

    @Test
    void failedPinDropsTheReferenceItTook() {
        int fd = hash();
        var obj = k.runtime().mapIds().snapshot().getFirst();
        long before = obj.refcnt();
        assertErrno(Errno.ENOENT, () -> bpf.objPin(t, "/sys/fs/bpf/none/p", fd));
        assertEquals(before, obj.refcnt());
        assertEquals(1, obj.usercnt());
        t.fds().close(fd);
        assertEquals(0, obj.refcnt());
        assertThrows(IllegalStateException.class, obj::putWithUref, "usercnt never goes negative");
    }
}
