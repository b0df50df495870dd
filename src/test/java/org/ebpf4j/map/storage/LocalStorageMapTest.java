package org.ebpf4j.map.storage;

import static org.ebpf4j.map.MapFlags.*;
import static org.ebpf4j.map.storage.StorageEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapTypes;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shared local-storage semantics (spec §1, §2, §3), run for SK, TASK, CGRP and INODE storage:
 * the conformance cases of spec §10.1 that do not need the fd layer (those are in the syscall
 * tests). Each test names its case.
 */
class LocalStorageMapTest {
    private final StorageEnv t = new StorageEnv(2);

    @AfterEach
    void close() { t.close(); }

    static Stream<Arguments> kinds() {
        return Stream.of(
                Arguments.of(MapType.SK_STORAGE, (Supplier<StorageOwner>) Owners.Sock::new),
                Arguments.of(MapType.TASK_STORAGE, (Supplier<StorageOwner>) Owners.Task::new),
                Arguments.of(MapType.CGRP_STORAGE, (Supplier<StorageOwner>) Owners.Cgrp::new),
                Arguments.of(MapType.INODE_STORAGE, (Supplier<StorageOwner>) Owners.Inode::new));
    }

    private static void assertErrno(Errno e, org.junit.jupiter.api.function.Executable call) {
        BpfException x = assertThrows(BpfException.class, call);
        assertEquals(e, x.errno(), x.getMessage());
    }

    private static MapAttr attr(MapType type, int key, int value, int max, int flags) {
        return new MapAttr(type, key, value, max, flags, null, 0, "", 0, 1, 2, 0, 0, 0, -1);
    }

