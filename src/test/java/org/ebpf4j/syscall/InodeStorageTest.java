package org.ebpf4j.syscall;

import static org.ebpf4j.isa.Reg.*;
import static org.ebpf4j.isa.Size.*;
import static org.ebpf4j.syscall.Bytes.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.fs.Fs;
import org.ebpf4j.kernel.fs.Inode;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.map.storage.InodeStorageMap;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * INODE_STORAGE end to end on the filesystem model (spec §5.2, the INODE cases of §10.1):
 * storage on files through fds, through {@code bpf_inode_storage_get/delete} on the
 * {@code struct inode} a program holds, freed by {@code inode_free_security} when the inode dies
 * (unlink and close in either order, rename over it) or with the map, and nothing at all when
 * the BPF LSM is off.
 */
class InodeStorageTest {
    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;
    Fs fs;
    int btfFd;
    int tInt;
    int tVal8;

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("inodetest");
        fs = k.runtime().fs();
        RawBtf b = new RawBtf();
        tInt = b.integer("int", 4);
        tVal8 = b.struct("v8", 8, "a", tInt, 0, "b", tInt, 4);
        btfFd = bpf.btfLoad(t, BtfLoadAttr.of(b.bytes()));
    }

    private int create() {
        return bpf.mapCreate(t, MapCreateAttr.of(MapType.INODE_STORAGE, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, tVal8));
    }

    private InodeStorageMap map(int fd) { return (InodeStorageMap) ((File.MapFile) t.fds().get(fd)).map().map(); }

    /** Two barriers: the map's put, then its map_free and the values' frees. */
    private void settle() {
        k.runtime().barrier();
        k.runtime().barrier();
    }

    private void closeAll(int... fds) {
        for (int fd : fds) {
            t.fds().close(fd);
        }
    }

    @Test
    void unlinkThenCloseFreesTheStorageAtTheClose() {   // LS-O1 for INODE, three maps
        int[] maps = {create(), create(), create()};
        fs.create("/victim");
        int fd = fs.open(t, "/victim", Fs.O_RDONLY);
        Inode ino = fs.lookup("/victim");
        for (int m : maps) {
            bpf.mapUpdateElem(t, m, u32(fd), u64(m), MapFlags.BPF_NOEXIST);
        }
        assertEquals(3, ino.bpfStorage().get().size());
        fs.unlink(t, "/victim");
        assertEquals(maps[1], le64(bpf.mapLookupElem(t, maps[1], u32(fd))), "unlinked but open: storage lives");
        t.fds().close(fd);
        assertTrue(ino.evicted());
        assertNull(ino.bpfStorage().get(), "inode_free_security freed it");
        for (int m : maps) {
            assertEquals(0, map(m).helperGet(ino, 0, 0));
        }
        closeAll(maps);
        closeAll(btfFd);
        settle();
    }

    @Test
    void closeThenUnlinkFreesTheStorageAtTheUnlink() {
        int m = create();
        fs.create("/f");
        int fd = fs.open(t, "/f", Fs.O_PATH);
        bpf.mapUpdateElem(t, m, u32(fd), u64(7), MapFlags.BPF_ANY);
        Inode ino = fs.lookup("/f");
        t.fds().close(fd);
        assertNotNull(ino.bpfStorage().get(), "still linked: the inode (and its storage) stays");
        int again = fs.open(t, "/f", Fs.O_RDONLY);
        assertEquals(7, le64(bpf.mapLookupElem(t, m, u32(again))), "a later open finds it");
        t.fds().close(again);
        fs.unlink(t, "/f");
        assertNull(ino.bpfStorage().get());
        closeAll(m, btfFd);
        settle();
    }

    @Test
    void renameOverAFileFreesTheReplacedInodesStorage() {
        int m = create();
        fs.create("/a");
        fs.create("/b");
        int fa = fs.open(t, "/a", Fs.O_RDONLY);
        int fb = fs.open(t, "/b", Fs.O_RDONLY);
        bpf.mapUpdateElem(t, m, u32(fa), u64(1), MapFlags.BPF_ANY);
        bpf.mapUpdateElem(t, m, u32(fb), u64(2), MapFlags.BPF_ANY);
        Inode b = fs.lookup("/b");
        t.fds().close(fb);
        fs.rename(t, "/a", "/b");
        assertNull(b.bpfStorage().get(), "replaced and unreferenced: evicted");
        int nb = fs.open(t, "/b", Fs.O_RDONLY);
        assertEquals(1, le64(bpf.mapLookupElem(t, m, u32(nb))), "the storage follows the inode, not the name");
        closeAll(fa, nb, m, btfFd);
        settle();
    }

    @Test
    void mapCloseFreesOnlyItsElementsBothOrders() {   // LS-O2 for INODE
        long base = k.runtime().arena().allocatedBytes();
        int a = create();
        int b = create();
        fs.create("/x");
        int fd = fs.open(t, "/x", Fs.O_RDONLY);
        Inode x = fs.lookup("/x");
        bpf.mapUpdateElem(t, a, u32(fd), u64(1), MapFlags.BPF_ANY);
        bpf.mapUpdateElem(t, b, u32(fd), u64(2), MapFlags.BPF_ANY);
        t.fds().close(a);
        settle();
        assertEquals(1, x.bpfStorage().get().size(), "map a's element went with map a");
        assertEquals(2, le64(bpf.mapLookupElem(t, b, u32(fd))), "other maps unaffected");
        // the other order: the owner dies first, then the map
        t.fds().close(fd);
        fs.unlink(t, "/x");
        assertNull(x.bpfStorage().get());
        t.fds().close(b);
        closeAll(btfFd);
        settle();
        assertEquals(base, k.runtime().arena().allocatedBytes(), "maps, elements, storages, inode mirror: all returned");
    }

    /** A program holding the {@code struct inode *}: r1 = inode; v = get(map, inode, NULL, F_CREATE); v->a += 1. */
    private Executable bump(Interpreter vm, InodeStorageMap m) {
        return vm.load(new ProgramImage("bump", Asm.program()
                .mov64(R6, R1)
                .lddw(R1, m.address()).mov64(R2, R6).mov64(R3, 0).mov64(R4, 1)
                .call(145)
                .jne(R0, 0, "hit").mov64(R0, 0).exit()
                .label("hit").mov64(R1, 1).atomicAdd(W, R0, 0, R1)
                .mov64(R0, 1).exit().build()));
    }

    private Executable del(Interpreter vm, InodeStorageMap m) {
        return vm.load(new ProgramImage("del", Asm.program().mov64(R2, R1).lddw(R1, m.address()).call(146).exit().build()));
    }

    @Test
    void helpersOnTheStructInodeAProgramHolds() {   // LS-H2..H7 through the runtime's helper table and mirrors
        Runtime rt = k.runtime();
        Interpreter vm = new Interpreter(rt.arena(), rt.progs().helpers(), Set.of(), rt.cpus());
        int mfd = create();
        InodeStorageMap m = map(mfd);
        fs.create("/bin-rm");
        int fd = fs.open(t, "/bin-rm", Fs.O_RDONLY);
        Inode ino = fs.lookup("/bin-rm");
        Executable p = bump(vm, m);
        for (int i = 0; i < 4; i++) {
            assertEquals(1, p.run(ino.address()));
        }
        assertEquals(4, le32(bpf.mapLookupElem(t, mfd, u32(fd))));
        assertEquals(0, p.run(0), "NULL inode: NULL");
        Executable d = del(vm, m);
        assertEquals(0, d.run(ino.address()));
        assertEquals(-2, d.run(ino.address()), "LS-H6: -ENOENT");
        assertEquals(-22, d.run(0), "LS-H7: NULL inode → -EINVAL");
        assertEquals(1, p.run(ino.address()));
        t.fds().close(fd);
        fs.unlink(t, "/bin-rm");
        assertEquals(0, p.run(ino.address()), "LS-O3: the evicted inode's pointer gets nothing");
        assertEquals(-22, d.run(ino.address()));
        closeAll(mfd, btfFd);
        settle();
    }

    @Test
    void withoutTheBpfLsmInodesHaveNoBlob() {   // §3.1, §5.2: update EBADF, lookup/delete ENOENT, get NULL
        try (Runtime rt = Runtime.builder().arenaSize(64L << 20).cpus(2).bpfLsm(false).build()) {
            Bpf b = new KernelBpf(rt);
            Task u = rt.spawn("nolsm", 0, 0);
            RawBtf raw = new RawBtf();
            int i = raw.integer("int", 4);
            int v = raw.struct("v8", 8, "a", i, 0, "b", i, 4);
            int btf = b.btfLoad(u, BtfLoadAttr.of(raw.bytes()));
            int mfd = b.mapCreate(u, MapCreateAttr.of(MapType.INODE_STORAGE, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btf, i, v));
            rt.fs().create("/f");
            int fd = rt.fs().open(u, "/f", Fs.O_RDONLY);
            assertFalse(rt.fs().lookup("/f").hasBpfBlob());
            assertErrno(Errno.EBADF, () -> b.mapUpdateElem(u, mfd, u32(fd), u64(1), MapFlags.BPF_ANY));
            assertErrno(Errno.ENOENT, () -> b.mapLookupElem(u, mfd, u32(fd)));
            assertErrno(Errno.ENOENT, () -> b.mapDeleteElem(u, mfd, u32(fd)));
            InodeStorageMap m = (InodeStorageMap) ((File.MapFile) u.fds().get(mfd)).map().map();
            Interpreter vm = new Interpreter(rt.arena(), rt.progs().helpers(), Set.of(), rt.cpus());
            long addr = rt.fs().lookup("/f").address();
            assertEquals(0, bump(vm, m).run(addr), "helper get: NULL");
            assertEquals(-2, del(vm, m).run(addr), "helper delete: nothing found");
            u.exit();
        }
        closeAll(btfFd);
    }

    /**
     * Four threads each create, open, store (syscall and helper), unlink and close their own
     * files while a fifth deletes and re-creates elements on the files through O_PATH fds; at the
     * end no inode holds storage and the arena is back to where it was.
     */
    @Test
    void filesComingAndGoingWhileStorageIsCreatedAndDeleted() throws Exception {
        Runtime rt = k.runtime();
        int mfd = create();
        InodeStorageMap m = map(mfd);
        long base = rt.arena().allocatedBytes();
        ExecutorService ex = Executors.newFixedThreadPool(5);
        List<Inode> all = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> fs4 = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                final int id = w;
                fs4.add(ex.submit(() -> {
                    for (int i = 0; i < 300; i++) {
                        String path = "/w" + id + "-" + i;
                        int fd = fs.open(t, path, Fs.O_CREAT | Fs.O_RDWR);
                        Inode ino = fs.lookup(path);
                        all.add(ino);
                        bpf.mapUpdateElem(t, mfd, u32(fd), u64(i), MapFlags.BPF_ANY);
                        assertNotEquals(0, m.helperGet(ino, 0, 0));
                        if (i % 2 == 0) {
                            fs.unlink(t, path);
                            t.fds().close(fd);
                        } else {
                            t.fds().close(fd);
                            fs.unlink(t, path);
                        }
                        assertTrue(ino.evicted());
                        assertNull(ino.bpfStorage().get(), path);
                    }
                    return null;
                }));
            }
            fs.create("/shared");
            int shared = fs.open(t, "/shared", Fs.O_PATH);
            Future<?> churn = ex.submit(() -> {
                for (int i = 0; i < 2000; i++) {
                    try {
                        bpf.mapUpdateElem(t, mfd, u32(shared), u64(i), MapFlags.BPF_NOEXIST);
                    } catch (org.ebpf4j.uapi.BpfException e) {
                        assertTrue(e.errno() == Errno.EEXIST || e.errno() == Errno.EAGAIN, e.getMessage());
                    }
                    try {
                        bpf.mapDeleteElem(t, mfd, u32(shared));
                    } catch (org.ebpf4j.uapi.BpfException e) {
                        assertTrue(e.errno() == Errno.ENOENT || e.errno() == Errno.EAGAIN, e.getMessage());
                    }
                }
                return null;
            });
            for (Future<?> f : fs4) {
                f.get();
            }
            churn.get();
            t.fds().close(shared);
            fs.unlink(t, "/shared");
        } finally {
            ex.shutdown();
        }
        assertEquals(4 * 300 + 0, all.size());
        for (Inode ino : all) {
            assertNull(ino.bpfStorage().get());
        }
        settle();
        assertEquals(base, rt.arena().allocatedBytes(), "every element, storage and struct inode returned");
        closeAll(mfd, btfFd);
        settle();
    }

    @Test
    void infoByFdDescribesTheMap() {   // §1.14, §3.6
        int m = create();
        org.ebpf4j.kernel.MapInfo info = (org.ebpf4j.kernel.MapInfo) bpf.objGetInfoByFd(t, m);
        assertEquals(MapType.INODE_STORAGE, info.type());
        assertEquals(4, info.keySize());
        assertEquals(8, info.valueSize());
        assertEquals(0, info.maxEntries());
        assertEquals(MapFlags.BPF_F_NO_PREALLOC, info.mapFlags());
        assertEquals(tInt, info.btfKeyTypeId());
        assertEquals(tVal8, info.btfValueTypeId());
        assertEquals(128 + 8, map(m).elemSize(), "elem_size = sizeof(bpf_local_storage_elem) + value_size");
        closeAll(m, btfFd);
        settle();
    }

    /**
     * A socket fd names the socket's sockfs inode (Linux 6.18, observed: an update keyed by a
     * UDP socket fd succeeds); its storage goes when the socket is released.
     */
    @Test
    void socketFdNamesItsSockfsInode() {
        int m = create();
        int sock = k.runtime().net().socket(t, 2, 2, 0);   // AF_INET, SOCK_DGRAM
        bpf.mapUpdateElem(t, m, u32(sock), u64(9), MapFlags.BPF_NOEXIST);
        assertEquals(9, le64(bpf.mapLookupElem(t, m, u32(sock))));
        Inode si = fs.inodeOf(((File.SocketFile) t.fds().get(sock)).sock());
        assertEquals(Fs.S_IFSOCK, si.mode() & 0170000);
        assertNotNull(si.bpfStorage().get());
        int other = k.runtime().net().socket(t, 2, 2, 0);
        assertErrno(Errno.ENOENT, () -> bpf.mapLookupElem(t, m, u32(other)));   // each socket its own inode
        k.runtime().net().close(t, sock);
        assertTrue(si.evicted());
        assertNull(si.bpfStorage().get(), "freed with the socket");
        k.runtime().net().close(t, other);
        closeAll(m, btfFd);
        settle();
    }
}
