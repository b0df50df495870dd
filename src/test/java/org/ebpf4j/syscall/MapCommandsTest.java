package org.ebpf4j.syscall;

import static org.ebpf4j.syscall.Bytes.assertErrno;
import static org.ebpf4j.syscall.Bytes.le64;
import static org.ebpf4j.syscall.Bytes.u32;
import static org.ebpf4j.syscall.Bytes.u64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.MapInfo;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.BatchResult;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The map commands' errnos and check order. "Linux 6.18:" comments record what this machine's
 * kernel returned for the same call (a C probe through bpf(2), 2026; see the report of issue 4).
 */
class MapCommandsTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("maptest");
    }

    private int hash(int flags) { return bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, flags)); }

    @Test
    void createGivesFdThreeAndAnIdThatInfoReports() {
        int fd = bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 16, 0).withName("counts"));
        assertEquals(3, fd);
        MapInfo info = (MapInfo) bpf.objGetInfoByFd(t, fd);
        assertEquals(MapType.HASH, info.type());
        assertEquals("counts", info.name());
        assertEquals(16, info.maxEntries());
        assertTrue(info.id() > 0);
        assertEquals(info.id(), bpf.mapGetNextId(t, 0));
        t.fds().close(fd);
    }

    @Test
    void createErrnos() {
        // Linux 6.18: unknown map_flags bit (1<<20) → EINVAL; map_name "bad-name" → EINVAL
        assertErrno(Errno.EINVAL, () -> hash(1 << 20));
        assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0).withName("bad-name")));
        assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, new MapCreateAttr(999, 4, 8, 4, 0, 0, 0, "", 0, 0, 0, 0, 0, 0)));
        assertErrno(Errno.EINVAL, () -> hash(MapFlags.BPF_F_RDONLY | MapFlags.BPF_F_WRONLY));
        assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 0, 8, 4, 0)));
        assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0).withMapExtra(1)));
        // Linux 6.18: btf_fd 999 (not open) with type ids → EBADF; btf_fd naming a map → EINVAL
        assertErrno(Errno.EBADF, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0).withBtf(999, 1, 2)));
        int m = hash(0);
        assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0).withBtf(m, 1, 2)));
        // a key type id without a value type id
        assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0).withBtf(m, 1, 0)));
        t.fds().close(m);
        assertEquals(0, k.runtime().mapIds().size(), "failed creates leave no map behind");
    }

    @Test
    void unprivilegedCreateIsEperm() {
        Task user = k.runtime().spawn("user", 1000, 1000);
        // kernel.unprivileged_bpf_disabled = 2 on this machine: map_create needs CAP_BPF
        assertErrno(Errno.EPERM, () -> bpf.mapCreate(user, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0)));
        // ... but map_alloc_check runs first
        assertErrno(Errno.EINVAL, () -> bpf.mapCreate(user, MapCreateAttr.of(MapType.HASH, 0, 8, 4, 0)));
        Task capBpf = k.runtime().spawn("bpfuser", 1000, 1000, java.util.EnumSet.of(org.ebpf4j.kernel.Cap.BPF));
        int fd = bpf.mapCreate(capBpf, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0));
        capBpf.exit();
        user.exit();
        assertEquals(3, fd);
    }

    @Test
    void lookupChecksFlagsBeforeTheFd() {
        int fd = hash(0);
        // Linux 6.18: lookup with flags 8 on fd 999 → EINVAL (flags first); fd 0 (not a map) → EINVAL
        assertErrno(Errno.EINVAL, () -> bpf.mapLookupElem(t, new MapElemAttr(999, u32(1), null, 8)));
        assertErrno(Errno.EBADF, () -> bpf.mapLookupElem(t, new MapElemAttr(999, u32(1), null, 0)));
        assertErrno(Errno.EINVAL, () -> bpf.mapLookupElem(t, new MapElemAttr(0, u32(1), null, 0)));
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, fd, u32(1)));
        // BPF_F_LOCK on a value without a spin lock → EINVAL
        assertErrno(Errno.EINVAL, () -> bpf.mapLookupElem(t, new MapElemAttr(fd, u32(1), null, MapFlags.BPF_F_LOCK)));
        t.fds().close(fd);
    }

    @Test
    void updateChecksTheFdBeforeFlags() {
        int fd = hash(0);
        // Linux 6.18: update flags 99 on fd 999 → EBADF; on the map → EINVAL; F_LOCK without lock → EINVAL
        assertErrno(Errno.EBADF, () -> bpf.mapUpdateElem(t, 999, u32(1), u64(5), 99));
        assertErrno(Errno.EINVAL, () -> bpf.mapUpdateElem(t, fd, u32(1), u64(5), 99));
        assertErrno(Errno.EINVAL, () -> bpf.mapUpdateElem(t, fd, u32(1), u64(5), MapFlags.BPF_F_LOCK));
        bpf.mapUpdateElem(t, fd, u32(1), u64(5), MapFlags.BPF_NOEXIST);
        assertErrno(Errno.EEXIST, () -> bpf.mapUpdateElem(t, fd, u32(1), u64(6), MapFlags.BPF_NOEXIST));
        assertErrno(Errno.ENOENT, () -> bpf.mapUpdateElem(t, fd, u32(2), u64(6), MapFlags.BPF_EXIST));
        bpf.mapUpdateElem(t, fd, u32(1), u64(7), MapFlags.BPF_EXIST);
        assertEquals(7, le64(bpf.mapLookupElem(t, fd, u32(1))));
        assertArrayEquals(u32(1), bpf.mapGetNextKey(t, fd, null));
        assertErrno(Errno.ENOENT, () -> bpf.mapGetNextKey(t, fd, u32(1)));
        assertEquals(7, le64(bpf.mapLookupAndDeleteElem(t, new MapElemAttr(fd, u32(1), null, 0))));
        assertErrno(Errno.ENOENT, () -> bpf.mapDeleteElem(t, fd, u32(1)));
        t.fds().close(fd);
    }

    @Test
    void readOnlyAndWriteOnlyFds() {
        int ro = hash(MapFlags.BPF_F_RDONLY);
        int wo = hash(MapFlags.BPF_F_WRONLY);
        // Linux 6.18: RDONLY fd: update EPERM, lookup ENOENT (allowed), freeze EPERM
        assertErrno(Errno.EPERM, () -> bpf.mapUpdateElem(t, ro, u32(1), u64(5), 0));
        assertErrno(Errno.EPERM, () -> bpf.mapDeleteElem(t, ro, u32(1)));
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, ro, u32(1)));
        assertErrno(Errno.EPERM, () -> bpf.mapFreeze(t, ro));
        // Linux 6.18: WRONLY fd: lookup EPERM, get_next_key EPERM, update 0, lookup_and_delete EPERM
        assertErrno(Errno.EPERM, () -> bpf.mapLookupElem(t, wo, u32(1)));
        assertErrno(Errno.EPERM, () -> bpf.mapGetNextKey(t, wo, null));
        bpf.mapUpdateElem(t, wo, u32(1), u64(5), 0);
        assertErrno(Errno.EPERM, () -> bpf.mapLookupAndDeleteElem(t, new MapElemAttr(wo, u32(1), null, 0)));
        assertErrno(Errno.EPERM, () -> bpf.mapLookupBatch(t, MapBatchAttr.lookup(wo, null, 4)));
        t.fds().close(ro);
        t.fds().close(wo);
    }

    @Test
    void freezeRefusesSyscallWritesOnly() {
        int fd = hash(0);
        bpf.mapUpdateElem(t, fd, u32(1), u64(5), 0);
        bpf.mapFreeze(t, fd);
        // Linux 6.18: freeze again → EPERM (frozen strips write permission before the EBUSY check);
        // update → EPERM; lookup → 0; lookup_and_delete → EPERM; get_next_key → 0
        assertErrno(Errno.EPERM, () -> bpf.mapFreeze(t, fd));
        assertErrno(Errno.EPERM, () -> bpf.mapUpdateElem(t, fd, u32(1), u64(6), 0));
        assertErrno(Errno.EPERM, () -> bpf.mapDeleteElem(t, fd, u32(1)));
        assertErrno(Errno.EPERM, () -> bpf.mapLookupAndDeleteElem(t, new MapElemAttr(fd, u32(1), null, 0)));
        assertErrno(Errno.EPERM, () -> bpf.mapUpdateBatch(t, MapBatchAttr.update(fd, u32(2), u64(1), 1, 0)));
        assertEquals(5, le64(bpf.mapLookupElem(t, fd, u32(1))));
        assertArrayEquals(u32(1), bpf.mapGetNextKey(t, fd, null));
        // a program still writes: the map op itself is not frozen
        var map = k.runtime().mapIds().get(((MapInfo) bpf.objGetInfoByFd(t, fd)).id()).map();
        long key = k.runtime().arena().alloc(8);
        long val = k.runtime().arena().alloc(8);
        k.runtime().arena().store32(key, 1);
        k.runtime().arena().store64(val, 42);
        assertEquals(0, map.updateElem(key, val, 0, 0));
        assertEquals(42, le64(bpf.mapLookupElem(t, fd, u32(1))));
        k.runtime().arena().free(key, 8);
        k.runtime().arena().free(val, 8);
        t.fds().close(fd);
    }

    @Test
    void batchesRoundTripAndEndWithEnoent() {
        int fd = hash(0);
        byte[] keys = new byte[12];
        byte[] vals = new byte[24];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(u32(i + 10), 0, keys, 4 * i, 4);
            System.arraycopy(u64(i * 100L), 0, vals, 8 * i, 8);
        }
        assertEquals(3, bpf.mapUpdateBatch(t, MapBatchAttr.update(fd, keys, vals, 3, 0)).count());
        BatchException end = (BatchException) assertErrno(Errno.ENOENT, () -> bpf.mapLookupBatch(t, MapBatchAttr.lookup(fd, null, 4)));
        BatchResult r = end.result();
        assertEquals(3, r.count());
        long sum = 0;
        for (int i = 0; i < 3; i++) {
            sum += le64(java.util.Arrays.copyOfRange(r.values(), 8 * i, 8 * i + 8));
        }
        assertEquals(300, sum);
        assertEquals(2, bpf.mapDeleteBatch(t, MapBatchAttr.delete(fd, java.util.Arrays.copyOf(keys, 8), 2)).count());
        assertArrayEquals(u32(12), bpf.mapGetNextKey(t, fd, null));
        // a batch op the type lacks: QUEUE has no batch ops → ENOTSUPP (bpf_map_do_batch)
        int q = bpf.mapCreate(t, MapCreateAttr.of(MapType.QUEUE, 0, 8, 4, 0));
        assertErrno(Errno.ENOTSUPP, () -> bpf.mapLookupBatch(t, MapBatchAttr.lookup(q, null, 4)));
        t.fds().close(q);
        t.fds().close(fd);
    }

    @Test
    void queueLookupAndDeletePopsAndRejectsFlags() {
        int q = bpf.mapCreate(t, MapCreateAttr.of(MapType.QUEUE, 0, 8, 4, 0));
        bpf.mapUpdateElem(t, q, null, u64(1), 0);
        bpf.mapUpdateElem(t, q, null, u64(2), 0);
        // map_lookup_and_delete_elem: any flag on a QUEUE/STACK → EINVAL
        assertErrno(Errno.EINVAL, () -> bpf.mapLookupAndDeleteElem(t, new MapElemAttr(q, null, null, MapFlags.BPF_F_LOCK)));
        assertEquals(1, le64(bpf.mapLookupAndDeleteElem(t, new MapElemAttr(q, null, null, 0))));
        assertEquals(2, le64(bpf.mapLookupElem(t, q, null)));   // peek
        t.fds().close(q);
    }

    @Test
    void progArrayValuesMustBeProgFds() {
        int pa = bpf.mapCreate(t, MapCreateAttr.of(MapType.PROG_ARRAY, 4, 4, 2, 0));
        int other = hash(0);
        // bpf_fd_array_map_update_elem: flags, then index (E2BIG), then the fd (EBADF / EINVAL)
        assertErrno(Errno.EINVAL, () -> bpf.mapUpdateElem(t, pa, u32(0), u32(other), MapFlags.BPF_NOEXIST));
        assertErrno(Errno.E2BIG, () -> bpf.mapUpdateElem(t, pa, u32(2), u32(999), 0));
        assertErrno(Errno.EBADF, () -> bpf.mapUpdateElem(t, pa, u32(0), u32(999), 0));
        assertErrno(Errno.EINVAL, () -> bpf.mapUpdateElem(t, pa, u32(0), u32(other), 0));
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, pa, u32(0)));
        t.fds().close(pa);
        t.fds().close(other);
    }

    @Test
    void bloomFilterLookupTakesTheValue() {
        int b = bpf.mapCreate(t, MapCreateAttr.of(MapType.BLOOM_FILTER, 0, 8, 100, 0).withMapExtra(3));
        bpf.mapUpdateElem(t, b, null, u64(77), 0);
        assertArrayEquals(u64(77), bpf.mapLookupElem(t, new MapElemAttr(b, null, u64(77), 0)));
        t.fds().close(b);
    }

    @Test
    void infoOnNonBpfFdIsEinvalAndOnClosedFdEbadf() {
        assertErrno(Errno.EINVAL, () -> bpf.objGetInfoByFd(t, 1));
        assertErrno(Errno.EBADF, () -> bpf.objGetInfoByFd(t, 55));
        assertFalse(k.runtime().leaks().iterator().hasNext());
    }
}