    // ---- §1.2 creation: LS-C1 .. LS-C8, LS-C13 ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void creationChecksInKernelOrder(MapType type, Supplier<StorageOwner> ignored) {
        int np = BPF_F_NO_PREALLOC;
        assertEquals(-22, MapTypes.allocCheck(attr(type, 4, 8, 0, 0)), "LS-C1 map_flags 0");
        for (int bad : new int[] {BPF_F_RDONLY, BPF_F_NUMA_NODE, BPF_F_MMAPABLE, BPF_F_INNER_MAP, BPF_F_RDONLY_PROG}) {
            assertEquals(-22, MapTypes.allocCheck(attr(type, 4, 8, 0, np | bad)), "LS-C2 flag 0x" + Integer.toHexString(bad));
        }
        assertEquals(-22, MapTypes.allocCheck(attr(type, 4, 8, 1, np)), "LS-C3 max_entries 1");
        assertEquals(-22, MapTypes.allocCheck(attr(type, 8, 8, 0, np)), "LS-C4 key_size 8");
        assertEquals(-22, MapTypes.allocCheck(attr(type, 4, 0, 0, np)), "LS-C5 value_size 0");
        assertEquals(-22, MapTypes.allocCheck(new MapAttr(type, 4, 8, 0, np, null, 0, "", 0, 0, 0, 0, 0, 0, -1)), "LS-C6 no BTF");
        assertEquals(-7, MapTypes.allocCheck(attr(type, 4, 65408, 0, np)), "LS-C7 65408 → E2BIG");
        assertEquals(0, MapTypes.allocCheck(attr(type, 4, 65407, 0, np)), "LS-C7 65407 OK");
        assertEquals(-22, MapTypes.allocCheck(attr(type, 4, 8, 0, np).withMapExtra(1)), "LS-C8 map_extra");
        assertEquals(0, MapTypes.allocCheck(attr(type, 4, 8, 0, np | BPF_F_CLONE)), "LS-C13 NO_PREALLOC|CLONE");
        // two violations: the first in alloc_check order wins (flags before max_entries before value size)
        assertEquals(-22, MapTypes.allocCheck(attr(type, 4, 65408, 1, np)));
        t.create(type, 65407).free();
    }

    // ---- §1.4 cache index: LS-CA1 ----

    @Test
    void cacheIndexLeastUsedFirstPerType() {
        LocalStorageMap[] m = new LocalStorageMap[17];
        for (int i = 0; i < 17; i++) {
            m[i] = t.create(MapType.SK_STORAGE, 4);
        }
        for (int i = 0; i < 16; i++) {
            assertEquals(i, m[i].cacheIdx(), "map " + i);
        }
        assertEquals(0, m[16].cacheIdx(), "LS-CA1: the 17th shares slot 0 (all counts 1)");
        assertEquals(0, t.create(MapType.TASK_STORAGE, 4).cacheIdx(), "per type: TASK's first map gets 0");
        m[5].free();
        t.quiesce();   // map_free gives the slot back
        assertEquals(5, t.create(MapType.SK_STORAGE, 4).cacheIdx(), "LS-CA1: freeing map 5 makes 5 the next");
        assertEquals(1, t.create(MapType.SK_STORAGE, 4).cacheIdx(), "then the lowest of the count-1 slots after 0");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void seventeenPlusMapsSharingCacheSlotsStayExact(MapType type, Supplier<StorageOwner> owners) {
        final int maps = 40;
        final int nOwners = 25;
        LocalStorageMap[] m = new LocalStorageMap[maps];
        for (int i = 0; i < maps; i++) {
            m[i] = t.create(type, 8);
        }
        StorageOwner[] o = new StorageOwner[nOwners];
        for (int j = 0; j < nOwners; j++) {
            o[j] = owners.get();
        }
        long[][] expect = new long[nOwners][maps];
        java.util.Random rnd = new java.util.Random(42);
        for (int round = 0; round < 20_000; round++) {
            int j = rnd.nextInt(nOwners);
            int i = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(maps);   // map 0 is "important", as §8.2 interleaved
            long d = m[i].helperGet(o[j], 0, LocalStorageMap.GET_F_CREATE);
            assertNotEquals(0, d);
            t.arena.store64(d, t.arena.load64(d) + i + 1);
            expect[j][i] += i + 1;
        }
        for (int j = 0; j < nOwners; j++) {
            for (int i = 0; i < maps; i++) {
                long d = m[i].helperGet(o[j], 0, 0);
                assertEquals(expect[j][i], d == 0 ? 0 : t.arena.load64(d), "owner " + j + " map " + i);
            }
        }
    }

    // ---- §1.6/§1.7/§3: LS-U1 .. LS-U9, LS-D1, LS-D2, LS-K1, LS-K2 ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void updateLookupDeleteErrnos(MapType type, Supplier<StorageOwner> owners) {
        LocalStorageMap m = t.create(type, 8);
        StorageOwner o = owners.get();
        assertErrno(Errno.ENOENT, () -> m.lookupOwner(o, 0));                                  // LS-U1
        assertErrno(Errno.ENOENT, () -> m.updateOwner(o, u64(1, 2), BPF_EXIST));              // LS-U2
        m.updateOwner(o, u64(1, 2), BPF_NOEXIST);                                                // LS-U3
        assertErrno(Errno.EEXIST, () -> m.updateOwner(o, u64(3, 4), BPF_NOEXIST));
        m.updateOwner(o, u64(5, 6), BPF_ANY);                                                    // LS-U4
        m.updateOwner(o, u64(7, 8), BPF_ANY);
        assertArrayEquals(u64(7, 8), m.lookupOwner(o, 0));
        assertErrno(Errno.EINVAL, () -> m.updateOwner(o, u64(0, 0), 3));                          // LS-U5
        assertErrno(Errno.EINVAL, () -> m.updateOwner(o, u64(0, 0), 8));
        assertErrno(Errno.EINVAL, () -> m.updateOwner(o, u64(0, 0), BPF_F_LOCK | BPF_EXIST));    // LS-U6
        assertErrno(Errno.EINVAL, () -> m.lookupOwner(o, BPF_F_LOCK));
        m.deleteOwner(o);                                                                        // LS-D1
        assertErrno(Errno.ENOENT, () -> m.lookupOwner(o, 0));
        assertErrno(Errno.ENOENT, () -> m.deleteOwner(o));                                       // LS-D2
        assertNull(o.bpfStorage().get(), "I2: the storage goes with its last element");
        assertErrno(Errno.ENOTSUPP, () -> m.getNextKey(null));                                   // LS-K1 (observed 524)
        assertErrno(Errno.ENOTSUPP, () -> m.lookupBatch(null, 1, 0, 0));                         // LS-K2
        assertErrno(Errno.ENOTSUPP, () -> m.updateBatch(u32(0), u64(0, 0), 1, 0, 0));
        assertErrno(Errno.ENOTSUPP, () -> m.deleteBatch(u32(0), 1, 0, 0));
        assertErrno(Errno.ENOTSUPP, () -> m.lookupAndDelete(u32(0), 0));
        assertErrno(Errno.EINVAL, () -> m.updateOwner(o, new byte[4], BPF_ANY));   // wrong value size
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void fLockUpdatesInPlaceAndPlainUpdateReplaces(MapType type, Supplier<StorageOwner> owners) {
        LocalStorageMap m = t.create(type, 8, BPF_F_NO_PREALLOC, 0);   // struct { bpf_spin_lock l; u32 cnt; }
        StorageOwner o = owners.get();
        long p = m.helperGet(o, 0, LocalStorageMap.GET_F_CREATE);
        assertNotEquals(0, p);
        // LS-U7: F_LOCK|EXIST writes into the same element: the program's pointer sees it
        m.updateOwner(o, u64(0, 41), BPF_F_LOCK | BPF_EXIST);
        assertEquals(41, t.arena.load32(p + 4));
        assertErrno(Errno.EEXIST, () -> m.updateOwner(o, u64(0, 1), BPF_F_LOCK | BPF_NOEXIST));
        assertEquals(p, m.helperGet(o, 0, 0), "same element");
        assertEquals(41, le32(m.lookupOwner(o, BPF_F_LOCK), 4));
        // LS-U9: the lock word reads as zero even while set in the element
        t.arena.store32(p, 1);
        assertEquals(0, le32(m.lookupOwner(o, 0), 0));
        t.arena.store32(p, 0);
        // LS-U8: without F_LOCK the element is replaced; writes through the old pointer are lost
        m.updateOwner(o, u64(0, 7), BPF_ANY);
        long p2 = m.helperGet(o, 0, 0);
        assertNotEquals(p, p2, "a new element");
        t.arena.store32(p + 4, 999);   // still mapped until the grace period ends
        assertEquals(7, le32(m.lookupOwner(o, 0), 4));
    }

    // ---- §2 helpers: LS-H1 .. LS-H8 ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void helperGetAndDelete(MapType type, Supplier<StorageOwner> owners) {
        LocalStorageMap m = t.create(type, 8);
        StorageOwner o = owners.get();
        assertEquals(0, m.helperGet(o, 0, 0), "LS-H2: absent without F_CREATE");
        assertNull(o.bpfStorage().get(), "LS-H2: nothing created");
        long init = t.put(u64(0x11, 0x22));
        long p = m.helperGet(o, init, LocalStorageMap.GET_F_CREATE);               // LS-H3
        assertNotEquals(0, p);
        assertArrayEquals(u64(0x11, 0x22), m.lookupOwner(o, 0));
        assertEquals(0, m.helperGet(o, 0, 2), "LS-H1: flags 2 → NULL though it exists");
        assertEquals(0, m.helperGet(o, 0, 3));
        long other = t.put(u64(0x33, 0x44));
        assertEquals(p, m.helperGet(o, other, LocalStorageMap.GET_F_CREATE), "LS-H5: existing returned");
        assertArrayEquals(u64(0x11, 0x22), m.lookupOwner(o, 0), "LS-H5: data unchanged");
        StorageOwner o2 = owners.get();
        long z = m.helperGet(o2, 0, LocalStorageMap.GET_F_CREATE);                  // LS-H4
        assertEquals(0, t.arena.load64(z));
        assertEquals(0, m.helperDelete(o));
        assertEquals(-2, m.helperDelete(o), "LS-H6: absent → -ENOENT");
        assertEquals(-22, m.helperDelete(null), "LS-H7: NULL owner → -EINVAL");
        assertEquals(0, m.helperGet(null, 0, LocalStorageMap.GET_F_CREATE));
    }

    @Test
    void skHelpersRefuseRequestAndTimewaitSockets() {   // LS-H8
        LocalStorageMap m = t.create(MapType.SK_STORAGE, 8);
        Owners.Sock sk = new Owners.Sock();
        sk.fullsock = false;
        assertEquals(0, m.helperGet(sk, 0, LocalStorageMap.GET_F_CREATE));
        assertEquals(-22, m.helperDelete(sk));
        assertNull(sk.bpfStorage().get());
    }

    @Test
    void helperOfOneTypeRefusesAnotherTypesOwner() {
        LocalStorageMap sk = t.create(MapType.SK_STORAGE, 8);
        assertEquals(0, sk.helperGet(new Owners.Task(), 0, LocalStorageMap.GET_F_CREATE));
        assertEquals(-22, sk.helperDelete(new Owners.Cgrp()));
    }

    // ---- §1.10/§1.11 lifetimes: LS-O1 .. LS-O3 ----

    @Test
    void ownerDestructionFreesEveryMapsElementAndOmem() {   // LS-O1
        long base = t.arena.allocatedBytes();
        LocalStorageMap[] m = {t.create(MapType.SK_STORAGE, 8), t.create(MapType.SK_STORAGE, 16), t.create(MapType.SK_STORAGE, 4)};
        long afterMaps = t.arena.allocatedBytes();
        Owners.Sock sk = new Owners.Sock();
        int charged = LocalStorage.KERNEL_SIZE;
        for (LocalStorageMap x : m) {
            assertNotEquals(0, x.helperGet(sk, 0, LocalStorageMap.GET_F_CREATE));
            charged += x.elemSize();
        }
        assertEquals(charged, sk.omemAlloc(), "elem_size per element + sizeof(bpf_local_storage)");
        assertEquals(128 + 8, m[0].elemSize());
        sk.destruct();
        for (LocalStorageMap x : m) {
            assertEquals(0, x.helperGet(sk, 0, 0));
            assertErrno(Errno.ENOENT, () -> x.lookupOwner(sk, 0));
        }
        assertEquals(0, sk.omemAlloc(), "omem back to baseline");
        assertEquals(0, m[0].helperGet(sk, 0, LocalStorageMap.GET_F_CREATE), "no create on a dead socket (LS-O3)");
        t.quiesce();
        assertEquals(afterMaps, t.arena.allocatedBytes(), "values freed after the grace period");
        for (LocalStorageMap x : m) {
            x.free();
        }
        t.quiesce();
        assertEquals(base, t.arena.allocatedBytes());
    }

    @Test
    void mapCloseFreesItsElementsOnlyThenOwnerStillWorks() {   // LS-O2
        LocalStorageMap a = t.create(MapType.SK_STORAGE, 8);
        LocalStorageMap b = t.create(MapType.SK_STORAGE, 8);
        Owners.Sock sk = new Owners.Sock();
        Owners.Sock sk2 = new Owners.Sock();
        a.updateOwner(sk, u64(1, 1), BPF_ANY);
        b.updateOwner(sk, u64(2, 2), BPF_ANY);
        a.updateOwner(sk2, u64(3, 3), BPF_ANY);
        int before = sk.omemAlloc();
        a.free();
        assertArrayEquals(u64(1, 1), a.lookupOwner(sk, 0), "until the grace period the map still works");
        t.quiesce();
        assertEquals(before - a.elemSize(), sk.omemAlloc(), "one element uncharged");
        assertEquals(0, sk2.omemAlloc(), "last element: the storage is uncharged too");
        assertNull(sk2.bpfStorage().get());
        assertEquals(1, sk.bpfStorage().get().size());
        assertArrayEquals(u64(2, 2), b.lookupOwner(sk, 0), "other maps unaffected");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void dyingOwnerGetsNoNewStorage(MapType type, Supplier<StorageOwner> owners) {   // LS-O3
        LocalStorageMap m = t.create(type, 8);
        StorageOwner o = owners.get();
        switch (o) {
            case Owners.Sock s -> s.alive = false;
            case Owners.Task k -> k.alive = false;
            case Owners.Cgrp c -> c.online = false;
            case Owners.Inode i -> i.referenced = false;   // i_count 0: bpf_inode_storage_get creates nothing
            default -> fail();
        }
        assertEquals(0, m.helperGet(o, 0, LocalStorageMap.GET_F_CREATE));
        assertNull(o.bpfStorage().get());
    }

    // ---- sk specifics: LS-SK1, LS-SK2 ----

    @Test
    void optmemLimitRefusesCreation() {   // LS-SK1
        LocalStorageMap m = t.create(MapType.SK_STORAGE, 8);
        Owners.Sock sk = new Owners.Sock();
        sk.optmemMax = m.elemSize() - 1;
        assertErrno(Errno.ENOMEM, () -> m.updateOwner(sk, u64(1, 1), BPF_ANY));
        assertEquals(0, m.helperGet(sk, 0, LocalStorageMap.GET_F_CREATE));
        assertEquals(0, sk.omemAlloc());
        // room for the element but not for the storage: still ENOMEM, nothing left charged
        sk.optmemMax = m.elemSize() + LocalStorage.KERNEL_SIZE;   // sum must stay strictly below
        assertErrno(Errno.ENOMEM, () -> m.updateOwner(sk, u64(1, 1), BPF_ANY));
        assertEquals(0, sk.omemAlloc());
        sk.optmemMax = m.elemSize() + LocalStorage.KERNEL_SIZE + 1;
        m.updateOwner(sk, u64(1, 1), BPF_ANY);
        assertEquals(m.elemSize() + LocalStorage.KERNEL_SIZE, sk.omemAlloc());
    }

    @Test
    void cloneCopiesOnlyCloneMaps() {   // LS-SK2 (sockopt_inherit: 1, 1, 0)
        LocalStorageMap c1 = t.create(MapType.SK_STORAGE, 8, BPF_F_NO_PREALLOC | BPF_F_CLONE, -1);
        LocalStorageMap c2 = t.create(MapType.SK_STORAGE, 8, BPF_F_NO_PREALLOC | BPF_F_CLONE, 0);
        LocalStorageMap plain = t.create(MapType.SK_STORAGE, 8);
        Owners.Sock listener = new Owners.Sock();
        c1.updateOwner(listener, u64(1, 0), BPF_ANY);
        c2.updateOwner(listener, u64(0, 1), BPF_ANY);
        plain.updateOwner(listener, u64(1, 1), BPF_ANY);
        t.arena.store32(c2.helperGet(listener, 0, 0), 1);   // its lock word is held... by nobody: must not be copied
        t.arena.store32(c2.helperGet(listener, 0, 0), 0);
        Owners.Sock child = new Owners.Sock();
        assertEquals(0, SkStorageMap.clone(listener, child));
        assertArrayEquals(u64(1, 0), c1.lookupOwner(child, 0));
        assertArrayEquals(u64(0, 1), c2.lookupOwner(child, 0));
        assertErrno(Errno.ENOENT, () -> plain.lookupOwner(child, 0));
        assertEquals(c1.elemSize() + c2.elemSize() + LocalStorage.KERNEL_SIZE, child.omemAlloc(), "charged to the child");
        Owners.Sock poor = new Owners.Sock();
        poor.optmemMax = 10;
        assertEquals(-12, SkStorageMap.clone(listener, poor));
    }

    // ---- §1.12 races and re-entry ----

    @Test
    void creationRacingAStorageBeingFreedIsEagain() {
        LocalStorageMap m = t.create(MapType.TASK_STORAGE, 8);
        Owners.Task task = new Owners.Task();
        task.bpfStorage().set(new LocalStorage(task, t.arena.alloc(LocalStorage.BLOCK_SIZE)));   // published but already emptied by a racing delete
        assertErrno(Errno.EAGAIN, () -> m.updateOwner(task, u64(1, 1), BPF_NOEXIST));
        assertEquals(0, m.helperGet(task, 0, LocalStorageMap.GET_F_CREATE), "helper: NULL");
    }

    @Test
    void reentryWhileHoldingTheStorageLockIsEdeadlk() {
        LocalStorageMap a = t.create(MapType.CGRP_STORAGE, 8);
        LocalStorageMap b = t.create(MapType.CGRP_STORAGE, 8);
        Owners.Cgrp cg = new Owners.Cgrp();
        a.updateOwner(cg, u64(1, 1), BPF_ANY);
        LocalStorage ls = cg.bpfStorage().get();
        ls.lock.lock();
        try {
            assertEquals(-35, b.update(cg, MemorySegment.ofArray(u64(2, 2)), 0, BPF_ANY));
            assertEquals(0, b.helperGet(cg, 0, LocalStorageMap.GET_F_CREATE), "get → NULL, never -EBUSY");
            assertEquals(-35, a.delete(cg));
            assertNotEquals(0, a.helperGet(cg, 0, 0), "lookup still works, only caching is skipped");
        } finally {
            ls.lock.unlock();
        }
    }
}
