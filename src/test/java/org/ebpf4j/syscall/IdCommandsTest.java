package org.ebpf4j.syscall;

import static org.ebpf4j.syscall.Bytes.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.MapInfo;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GET_NEXT_ID / GET_FD_BY_ID (spec-cgroup-attach-link §10; Linux 6.18 results in comments). */
class IdCommandsTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("idtest");
    }

    private int id(int fd) { return ((MapInfo) bpf.objGetInfoByFd(t, fd)).id(); }

    @Test
    void errnos() {
        // Linux 6.18: start_id INT_MAX → EINVAL; map id 0 → ENOENT; open_flags RDONLY|WRONLY → EINVAL; flag 1 → EINVAL
        assertErrno(Errno.EINVAL, () -> bpf.mapGetNextId(t, Integer.MAX_VALUE));
        assertErrno(Errno.ENOENT, () -> bpf.mapGetNextId(t, 0));
        assertErrno(Errno.ENOENT, () -> bpf.mapGetFdById(t, 0, 0));
        assertErrno(Errno.ENOENT, () -> bpf.progGetFdById(t, 0));
        assertErrno(Errno.ENOENT, () -> bpf.linkGetFdById(t, 0));
        assertErrno(Errno.ENOENT, () -> bpf.btfGetFdById(t, 0));
        assertErrno(Errno.EINVAL, () -> bpf.mapGetFdById(t, 1, MapFlags.BPF_F_RDONLY | MapFlags.BPF_F_WRONLY));
        assertErrno(Errno.EINVAL, () -> bpf.mapGetFdById(t, 1, 1));
        Task user = k.runtime().spawn("user", 1000, 1000);
        assertErrno(Errno.EPERM, () -> bpf.mapGetNextId(user, 0));
        assertErrno(Errno.EPERM, () -> bpf.progGetNextId(user, 0));
        assertErrno(Errno.EPERM, () -> bpf.mapGetFdById(user, 1, 0));
        // start_id (unsigned, 0xffffffff >= INT_MAX) is checked before the capability
        assertErrno(Errno.EINVAL, () -> bpf.mapGetNextId(user, -1));
        user.exit();
    }

    @Test
    void idsIncreaseAndVanishWhenTheObjectDies() {
        int a = bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY, 4, 8, 1, 0));
        int b = bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY, 4, 8, 1, 0));
        int ia = id(a);
        int ib = id(b);
        assertTrue(ib > ia);
        assertEquals(ia, bpf.mapGetNextId(t, 0));
        assertEquals(ib, bpf.mapGetNextId(t, ia));
        int extra = bpf.mapGetFdById(t, ia, MapFlags.BPF_F_RDONLY);
        t.fds().close(a);
        assertEquals(ia, bpf.mapGetNextId(t, 0), "the fd from GET_FD_BY_ID keeps it alive");
        assertErrno(Errno.EPERM, () -> bpf.mapUpdateElem(t, extra, Bytes.u32(0), Bytes.u64(1), 0));
        t.fds().close(extra);
        assertEquals(ib, bpf.mapGetNextId(t, 0), "gone at once with its last reference");
        assertErrno(Errno.ENOENT, () -> bpf.mapGetFdById(t, ia, 0));
        t.fds().close(b);
        int c = bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY, 4, 8, 1, 0));
        assertTrue(id(c) > ib, "ids are not reused at once");
        t.fds().close(c);
    }
}
