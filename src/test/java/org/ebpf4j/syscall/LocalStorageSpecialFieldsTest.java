package org.ebpf4j.syscall;

import static org.ebpf4j.syscall.Bytes.*;
import static org.junit.jupiter.api.Assertions.*;

import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * spec-local-storage-map-in-map.md §1.2 step E, cases LS-C11 and LS-C12: the special fields of a
 * local storage value ({@code map_check_btf}, kernel/bpf/syscall.c). {@code bpf_timer} and
 * {@code bpf_list_head} belong only in hash/array values, {@code __uptr} only in TASK_STORAGE.
 */
class LocalStorageSpecialFieldsTest {
    static final MapType[] LOCAL_STORAGE = {MapType.SK_STORAGE, MapType.TASK_STORAGE, MapType.CGRP_STORAGE, MapType.INODE_STORAGE};

    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;
    int btfFd;
    int tInt;
    int tTimerVal;     // struct { struct bpf_timer t; }            16 bytes
    int tListVal;      // struct { bpf_spin_lock l; bpf_list_head h __contains(node_data, node); }  24 bytes
    int tUptrVal;      // struct { struct user_data __uptr *p; }   8 bytes
    int tPlainVal;     // struct { int a; int b; }                 8 bytes

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("lsfields");
        RawBtf b = new RawBtf();
        tInt = b.integer("int", 4);
        int timer = b.struct("bpf_timer", 16);
        tTimerVal = b.struct("timer_val", 16, "t", timer, 0);
        int lock = b.struct("bpf_spin_lock", 4, "val", tInt, 0);
        int head = b.struct("bpf_list_head", 16);
        int node = b.struct("bpf_list_node", 24);
        b.struct("node_data", 32, "key", tInt, 0, "node", node, 8);
        tListVal = b.struct("list_val", 24, "l", lock, 0, "h", head, 8);
        b.declTag("contains:node_data:node", tListVal, 1);
        int userData = b.struct("user_data", 8, "a", tInt, 0, "b", tInt, 4);
        int uptr = b.ptr(b.typeTag("uptr", userData));
        tUptrVal = b.struct("uptr_val", 8, "p", uptr, 0);
        tPlainVal = b.struct("plain_val", 8, "a", tInt, 0, "b", tInt, 4);
        btfFd = bpf.btfLoad(t, BtfLoadAttr.of(b.bytes()));
    }

    @AfterEach
    void closeBtf() { t.fds().close(btfFd); }

    private MapCreateAttr ls(MapType type, int valueSize, int valueType) {
        return MapCreateAttr.of(type, 4, valueSize, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, valueType);
    }

    @Test
    void timerInLocalStorageValueIsEopnotsupp() {   // LS-C11
        for (MapType type : LOCAL_STORAGE) {
            BpfException e = assertErrno(Errno.EOPNOTSUPP, () -> bpf.mapCreate(t, ls(type, 16, tTimerVal)));
            assertTrue(e.getMessage().contains("bpf_timer"), e.getMessage());
        }
        // the same value is fine where timers belong
        int fd = bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY, 4, 16, 1, 0).withBtf(btfFd, tInt, tTimerVal));
        t.fds().close(fd);
    }

    @Test
    void listHeadInLocalStorageValueIsEopnotsupp() {   // LS-C11
        for (MapType type : LOCAL_STORAGE) {
            BpfException e = assertErrno(Errno.EOPNOTSUPP, () -> bpf.mapCreate(t, ls(type, 24, tListVal)));
            assertTrue(e.getMessage().contains("bpf_list_head"), e.getMessage());
        }
        int fd = bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 24, 1, 0).withBtf(btfFd, tInt, tListVal));
        t.fds().close(fd);
    }

    @Test
    void uptrOnlyInTaskStorage() {   // LS-C12
        for (MapType type : new MapType[] {MapType.SK_STORAGE, MapType.CGRP_STORAGE, MapType.INODE_STORAGE}) {
            BpfException e = assertErrno(Errno.EOPNOTSUPP, () -> bpf.mapCreate(t, ls(type, 8, tUptrVal)));
            assertTrue(e.getMessage().contains("__uptr"), e.getMessage());
        }
        assertErrno(Errno.EOPNOTSUPP, () -> bpf.mapCreate(t,
                MapCreateAttr.of(MapType.HASH, 4, 8, 1, 0).withBtf(btfFd, tInt, tUptrVal)));
        int fd = bpf.mapCreate(t, ls(MapType.TASK_STORAGE, 8, tUptrVal));
        t.fds().close(fd);
    }

    @Test
    void anySpecialFieldForbidsProgAccessFlags() {   // §1.2 step E: EACCES comes before the map-type check
        for (int flag : new int[] {MapFlags.BPF_F_RDONLY_PROG, MapFlags.BPF_F_WRONLY_PROG}) {
            assertErrno(Errno.EACCES, () -> bpf.mapCreate(t,
                    MapCreateAttr.of(MapType.ARRAY, 4, 16, 1, flag).withBtf(btfFd, tInt, tTimerVal)));
        }
    }

    @Test
    void valuesWithoutSpecialFieldsStillLoad() {
        for (MapType type : LOCAL_STORAGE) {
            int fd = bpf.mapCreate(t, ls(type, 8, tPlainVal));
            t.fds().close(fd);
        }
    }
}
