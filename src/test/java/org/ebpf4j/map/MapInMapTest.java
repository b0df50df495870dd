package org.ebpf4j.map;

import static org.ebpf4j.map.MapFlags.*;
import static org.ebpf4j.map.TestEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.Test;

/**
 * ARRAY_OF_MAPS and HASH_OF_MAPS: spec-local-storage-map-in-map.md §7 and the cases of §10.3
 * (ids MM-*), plus kernel-observed-6.18.md (f). Grace periods end when the test says so
 * ({@link TestEnv#quiesce()}).
 */
class MapInMapTest {
    private static final MapAttr INNER = MapAttr.of(MapType.ARRAY, 4, 8, 1, 0);

    private static BpfMap outer(TestEnv t, MapType type, int max, BpfMap template) {
        return t.create(MapAttr.of(type, 4, 4, max, 0).withInnerMap(template));
    }

    @SuppressWarnings("unchecked")
    private static FdValueMap<InnerMapRef> fdMap(BpfMap m) { return (FdValueMap<InnerMapRef>) m; }

    @Test
    void creationChecksInKernelOrder() {   // §7.1, MM-C1..C4, MM-C6
        try (TestEnv t = new TestEnv(1)) {
            BpfMap tmpl = t.create(INNER);
            assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY_OF_MAPS, 4, 8, 4, 0)), "MM-C1 value_size 8");
            assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.HASH_OF_MAPS, 4, 8, 4, 0)), "MM-C1 hash value_size 8");
            assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY_OF_MAPS, 4, 4, 4, BPF_F_INNER_MAP)), "MM-C6");
            assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY_OF_MAPS, 4, 4, 4, BPF_F_RDONLY_PROG)));
            assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.ARRAY_OF_MAPS, 8, 4, 4, 0)), "array key_size 8");
            assertErrno(Errno.EBADF, () -> outer(t, MapType.ARRAY_OF_MAPS, 4, null));   // MM-C2 (fd -1)
            // alloc_check runs before the meta: a bad value size wins over a missing template
            assertErrno(Errno.EINVAL, () -> t.create(MapAttr.of(MapType.ARRAY_OF_MAPS, 4, 8, 4, 0)));
            BpfMap progArray = t.create(MapAttr.of(MapType.PROG_ARRAY, 4, 4, 4, 0));
            assertErrno(Errno.ENOTSUPP, () -> outer(t, MapType.ARRAY_OF_MAPS, 4, progArray));   // MM-C3
            assertErrno(Errno.ENOTSUPP, () -> outer(t, MapType.HASH_OF_MAPS, 4, progArray));
            // spec-local-storage §10.2 CS-C5 / §7.2: a legacy cgroup storage map cannot be an inner map
            BpfMap cgStorage = t.create(MapAttr.of(MapType.CGROUP_STORAGE, 8, 8, 0, 0));
            BpfMap percpuCgStorage = t.create(MapAttr.of(MapType.PERCPU_CGROUP_STORAGE, 16, 8, 0, 0));
            assertErrno(Errno.ENOTSUPP, () -> outer(t, MapType.ARRAY_OF_MAPS, 4, cgStorage));   // CS-C5
            assertErrno(Errno.ENOTSUPP, () -> outer(t, MapType.HASH_OF_MAPS, 4, percpuCgStorage));
            BpfMap aom = outer(t, MapType.ARRAY_OF_MAPS, 4, tmpl);
            assertErrno(Errno.EINVAL, () -> outer(t, MapType.ARRAY_OF_MAPS, 4, aom));   // MM-C4
            assertErrno(Errno.EINVAL, () -> outer(t, MapType.HASH_OF_MAPS, 4, aom));
            assertEquals(INNER.maxEntries(), aom.innerMapMeta().maxEntries(), "the meta is a copy of the template");
            tmpl.free();   // the template may go: the outer keeps only the meta
            assertNotNull(aom.innerMapMeta());
            assertTrue(aom.waitsForProgramsOnWrite());
            assertFalse(tmpl.waitsForProgramsOnWrite(), "maybe_wait_bpf_programs: only map-in-map");
        }
    }

    @Test
    void arrayUpdateErrnosAsObservedOnLinux618() {   // §7.3, §7.4, MM-U1, MM-U2, MM-U3, MM-U4, kernel-observed (f)
        try (TestEnv t = new TestEnv(1)) {
            InnerRefs fds = new InnerRefs();
            BpfMap tmpl = t.create(INNER);
            FdValueMap<InnerMapRef> o = fdMap(outer(t, MapType.ARRAY_OF_MAPS, 2, tmpl));
            int ok = fds.open(t.create(INNER));
            int otherMax = fds.open(t.create(MapAttr.of(MapType.ARRAY, 4, 8, 2, 0)));
            int otherValue = fds.open(t.create(MapAttr.of(MapType.ARRAY, 4, 16, 1, 0)));
            int otherType = fds.open(t.create(MapAttr.of(MapType.HASH, 4, 8, 1, 0)));
            int otherKey = fds.open(t.create(MapAttr.of(MapType.PERCPU_ARRAY, 4, 8, 1, 0)));
            int innerFlag = fds.open(t.create(MapAttr.of(MapType.ARRAY, 4, 8, 1, BPF_F_INNER_MAP)));
            int locked = fds.open(t.create(INNER.withSpinLockOff(0)));
            var r = fds.resolver();
            assertErrno(Errno.EINVAL, () -> o.updateFd(u32(0), u32(otherMax), BPF_ANY, r));       // observed
            assertErrno(Errno.EINVAL, () -> o.updateFd(u32(0), u32(otherValue), BPF_ANY, r));     // observed
            assertErrno(Errno.EINVAL, () -> o.updateFd(u32(0), u32(otherType), BPF_ANY, r));      // observed
            assertErrno(Errno.EINVAL, () -> o.updateFd(u32(0), u32(otherKey), BPF_ANY, r));
            assertErrno(Errno.EINVAL, () -> o.updateFd(u32(0), u32(innerFlag), BPF_ANY, r));      // observed
            assertErrnoWhy(Errno.EINVAL, () -> o.updateFd(u32(0), u32(locked), BPF_ANY, r), "btf_record differs");
            assertErrno(Errno.EINVAL, () -> o.updateFd(u32(0), u32(ok), BPF_NOEXIST, r));         // observed, MM-U1
            assertErrno(Errno.E2BIG, () -> o.updateFd(u32(2), u32(ok), BPF_ANY, r));              // observed, MM-U2
            // flags and index come before the fd on arrays
            assertErrno(Errno.EINVAL, () -> o.updateFd(u32(0), u32(99), BPF_EXIST, r));
            assertErrno(Errno.E2BIG, () -> o.updateFd(u32(7), u32(99), BPF_ANY, r));
            assertErrno(Errno.EBADF, () -> o.updateFd(u32(0), u32(99), BPF_ANY, r));
            assertErrno(Errno.EINVAL, () -> o.updateFd(u32(0), u32(InnerRefs.NOT_A_MAP_FD), BPF_ANY, r));
            for (int fd : new int[] {otherMax, otherValue, otherType, otherKey, innerFlag, locked}) {
                assertEquals(1, fds.counted(fdsMap(fds, fd, t)).refcnt.get(), "a refused inner map's reference is dropped");
            }
            o.updateFd(u32(0), u32(ok), BPF_ANY, r);
            o.updateFd(u32(0), u32(ok), BPF_ANY, r);   // the same map again: +1 then -1
            assertEquals(2, ((InnerRefs.Counted) o.objectAt(u32(0))).refcnt.get(), "fd + one slot");
        }
    }

    /** The map behind an fd of {@code fds} (test bookkeeping only). */
    private static BpfMap fdsMap(InnerRefs fds, int fd, TestEnv t) {
        InnerMapRef ref = fds.resolver().resolve(fd);
        ref.put();
        return ref.map();
    }

    @Test
    void innerMapFlagRelaxesMaxEntriesOnlyForArrays() {   // §7.3, MM-U4, MM-U5
        try (TestEnv t = new TestEnv(1)) {
            InnerRefs fds = new InnerRefs();
            var r = fds.resolver();
            FdValueMap<InnerMapRef> flexible = fdMap(outer(t, MapType.ARRAY_OF_MAPS, 1,
                    t.create(MapAttr.of(MapType.ARRAY, 4, 8, 1, BPF_F_INNER_MAP))));
            flexible.updateFd(u32(0), u32(fds.open(t.create(MapAttr.of(MapType.ARRAY, 4, 8, 100, BPF_F_INNER_MAP)))), BPF_ANY, r);
            assertErrnoWhy(Errno.EINVAL, () -> flexible.updateFd(u32(0), u32(fds.open(t.create(MapAttr.of(MapType.ARRAY, 4, 8, 100, 0)))),
                    BPF_ANY, r), "map_flags must still match");
            FdValueMap<InnerMapRef> hashes = fdMap(outer(t, MapType.ARRAY_OF_MAPS, 1, t.create(MapAttr.of(MapType.HASH, 4, 8, 1, 0))));
            hashes.updateFd(u32(0), u32(fds.open(t.create(MapAttr.of(MapType.HASH, 4, 8, 500, 0)))), BPF_ANY, r);
            FdValueMap<InnerMapRef> percpu = fdMap(outer(t, MapType.ARRAY_OF_MAPS, 1, t.create(MapAttr.of(MapType.PERCPU_ARRAY, 4, 8, 1, 0))));
            percpu.updateFd(u32(0), u32(fds.open(t.create(MapAttr.of(MapType.PERCPU_ARRAY, 4, 8, 9, 0)))), BPF_ANY, r);
            assertNotNull(percpu.objectAt(u32(0)), "PERCPU_ARRAY uses bpf_map_meta_equal: max_entries free");
        }
    }

    @Test
    void arrayLookupDeleteAndProgramView() {   // §7.4, §7.6, MM-L1, MM-L2, MM-D1, kernel-observed (f)
        try (TestEnv t = new TestEnv(1)) {
            InnerRefs fds = new InnerRefs();
            BpfMap outer = outer(t, MapType.ARRAY_OF_MAPS, 3, t.create(INNER));
            FdValueMap<InnerMapRef> o = fdMap(outer);
            BpfMap inner = t.create(INNER);
            int fd = fds.open(inner);
            o.updateFd(u32(1), u32(fd), BPF_ANY, fds.resolver());
            assertEquals(inner.id(), le32(outer.lookup(u32(1), 0), 0), "MM-L1: the id, not an fd");
            assertSame(inner, t.registry.byId(le32(outer.lookup(u32(1), 0), 0)), "GET_FD_BY_ID(id) opens the same map");
            assertErrno(Errno.ENOENT, () -> outer.lookup(u32(0), 0));   // MM-L2 empty
            assertErrno(Errno.ENOENT, () -> outer.lookup(u32(3), 0));   // MM-L2 out of range: ENOENT, not E2BIG
            assertErrno(Errno.EINVAL, () -> outer.lookup(u32(1), BPF_F_LOCK));
            assertErrno(Errno.ENOTSUPP, () -> outer.lookupAndDelete(u32(1), 0));
            long key = t.put(u32(1));
            assertEquals(inner.address(), outer.lookupElem(key, 0), "a program gets the inner struct bpf_map *");
            assertEquals(0, outer.lookupElem(t.put(u32(0)), 0));
            assertEquals(0, outer.lookupElem(t.put(u32(9)), 0));
            // get_next_key walks every index, empty ones included
            assertEquals(0, le32(outer.getNextKey(null), 0));
            assertEquals(1, le32(outer.getNextKey(u32(0)), 0));
            assertEquals(0, le32(outer.getNextKey(u32(7)), 0));
            assertErrno(Errno.ENOENT, () -> outer.getNextKey(u32(2)));

            fds.close(fd);   // kernel-observed (f): the outer map keeps the inner alive
            assertSame(inner, t.registry.byId(inner.id()));
            assertEquals(inner.address(), outer.lookupElem(key, 0));

            assertErrno(Errno.ENOENT, () -> outer.delete(u32(0)));   // MM-D1 empty
            assertErrno(Errno.E2BIG, () -> outer.delete(u32(3)));    // MM-D1 out of range
            int id = inner.id();
            outer.delete(u32(1));
            assertEquals(0, outer.lookupElem(key, 0), "after delete the program's lookup gives NULL");
            assertNull(t.registry.byId(id), "MM-F1: the id is gone at once");
            assertFalse(MapWait.reached(inner, MapWaitEvent.FREED), "memory waits for the grace period");
            t.quiesce();
            assertTrue(MapWait.reached(inner, MapWaitEvent.FREED));
        }
    }

    @Test
    void replacedInnerSurvivesWhileAnFdHoldsIt() {   // §7.8, MM-F1, MM-F2
        try (TestEnv t = new TestEnv(1)) {
            InnerRefs fds = new InnerRefs();
            FdValueMap<InnerMapRef> o = fdMap(outer(t, MapType.ARRAY_OF_MAPS, 1, t.create(INNER)));
            BpfMap a = t.create(INNER);
            BpfMap b = t.create(INNER);
            int fa = fds.open(a);
            int fb = fds.open(b);
            o.updateFd(u32(0), u32(fa), BPF_ANY, fds.resolver());
            o.updateFd(u32(0), u32(fb), BPF_ANY, fds.resolver());
            t.quiesce();
            assertSame(a, t.registry.byId(a.id()), "MM-F2: a user fd still holds A");
            assertFalse(MapWait.reached(a, MapWaitEvent.FREED));
            int aId = a.id();
            fds.close(fa);
            assertNull(t.registry.byId(aId));
            fds.close(fb);
            assertSame(b, t.registry.byId(b.id()), "the slot still holds B");
        }
    }

    @Test
    void outerFreeReleasesItsInnerMaps() {   // §7.8 need_defer = false on map_free
        try (TestEnv t = new TestEnv(1)) {
            InnerRefs fds = new InnerRefs();
            BpfMap aom = outer(t, MapType.ARRAY_OF_MAPS, 2, t.create(INNER));
            BpfMap hom = outer(t, MapType.HASH_OF_MAPS, 2, t.create(INNER));
            BpfMap inner = t.create(INNER);
            int fd = fds.open(inner);
            fdMap(aom).updateFd(u32(0), u32(fd), BPF_ANY, fds.resolver());
            fdMap(aom).updateFd(u32(1), u32(fd), BPF_ANY, fds.resolver());
            fdMap(hom).updateFd(u32(5), u32(fd), BPF_ANY, fds.resolver());
            fds.close(fd);
            InnerRefs.Counted c = (InnerRefs.Counted) fdMap(aom).objectAt(u32(0));
            assertEquals(3, c.refcnt.get(), "one reference per slot");
            int id = inner.id();
            aom.free();
            assertEquals(1, c.refcnt.get());
            hom.free();
            assertNull(t.registry.byId(id), "the last outer slot went: the id at once");
            t.quiesce();
            assertTrue(MapWait.reached(inner, MapWaitEvent.FREED));
        }
    }

    @Test
    void hashOfMapsUpdateOrderAndLookup() {   // §7.4, MM-U5..U7
        try (TestEnv t = new TestEnv(1)) {
            InnerRefs fds = new InnerRefs();
            var r = fds.resolver();
            BpfMap outer = outer(t, MapType.HASH_OF_MAPS, 2, t.create(MapAttr.of(MapType.HASH, 4, 8, 4, 0)));
            FdValueMap<InnerMapRef> o = fdMap(outer);
            BpfMap a = t.create(MapAttr.of(MapType.HASH, 4, 8, 64, 0));   // MM-U5: max_entries free
            BpfMap b = t.create(MapAttr.of(MapType.HASH, 4, 8, 4, 0));
            int fa = fds.open(a);
            int fb = fds.open(b);
            assertErrnoWhy(Errno.EBADF, () -> o.updateFd(u32(1), u32(99), 77, r), "MM-U7: the fd before the flags");
            assertErrno(Errno.EINVAL, () -> o.updateFd(u32(1), u32(fa), 77, r));
            assertErrno(Errno.ENOENT, () -> o.updateFd(u32(1), u32(fa), BPF_EXIST, r));   // MM-U6
            o.updateFd(u32(1), u32(fa), BPF_NOEXIST, r);
            assertErrno(Errno.EEXIST, () -> o.updateFd(u32(1), u32(fb), BPF_NOEXIST, r));   // MM-U6
            assertEquals(1, fds.counted(b).refcnt.get(), "b's failed update dropped its reference");
            o.updateFd(u32(2), u32(fb), BPF_ANY, r);
            assertErrnoWhy(Errno.E2BIG, () -> o.updateFd(u32(3), u32(fb), BPF_ANY, r), "max_entries 2 reached");
            assertEquals(2, fds.counted(b).refcnt.get(), "fd + one slot after the E2BIG");
            assertEquals(a.id(), le32(outer.lookup(u32(1), 0), 0));
            assertErrno(Errno.ENOENT, () -> outer.lookup(u32(3), 0));
            assertEquals(a.address(), outer.lookupElem(t.put(u32(1)), 0));
            assertEquals(0, outer.lookupElem(t.put(u32(3)), 0));
            assertEquals(-95, outer.updateElem(t.put(u32(1)), t.put(u32(0)), BPF_ANY, 0), "programs cannot write outer maps");
            assertErrno(Errno.ENOTSUPP, () -> outer.lookupAndDelete(u32(1), 0));
            o.updateFd(u32(1), u32(fb), BPF_EXIST, r);   // replace a by b
            assertEquals(1, fds.counted(a).refcnt.get(), "the replaced reference is put");
            assertEquals(b.address(), outer.lookupElem(t.put(u32(1)), 0));
            outer.delete(u32(1));
            assertErrno(Errno.ENOENT, () -> outer.delete(u32(1)));
            assertEquals(2, fds.counted(b).refcnt.get());
            fds.close(fa);
            t.quiesce();
            assertTrue(MapWait.reached(a, MapWaitEvent.FREED));
        }
    }

    @Test
    void batches() {   // §7.5, MM-B1, MM-B2, MM-W3 (the count part)
        try (TestEnv t = new TestEnv(1)) {
            InnerRefs fds = new InnerRefs();
            var r = fds.resolver();
            BpfMap aom = outer(t, MapType.ARRAY_OF_MAPS, 4, t.create(INNER));
            BpfMap hom = outer(t, MapType.HASH_OF_MAPS, 8, t.create(INNER));
            int[] inner = new int[4];
            byte[] keys = new byte[16];
            byte[] values = new byte[16];
            for (int i = 0; i < 4; i++) {
                inner[i] = fds.open(t.create(INNER));
                System.arraycopy(u32(i), 0, keys, 4 * i, 4);
                System.arraycopy(u32(inner[i]), 0, values, 4 * i, 4);
            }
            BpfMap sparse = outer(t, MapType.ARRAY_OF_MAPS, 4, t.create(INNER));
            fdMap(sparse).updateFd(u32(2), u32(inner[0]), BPF_ANY, r);
            BatchResult one = sparse.lookupBatch(null, 4, 0, 0);   // observed on 6.18: count 1, key 2, ENOENT
            assertEquals(1, one.count(), "MM-B1: empty slots are skipped");
            assertEquals(2, le32(one.keys(), 0));
            assertEquals(Errno.ENOENT, one.error());
            sparse.free();
            BatchResult full = fdMap(aom).updateFdBatch(keys, values, 4, 0, r);
            assertTrue(full.ok());
            assertEquals(4, full.count());
            BatchResult ids = aom.lookupBatch(null, 4, 0, 0);
            for (int i = 0; i < 4; i++) {
                assertEquals(le32(aom.lookup(u32(i), 0), 0), le32(ids.values(), 4 * i), "MM-B1: values are ids");
            }
            assertErrno(Errno.ENOTSUPP, () -> aom.deleteBatch(keys, 4, 0, 0));             // MM-B2
            assertErrno(Errno.ENOTSUPP, () -> aom.lookupAndDeleteBatch(null, 4, 0, 0));    // MM-B2
            byte[] bad = values.clone();
            System.arraycopy(u32(99), 0, bad, 12, 4);
            BatchResult part = fdMap(hom).updateFdBatch(keys, bad, 4, 0, r);
            assertEquals(3, part.count(), "stops at the fourth element (observed on 6.18: EBADF, count 3)");
            assertEquals(Errno.EBADF, part.error());
            // generic_map_update_batch refuses elem_flags other than BPF_F_LOCK before any element
            assertErrno(Errno.EINVAL, () -> fdMap(aom).updateFdBatch(keys, values, 4, BPF_NOEXIST, r));
            BatchResult got = hom.lookupAndDeleteBatch(null, 8, 0, 0);
            assertEquals(3, got.count());
            for (int i = 0; i < 3; i++) {
                int id = le32(got.values(), 4 * i);
                int key = le32(got.keys(), 4 * i);
                assertEquals(le32(aom.lookup(u32(key), 0), 0), id, "lookup_and_delete_batch returns ids");
            }
            assertErrno(Errno.ENOENT, () -> hom.lookup(u32(0), 0));
            assertEquals(2, fds.counted(fdsMap(fds, inner[0], t)).refcnt.get(), "the deleted element's reference was put");
        }
    }

    @Test
    void btfDeclaredInitialSlots() {   // the loader's init_map_in_map_slots (spec §7.1 step 4: libbpf fills the slots)
        try (TestEnv t = new TestEnv(1)) {
            InnerRefs fds = new InnerRefs();
            BpfMap aom = outer(t, MapType.ARRAY_OF_MAPS, 3, t.create(INNER));
            BpfMap hom = outer(t, MapType.HASH_OF_MAPS, 3, t.create(INNER));
            BpfMap a = t.create(INNER);
            BpfMap b = t.create(INNER);
            int fa = fds.open(a);
            int fb = fds.open(b);
            var r = fds.resolver();
            fdMap(aom).initSlots(java.util.Arrays.asList(r.resolve(fa), null, r.resolve(fb)));
            fdMap(hom).initSlots(java.util.Arrays.asList(null, r.resolve(fb)));
            assertEquals(a.id(), le32(aom.lookup(u32(0), 0), 0));
            assertErrno(Errno.ENOENT, () -> aom.lookup(u32(1), 0));
            assertEquals(b.id(), le32(aom.lookup(u32(2), 0), 0));
            assertEquals(b.id(), le32(hom.lookup(u32(1), 0), 0));
            assertEquals(3, fds.counted(b).refcnt.get());
            BpfMap wrong = t.create(MapAttr.of(MapType.ARRAY, 4, 16, 1, 0));
            int fw = fds.open(wrong);
            BpfException e = assertThrows(BpfException.class, () -> fdMap(aom).initSlots(
                    java.util.Arrays.asList(r.resolve(fw), r.resolve(fa))));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("initial slot 0"), e.getMessage());
            assertEquals(1, fds.counted(wrong).refcnt.get(), "the refused reference is dropped");
            assertEquals(2, fds.counted(a).refcnt.get(), "the slots after the failure are dropped too");
        }
    }

    @Test
    void pendingRefsEndOneGracePeriodAfterTheLastSlot() {   // extension: mapWait PENDING_REFS
        try (TestEnv t = new TestEnv(1)) {
            InnerRefs fds = new InnerRefs();
            BpfMap o1 = outer(t, MapType.ARRAY_OF_MAPS, 1, t.create(INNER));
            BpfMap o2 = outer(t, MapType.HASH_OF_MAPS, 1, t.create(INNER));
            BpfMap inner = t.create(INNER);
            int fd = fds.open(inner);
            assertTrue(MapWait.reached(inner, MapWaitEvent.PENDING_REFS), "never in a slot: nothing pending");
            fdMap(o1).updateFd(u32(0), u32(fd), BPF_ANY, fds.resolver());
            fdMap(o2).updateFd(u32(0), u32(fd), BPF_ANY, fds.resolver());
            BpfException e = assertThrows(BpfException.class, () -> MapWait.await(inner, MapWaitEvent.PENDING_REFS, Duration.ZERO));
            assertEquals(Errno.ETIMEDOUT, e.errno());
            o1.delete(u32(0));
            t.quiesce();
            assertFalse(MapWait.reached(inner, MapWaitEvent.PENDING_REFS), "still in o2");
            o2.delete(u32(0));
            assertFalse(MapWait.reached(inner, MapWaitEvent.PENDING_REFS), "a program may still hold it until the grace period");
            t.quiesce();
            MapWait.await(inner, MapWaitEvent.PENDING_REFS, Duration.ZERO);
            assertFalse(MapWait.reached(inner, MapWaitEvent.FREED), "the fd still holds it");
            e = assertThrows(BpfException.class, () -> MapWait.await(inner, MapWaitEvent.FREED, Duration.ofMillis(1)));
            assertEquals(Errno.ETIMEDOUT, e.errno());
            fds.close(fd);
            t.quiesce();
            MapWait.await(inner, MapWaitEvent.FREED, Duration.ZERO);
            assertErrno(Errno.EINVAL, () -> MapWait.await(inner, null, Duration.ZERO));
        }
    }

    @Test
    void sleepableOuterFreesAfterBothGracePeriods() {   // §7.8 free_after_mult_rcu_gp, MM-W4 (memory part)
        ConcurrentLinkedQueue<Runnable> rcu = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Runnable> trace = new ConcurrentLinkedQueue<>();
        try (Arena arena = new Arena(16 << 20)) {
            MapEnv env = new MapEnv(arena, 1, new MapRegistry(arena), rcu::add, trace::add);
            InnerRefs fds = new InnerRefs();
            BpfMap outer = MapTypes.create(MapAttr.of(MapType.ARRAY_OF_MAPS, 4, 4, 1, 0)
                    .withInnerMap(MapTypes.create(INNER, env)), env);
            outer.addSleepableRefs(1);
            BpfMap inner = MapTypes.create(INNER, env);
            int fd = fds.open(inner);
            fdMap(outer).updateFd(u32(0), u32(fd), BPF_ANY, fds.resolver());
            outer.delete(u32(0));
            fds.close(fd);
            drain(rcu);
            assertFalse(MapWait.reached(inner, MapWaitEvent.FREED), "a sleepable program may still read it");
            drain(trace);
            assertFalse(MapWait.reached(inner, MapWaitEvent.FREED), "then a normal grace period too");
            drain(rcu);
            assertTrue(MapWait.reached(inner, MapWaitEvent.FREED));
            outer.addSleepableRefs(-1);
            outer.free();
            drain(rcu);
        }
    }

    private static void assertErrnoWhy(Errno expected, org.junit.jupiter.api.function.Executable call, String why) {
        BpfException e = assertThrows(BpfException.class, call, why);
        assertEquals(expected, e.errno(), why + ": " + e.getMessage());
    }

    private static void drain(ConcurrentLinkedQueue<Runnable> q) {
        java.util.List<Runnable> now = new java.util.ArrayList<>(q);
        q.removeAll(now);
        now.forEach(Runnable::run);
    }
}
