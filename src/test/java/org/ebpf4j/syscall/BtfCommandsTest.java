package org.ebpf4j.syscall;

import static org.ebpf4j.syscall.Bytes.assertErrno;
import static org.ebpf4j.syscall.Bytes.le32;
import static org.ebpf4j.syscall.Bytes.u32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.ebpf4j.kernel.BtfInfo;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.MapInfo;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** BPF_BTF_LOAD, maps created with BTF ({@code map_check_btf}), BPF_F_LOCK, freeze of a locked map. */
class BtfCommandsTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("btftest");
    }

    /**
     * [1] int u32 (4), [2] struct bpf_spin_lock { u32 val; } (4),
     * [3] struct val { struct bpf_spin_lock lock; u32 cnt; } (8), [4] struct big { u32 a, b, c; } (12).
     */
    static byte[] btf() {
        String strings = "\0u32\0bpf_spin_lock\0val\0lock\0cnt\0big\0a\0b\0c\0";
        ByteBuffer ty = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        ty.putInt(str(strings, "u32")).putInt(1 << 24).putInt(4).putInt(32);                          // INT
        ty.putInt(str(strings, "bpf_spin_lock")).putInt(4 << 24 | 1).putInt(4);                       // STRUCT, 1 member
        ty.putInt(str(strings, "val")).putInt(1).putInt(0);
        ty.putInt(str(strings, "val")).putInt(4 << 24 | 2).putInt(8);
        ty.putInt(str(strings, "lock")).putInt(2).putInt(0);
        ty.putInt(str(strings, "cnt")).putInt(1).putInt(32);
        ty.putInt(str(strings, "big")).putInt(4 << 24 | 3).putInt(12);
        ty.putInt(str(strings, "a")).putInt(1).putInt(0);
        ty.putInt(str(strings, "b")).putInt(1).putInt(32);
        ty.putInt(str(strings, "c")).putInt(1).putInt(64);
        int typeLen = ty.position();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(typeLen).putInt(typeLen).putInt(strings.length());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.array());
        out.write(ty.array(), 0, typeLen);
        out.writeBytes(strings.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static int str(String table, String s) { return table.indexOf("\0" + s + "\0") + 1; }

    @Test
    void loadGivesAnFdWhoseInfoReturnsTheBytes() {
        byte[] raw = btf();
        int fd = bpf.btfLoad(t, BtfLoadAttr.of(raw));
        BtfInfo info = (BtfInfo) bpf.objGetInfoByFd(t, fd);
        assertArrayEquals(raw, info.btf());
        assertEquals(info.id(), bpf.btfGetNextId(t, 0));
        int again = bpf.btfGetFdById(t, info.id());
        t.fds().close(again);
        t.fds().close(fd);
        assertErrno(Errno.ENOENT, () -> bpf.btfGetNextId(t, 0));
    }

    @Test
    void loadErrnos() {
        byte[] bad = btf();
        bad[0] = 0;   // magic
        BtfLoadAttr withLog = new BtfLoadAttr(bad, 1, 4096, 0);
        var e = assertErrno(Errno.EINVAL, () -> bpf.btfLoad(t, withLog));
        assertTrue(e.getMessage().contains("log"), e.getMessage());
        assertErrno(Errno.EINVAL, () -> bpf.btfLoad(t, new BtfLoadAttr(btf(), 0, 4096, 0)));   // log buffer without level
        assertErrno(Errno.EINVAL, () -> bpf.btfLoad(t, new BtfLoadAttr(btf(), 0x10, 4096, 0)));
        assertErrno(Errno.EINVAL, () -> bpf.btfLoad(t, new BtfLoadAttr(btf(), 0, 0, 1)));
        assertErrno(Errno.EINVAL, () -> bpf.btfLoad(t, BtfLoadAttr.of(new byte[0])));
        Task user = k.runtime().spawn("user", 1000, 1000);
        assertErrno(Errno.EPERM, () -> bpf.btfLoad(user, BtfLoadAttr.of(btf())));
        user.exit();
    }

    @Test
    void mapWithSpinLockValue() {
        int b = bpf.btfLoad(t, BtfLoadAttr.of(btf()));
        // value size must match the BTF type; a HASH needs a key type
        assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 12, 4, 0).withBtf(b, 1, 3)));
        assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0).withBtf(b, 0, 3)));
        assertErrno(Errno.EINVAL, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0).withBtf(b, 1, 99)));
        // a spin lock in a map type that cannot hold one, or in an RDONLY_PROG map
        assertErrno(Errno.EOPNOTSUPP, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.PERCPU_HASH, 4, 8, 4, 0).withBtf(b, 1, 3)));
        assertErrno(Errno.EACCES, () -> bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, MapFlags.BPF_F_RDONLY_PROG).withBtf(b, 1, 3)));
        int m = bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 4, 0).withBtf(b, 1, 3));
        t.fds().close(b);   // the map keeps the BTF alive
        MapInfo info = (MapInfo) bpf.objGetInfoByFd(t, m);
        assertTrue(info.btfId() > 0);
        assertEquals(3, info.btfValueTypeId());
        byte[] v = new byte[8];
        System.arraycopy(u32(5), 0, v, 4, 4);
        bpf.mapUpdateElem(t, m, u32(1), v, MapFlags.BPF_F_LOCK);
        byte[] got = bpf.mapLookupElem(t, new MapElemAttr(m, u32(1), null, MapFlags.BPF_F_LOCK));
        assertEquals(5, le32(java.util.Arrays.copyOfRange(got, 4, 8)));
        // map_freeze: a value with a spin lock → ENOTSUPP
        assertErrno(Errno.ENOTSUPP, () -> bpf.mapFreeze(t, m));
        t.fds().close(m);
        assertEquals(0, k.runtime().btfIds().size(), "the BTF died with the map");
        // ARRAY may leave the key type out
        int b2 = bpf.btfLoad(t, BtfLoadAttr.of(btf()));
        int arr = bpf.mapCreate(t, MapCreateAttr.of(MapType.ARRAY, 4, 12, 2, 0).withBtf(b2, 0, 4));
        t.fds().close(arr);
        t.fds().close(b2);
    }
}
