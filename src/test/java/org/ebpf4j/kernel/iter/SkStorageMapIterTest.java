package org.ebpf4j.kernel.iter;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.Link;
import org.ebpf4j.api.MapHandle;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.kernel.MapInfo;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.Socket;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.LinkType;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The {@code bpf_sk_storage_map} iterator (spec-local-storage-map-in-map §4.5, §10.1 LS-SK4;
 * kernel/bpf/bpf_iter.c, net/core/bpf_sk_storage.c), after the upstream selftests
 * prog_tests/bpf_iter.c test_bpf_sk_storage_map / test_bpf_sk_storage_delete and the map-iter
 * errno tests. Programs: src/test/bpf/iter_sk_storage.bpf.c.
 */
class SkStorageMapIterTest {
    static final Path OBJ = Path.of("src/test/bpf/iter_sk_storage.bpf.o");
    /** .bss offsets of iter_sk_storage.bpf.c (llvm-objdump -t). */
    static final int VAL_SUM = 0, ELEM_COUNT = 4, STOP_CALLS = 8, TO_ADD_VAL = 12, LAST_SESSION = 16;

    final Runtime rt = Runtime.builder().arenaSize(64L << 20).cpus(2).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("iter", 0, 0);
    final BpfObject o = BpfObject.load(ObjectReader.read(OBJ), rt, task, bpf);
    final MapHandle stg = o.map("sk_stg_map");

    @AfterEach
    void close() {
        o.close();
        rt.close();
    }

    static byte[] le32(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    static int le32(byte[] b, int off) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(off); }

    static long le64(byte[] b, int off) { return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(off); }

    static void assertErrno(Errno want, Executable e) {
        BpfException ex = assertThrows(BpfException.class, e);
        assertEquals(want, ex.errno(), ex.getMessage());
    }

    MapHandle bss() {
        return o.maps().stream().filter(m -> m.name().endsWith(".bss")).findFirst().orElseThrow();
    }

    int bss32(int off) { return le32(bss().lookup(le32(0)), off); }

    void setBss32(int off, int v) {
        byte[] b = bss().lookup(le32(0));
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(off, v);
        bss().update(le32(0), b);
    }

