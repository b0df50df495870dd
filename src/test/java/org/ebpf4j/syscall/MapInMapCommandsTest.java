package org.ebpf4j.syscall;

import static org.ebpf4j.syscall.Bytes.*;
import static org.junit.jupiter.api.Assertions.*;

import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.BatchResult;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Map-in-map through bpf(2) (spec §7.1, §7.4, §7.5, §7.7; kernel-observed-6.18.md (f)): the
 * syscall layer resolves inner_map_fd and value fds, and waits after writes.
 */
class MapInMapCommandsTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("mim");
    }

    private int array() { return bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY, 4, 8, 1, 0)); }

    @Test
    void outerMapWithBtfKeyOrValueTypesIsNotSupported() {   // spec-local-storage §10.3 MM-C5 (map_check_no_btf)
        int b = bpf.btfLoad(t, BtfLoadAttr.of(BtfCommandsTest.btf()));   // type 1: u32
        int template = array();
        for (MapType outerType : new MapType[] {MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS}) {
            assertErrno(Errno.ENOTSUPP, () -> bpf.mapCreate(t, MapCreateAttr.of(outerType, 4, 4, 2, 0)
                    .withInnerMapFd(template).withBtf(b, 1, 1)));
            assertErrno(Errno.ENOTSUPP, () -> bpf.mapCreate(t, MapCreateAttr.of(outerType, 4, 4, 2, 0)
                    .withInnerMapFd(template).withBtf(b, 0, 1)));
            // the BTF fd alone (no type ids) is not checked against the map: creation succeeds
            t.fds().close(bpf.mapCreate(t, MapCreateAttr.of(outerType, 4, 4, 2, 0).withInnerMapFd(template).withBtf(b, 0, 0)));
        }
        t.fds().closeAll();
    }

    @Test
    void createUpdateLookupDeleteThroughFds() {   // §7.1, §7.4, kernel-observed (f), MM-L1, MM-F1
        int template = array();
        assertErrno(Errno.EBADF, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY_OF_MAPS, 4, 4, 2, 0).withInnerMapFd(-1)));
        int outer = bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY_OF_MAPS, 4, 4, 2, 0).withInnerMapFd(template));
        t.fds().close(template);
        int inner = array();
        assertErrno(Errno.EINVAL, () -> bpf.mapUpdateElem(t, new MapElemAttr(outer, u32(0), u32(inner), MapFlags.BPF_NOEXIST)));
        assertErrno(Errno.E2BIG, () -> bpf.mapUpdateElem(t, new MapElemAttr(outer, u32(2), u32(inner), MapFlags.BPF_ANY)));
        assertErrno(Errno.EBADF, () -> bpf.mapUpdateElem(t, new MapElemAttr(outer, u32(0), u32(77), MapFlags.BPF_ANY)));
        bpf.mapUpdateElem(t, new MapElemAttr(outer, u32(0), u32(inner), MapFlags.BPF_ANY));
        int id = le32(bpf.mapLookupElem(t, MapElemAttr.of(outer, u32(0))));
        t.fds().close(inner);   // the outer map keeps it alive
        int again = bpf.mapGetFdById(t, id, 0);
        byte[] keys = new byte[8];
        byte[] values = new byte[8];
        System.arraycopy(u32(1), 0, keys, 4, 4);
        System.arraycopy(u32(again), 0, values, 0, 4);
        System.arraycopy(u32(again), 0, values, 4, 4);
        BatchResult b = bpf.mapUpdateBatch(t, MapBatchAttr.update(outer, keys, values, 2, 0));
        assertEquals(2, b.count());
        assertEquals(id, le32(bpf.mapLookupElem(t, MapElemAttr.of(outer, u32(1)))));
        t.fds().close(again);
        bpf.mapDeleteElem(t, MapElemAttr.of(outer, u32(0)));
        bpf.mapGetFdById(t, id, 0);   // slot 1 still holds it
        t.fds().closeAll();
        assertErrno(Errno.ENOENT, () -> bpf.mapGetFdById(t, id, 0));   // the outer went, and with it the last reference
    }
}