    /** {@code n} UDP sockets of the task, each with value {@code first + i} in {@code mapFd}. */
    List<Integer> sockets(int n, int mapFd, int first) {
        List<Integer> fds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int fd = rt.net().socket(task, SockAddr.AF_INET, Socket.SOCK_DGRAM, 0);
            bpf.mapUpdateElem(task, mapFd, le32(fd), le32(first + i), MapFlags.BPF_NOEXIST);
            fds.add(fd);
        }
        return fds;
    }

    Link attach(String prog, int mapFd) { return o.program(prog).attachIter(Attrs.IterInfo.map(mapFd)); }

    int linkCreate(String prog, Attrs.IterInfo info) {
        return bpf.linkCreate(task, Attrs.LinkCreate.iter(o.program(prog).fd(), info));
    }

    // ---- LS-SK4: attach errnos, in bpf_iter_attach_map's order ----

    @Test
    void lsSk4MapFdZeroIsEbadf() {
        assertErrno(Errno.EBADF, () -> linkCreate("rw_bpf_sk_storage_map", Attrs.IterInfo.map(0)));
        assertErrno(Errno.EBADF, () -> linkCreate("rw_bpf_sk_storage_map", null));   // no iter_info: map_fd 0
    }

    @Test
    void lsSk4BadFdIsEbadfAndNonMapFdEinval() {
        assertErrno(Errno.EBADF, () -> linkCreate("rw_bpf_sk_storage_map", Attrs.IterInfo.map(999)));
        int prog = o.program("dump_bpf_map").fd();
        assertErrno(Errno.EINVAL, () -> linkCreate("rw_bpf_sk_storage_map", Attrs.IterInfo.map(prog)));
    }

    @Test
    void lsSk4HashMapIsEinval() {
        int hash = bpf.mapCreate(task, MapCreateAttr.of(MapType.HASH, 4, 4, 8, 0));
        assertErrno(Errno.EINVAL, () -> linkCreate("rw_bpf_sk_storage_map", Attrs.IterInfo.map(hash)));
    }

    @Test
    void lsSk4OverSizeAccessIsEacces() {
        // oob_write writes bytes 4..8 of the value: max_rdwr_access 8 > value_size 4
        assertErrno(Errno.EACCES, () -> linkCreate("oob_write_bpf_sk_storage_map", Attrs.IterInfo.map(stg.fd())));
        // with value_size 8 the same program attaches (the check is max_rdwr_access > value_size)
        int wide = o.map("sk_stg_wide").fd();
        assertTrue(linkCreate("oob_write_bpf_sk_storage_map", Attrs.IterInfo.map(wide)) > 0);
        // the in-bounds program attaches to the 4-byte map
        assertTrue(linkCreate("rw_bpf_sk_storage_map", Attrs.IterInfo.map(stg.fd())) > 0);
    }

    @Test
    void failedAttachLeavesNoLinkAndKeepsTheMapUsable() {
        assertErrno(Errno.EACCES, () -> linkCreate("oob_write_bpf_sk_storage_map", Attrs.IterInfo.map(stg.fd())));
        assertErrno(Errno.ENOENT, () -> bpf.linkGetNextId(task, 0));
    }

    // ---- iteration (selftest test_bpf_sk_storage_map) ----

    @Test
    void sumsAndRewritesEveryValueOfTheAttachedMapOnly() {
        int other = o.map("sk_stg_map2").fd();
        List<Integer> fds = sockets(3, stg.fd(), 1);          // values 1, 2, 3
        for (int fd : fds) {
            bpf.mapUpdateElem(task, other, le32(fd), le32(1000), 0);   // another map on the same sockets
        }
        setBss32(TO_ADD_VAL, 10);
        try (Link link = attach("rw_bpf_sk_storage_map", stg.fd())) {
            assertEquals(0, link.readIterator(64).length, "the program prints nothing");
        }
        assertEquals(3, bss32(ELEM_COUNT));
        assertEquals(11 + 12 + 13, bss32(VAL_SUM), "the program summed the values it rewrote");
        for (int i = 0; i < fds.size(); i++) {
            assertEquals(i + 11, le32(bpf.mapLookupElem(task, stg.fd(), le32(fds.get(i))), 0), "value written through ctx->value");
            assertEquals(1000, le32(bpf.mapLookupElem(task, other, le32(fds.get(i))), 0), "the other map is untouched");
        }
    }

    @Test
    void stopCallRunsOnceWithNullObjectsThenReadsReturnZero() {
        sockets(2, stg.fd(), 5);
        try (Link link = attach("rw_bpf_sk_storage_map", stg.fd())) {
            int it = link.iterCreate();
            assertEquals(0, bpf.iterRead(task, it, 4096).length);
            assertEquals(1, bss32(STOP_CALLS), "one stop call with sk == NULL");
            assertEquals(2, bss32(ELEM_COUNT));
            assertEquals(0, bpf.iterRead(task, it, 4096).length, "at the end every read returns 0");
            assertEquals(1, bss32(STOP_CALLS), "done_stop: no second stop call in the session");
            task.fds().close(it);
        }
    }

    @Test
    void emptyMapOnlyGetsTheStopCall() {
        try (Link link = attach("dump_sk_storage", stg.fd())) {
            assertEquals("stop 0\n", new String(link.readIterator(4096), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void deletingFromTheIteratorRemovesAllStorage() {
        // selftest test_bpf_sk_storage_delete: afterwards the syscall lookup is ENOENT
        List<Integer> fds = sockets(4, stg.fd(), 7);
        try (Link link = attach("delete_bpf_sk_storage_map", stg.fd())) {
            link.readIterator(4096);
        }
        for (int fd : fds) {
            assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(task, stg.fd(), le32(fd)));
        }
        try (Link link = attach("dump_sk_storage", stg.fd())) {
            assertEquals("stop 0\n", new String(link.readIterator(4096), StandardCharsets.US_ASCII), "nothing left to iterate");
        }
    }

    @Test
    void seqPrintfOutputReadInSmallChunks() {
        sockets(5, stg.fd(), 100);
        try (Link link = attach("dump_sk_storage", stg.fd())) {
            int it = link.iterCreate();
            StringBuilder all = new StringBuilder();
            int reads = 0;
            while (true) {
                byte[] b = bpf.iterRead(task, it, 3);
                assertTrue(b.length <= 3, "a read returns at most what was asked");
                if (b.length == 0) {
                    break;
                }
                all.append(new String(b, StandardCharsets.US_ASCII));
                reads++;
            }
            task.fds().close(it);
            String[] lines = all.toString().split("\n");
            assertEquals(6, lines.length, all.toString());
            List<Integer> values = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String[] f = lines[i].split(" ");
                assertEquals(String.valueOf(i), f[0], "meta->seq_num counts the objects shown: " + all);
                values.add(Integer.parseInt(f[1]));
            }
            // bpf_seq_read increments seq_num only for a valid next object: the stop call sees the last one's
            // (observed on Linux 6.18 with a bpf_map iterator: objects 0..3, then the stop call with seq_num 3)
            assertEquals("stop 4", lines[5], "the stop call sees the last object's seq_num");
            values.sort(null);
            assertEquals(List.of(100, 101, 102, 103, 104), values);
            assertTrue(reads >= all.length() / 3, "every byte came through 3-byte reads");
        }
    }

    @Test
    void wholeReadEqualsChunkedRead() {
        sockets(3, stg.fd(), 40);
        try (Link link = attach("dump_sk_storage", stg.fd())) {
            assertEquals(new String(link.readIterator(1 << 16)), new String(link.readIterator(1)));
        }
    }

    @Test
    void seqWriteCopiesRawBytes() {
        sockets(3, stg.fd(), 0x01020304);
        try (Link link = attach("write_sk_storage", stg.fd())) {
            byte[] out = link.readIterator(4096);
            assertEquals(12, out.length);
            List<Integer> v = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                v.add(le32(out, 4 * i));
            }
            v.sort(null);
            assertEquals(List.of(0x01020304, 0x01020305, 0x01020306), v);
        }
    }

    @Test
    void firstObjectOverflowingTheBufferIsE2big() {
        sockets(1, stg.fd(), 1);
        try (Link link = attach("too_big", stg.fd())) {
            int it = link.iterCreate();
            assertErrno(Errno.E2BIG, () -> bpf.iterRead(task, it, 1 << 16));
            task.fds().close(it);
        }
    }

    @Test
    void programReturningOneIsEagain() {
        sockets(1, stg.fd(), 1);
        try (Link link = attach("retry_all", stg.fd())) {
            int it = link.iterCreate();
            assertErrno(Errno.EAGAIN, () -> bpf.iterRead(task, it, 4096));
            task.fds().close(it);
        }
    }

    @Test
    void eachIteratorFdIsItsOwnSession() {
        sockets(1, stg.fd(), 1);
        try (Link link = attach("rw_bpf_sk_storage_map", stg.fd())) {
            link.readIterator(64);
            long first = le64(bss().lookup(le32(0)), LAST_SESSION);
            link.readIterator(64);
            long second = le64(bss().lookup(le32(0)), LAST_SESSION);
            assertTrue(first > 0 && second > first, first + " then " + second);
            assertEquals(2, bss32(STOP_CALLS), "one stop call per session");
        }
    }

    // ---- link info, fdinfo, ITER_CREATE ----

    @Test
    void linkInfoAndFdinfoNameTargetAndMap() {
        MapInfo mi = (MapInfo) bpf.objGetInfoByFd(task, stg.fd());
        try (Link link = attach("dump_sk_storage", stg.fd())) {
            IterLinkInfo info = (IterLinkInfo) link.objInfo();
            assertEquals(LinkType.ITER.value(), info.type());
            assertEquals("bpf_sk_storage_map", info.targetName());
            assertEquals(mi.id(), info.mapId());
            assertEquals(o.program("dump_sk_storage").info().id(), info.progId());
            String fdinfo = link.fdinfo();   // as /proc/PID/fdinfo of an iter link on Linux 6.18 (after pos/flags/mnt_id/ino)
            assertTrue(fdinfo.startsWith("link_type:\titer\nlink_id:\t" + info.id() + "\n"), fdinfo);
            assertTrue(fdinfo.endsWith("target_name:\tbpf_sk_storage_map\nmap_id:\t" + mi.id() + "\n"), fdinfo);
        }
    }

    @Test
    void iterCreateChecksFlagsAndLinkKind() {
        try (Link link = attach("dump_sk_storage", stg.fd())) {
            assertErrno(Errno.EINVAL, () -> bpf.iterCreate(task, link.fd(), 1));
            assertErrno(Errno.EBADF, () -> bpf.iterCreate(task, 999, 0));
            assertErrno(Errno.EINVAL, () -> bpf.iterCreate(task, stg.fd(), 0));
            assertErrno(Errno.EINVAL, () -> bpf.iterRead(task, link.fd(), 16));
        }
    }

    @Test
    void iteratorFdOutlivesItsLinkAndHoldsTheProgram() {
        sockets(2, stg.fd(), 3);
        Link link = attach("dump_sk_storage", stg.fd());
        int it = link.iterCreate();
        link.close();
        rt.barrier();
        String out = new String(bpf.iterRead(task, it, 4096), StandardCharsets.US_ASCII);
        assertTrue(out.endsWith("stop 1\n"), out);
        task.fds().close(it);
    }

    @Test
    void linkAttachTypeMustMatchAndTakesNoTargetFd() {
        int prog = o.program("dump_sk_storage").fd();
        assertErrno(Errno.EINVAL, () -> bpf.linkCreate(task, new Attrs.LinkCreate(prog, 0, 26, 0, 0, 0,
                Attrs.IterInfo.map(stg.fd()))));   // BPF_TRACE_RAW_TP
        assertErrno(Errno.EINVAL, () -> bpf.linkCreate(task, new Attrs.LinkCreate(prog, 5, 28, 0, 0, 0,
                Attrs.IterInfo.map(stg.fd()))));
    }

    @Test
    void pinnedIterLinkOpensAsAnIteratorLikeCat() {
        sockets(2, stg.fd(), 20);
        String path = "/sys/fs/bpf/dump_sk";
        try (Link link = attach("dump_sk_storage", stg.fd())) {
            link.pin(path);
        }
        rt.barrier();
        BpfIter iters = rt.progs().iters();
        int fd = iters.openPinned(task, path);   // the pin alone keeps the link
        String out = new String(bpf.iterRead(task, fd, 4096), StandardCharsets.US_ASCII);
        assertTrue(out.matches("0 2[01]\n1 2[01]\nstop 1\n"), out);
        assertEquals(0, bpf.iterRead(task, fd, 4096).length);
        task.fds().close(fd);
        bpf.objPin(task, "/sys/fs/bpf/stg", stg.fd());
        assertErrno(Errno.EIO, () -> iters.openPinned(task, "/sys/fs/bpf/stg"));
        assertErrno(Errno.ENOENT, () -> iters.openPinned(task, "/sys/fs/bpf/none"));
        rt.bpffs().unlink(task, path);
        rt.bpffs().unlink(task, "/sys/fs/bpf/stg");
    }

    // ---- the task target ----

    @Test
    void taskIteratorVisitsEveryTaskInPidOrder() {
        Task other = rt.spawn("worker", 0, 0);
        try (Link link = o.program("dump_task").attach()) {
            String out = new String(link.readIterator(5), StandardCharsets.US_ASCII);
            StringBuilder want = new StringBuilder();
            rt.tasks().stream().sorted(java.util.Comparator.comparingInt(Task::pid))
                    .forEach(t -> want.append(t.pid()).append(' ').append(t.comm()).append('\n'));
            want.append("end\n");
            assertEquals(want.toString(), out);
            assertTrue(out.contains(other.pid() + " worker\n"), out);
        }
    }

    // ---- the bpf_map target ----

    @Test
    void bpfMapIteratorVisitsEveryMapInIdOrder() {
        bpf.mapCreate(task, MapCreateAttr.of(MapType.ARRAY, 4, 4, 1, 0));
        int maps = 0;
        for (int id = bpf.mapGetNextId(task, 0); ; ) {
            maps++;
            try {
                id = bpf.mapGetNextId(task, id);
            } catch (BpfException e) {
                break;
            }
        }
        try (Link link = o.program("dump_bpf_map").attach()) {
            String out = new String(link.readIterator(7), StandardCharsets.US_ASCII);
            StringBuilder want = new StringBuilder();
            for (int i = 0; i < maps; i++) {
                want.append("map ").append(i).append('\n');
            }
            want.append("maps ").append(maps - 1).append('\n');   // the stop call: the last seq_num
            assertEquals(want.toString(), out);
            int it = link.iterCreate();
            assertTrue(bpf.iterRead(task, it, 1 << 16).length > 0);
            assertEquals(0, bpf.iterRead(task, it, 1 << 16).length, "past the last map the iterator stays at the end");
            task.fds().close(it);
        }
    }
}
