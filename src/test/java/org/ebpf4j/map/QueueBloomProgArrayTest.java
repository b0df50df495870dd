package org.ebpf4j.map;

import static org.ebpf4j.map.MapFlags.*;
import static org.ebpf4j.map.TestEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.Test;

/**
 * QUEUE/STACK (kernel/bpf/queue_stack_maps.c), BLOOM_FILTER (kernel/bpf/bloom_filter.c),
 * PROG_ARRAY (kernel/bpf/arraymap.c). Errnos marked "observed" were read from Linux 6.18 on
 * this machine with a small libbpf program.
 */
class QueueBloomProgArrayTest {

    @Test
    void queueAndStackCreation() {
        assertEquals(0, MapTypes.allocCheck(MapAttr.of(MapType.QUEUE, 0, 4, 2, 0)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.QUEUE, 4, 4, 2, 0)), "observed: key_size 4");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.STACK, 0, 0, 2, 0)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.STACK, 0, 4, 0, 0)));
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.STACK, 0, 4, 2, BPF_F_NO_PREALLOC)));
    }

    @Test
    void queueOrderAndErrnos() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap q = t.create(MapAttr.of(MapType.QUEUE, 0, 4, 2, 0));
            assertErrno(Errno.ENOENT, () -> q.lookup(null, 0));
            assertErrno(Errno.ENOENT, () -> q.lookupAndDelete(null, 0));
            assertErrno(Errno.EINVAL, () -> q.update(null, u32(1), BPF_NOEXIST));   // observed
            q.update(null, u32(1), BPF_ANY);
            q.update(null, u32(2), BPF_ANY);
            assertErrno(Errno.E2BIG, () -> q.update(null, u32(3), BPF_ANY));         // observed
            assertErrno(Errno.EINVAL, () -> q.delete(null));                          // observed
            assertErrno(Errno.EINVAL, () -> q.getNextKey(null));                      // observed
            assertErrno(Errno.EINVAL, () -> q.lookup(null, BPF_F_LOCK));              // observed
            assertErrno(Errno.EINVAL, () -> q.lookupAndDelete(null, BPF_F_LOCK));     // observed
            q.update(null, u32(3), BPF_EXIST);   // full + BPF_EXIST: the oldest (1) goes
            assertEquals(2, le32(q.lookup(null, 0), 0), "peek sees the oldest");
            long buf = t.arena.alloc(8);
            assertEquals(0, q.popElem(buf, 0));
            assertEquals(2, t.arena.load32(buf));
            assertEquals(3, le32(q.lookupAndDelete(null, 0), 0));
            assertEquals(-2, q.popElem(buf, 0));
            assertEquals(-2, q.peekElem(buf, 0));
            t.arena.store32(buf, 9);
            assertEquals(0, q.pushElem(buf, BPF_ANY, 0));
            assertEquals(-22, q.pushElem(buf, 4, 0));
        }
    }

    @Test
    void stackIsLastInFirstOut() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap s = t.create(MapAttr.of(MapType.STACK, 0, 8, 3, 0));
            assertErrno(Errno.ENOENT, () -> s.lookup(null, 0));                       // observed
            for (int i = 1; i <= 3; i++) {
                s.update(null, u64(i), BPF_ANY);
            }
            s.update(null, u64(4), BPF_EXIST);   // overwrites the oldest (1)
            List<Long> popped = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                popped.add(le64(s.lookupAndDelete(null, 0), 0));
            }
            assertEquals(List.of(4L, 3L, 2L), popped);
            assertErrno(Errno.ENOENT, () -> s.lookupAndDelete(null, 0));
        }
    }

    @Test
    void bloomFilterHasNoFalseNegatives() {
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.BLOOM_FILTER, 4, 4, 100, 0)), "observed: key_size 4");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.BLOOM_FILTER, 0, 4, 100, 0).withMapExtra(16)), "observed");
        assertEquals(0, MapTypes.allocCheck(MapAttr.of(MapType.BLOOM_FILTER, 0, 4, 100, 0).withMapExtra(3)));
        try (TestEnv t = new TestEnv(1)) {
            BpfMap b = t.create(MapAttr.of(MapType.BLOOM_FILTER, 0, 12, 1000, 0).withMapExtra(3));
            Random r = new Random(42);
            List<byte[]> in = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                byte[] v = new byte[12];
                r.nextBytes(v);
                in.add(v);
                b.update(null, v, BPF_ANY);
            }
            for (byte[] v : in) {
                b.peekValue(v, 0);   // throws ENOENT on a false negative
                assertEquals(0, b.peekElem(t.put(v), 0));
            }
            int falsePositives = 0;
            for (int i = 0; i < 1000; i++) {
                byte[] v = new byte[12];
                r.nextBytes(v);
                try {
                    b.peekValue(v, 0);
                    falsePositives++;
                } catch (org.ebpf4j.uapi.BpfException e) {
                    assertEquals(Errno.ENOENT, e.errno());
                }
            }
            assertTrue(falsePositives < 300, "a bloom filter, not a constant: " + falsePositives);
            assertErrno(Errno.EINVAL, () -> b.update(null, new byte[12], BPF_EXIST));   // observed
            assertErrno(Errno.EOPNOTSUPP, () -> b.getNextKey(null));                      // observed: 95
            assertErrno(Errno.EINVAL, () -> b.delete(null));                              // observed
            assertEquals(-95, b.popElem(t.put(new byte[12]), 0));
        }
    }

    /** A ProgRef that counts its releases. */
    static final class Prog implements ProgRef {
        final int id;
        int released;

        Prog(int id) { this.id = id; }

        @Override public int id() { return id; }

        @Override public void release() { released++; }
    }

    @Test
    void progArraySlotsAndUrefRelease() {
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.PROG_ARRAY, 4, 8, 4, 0)), "value_size != 4");
        assertEquals(-22, MapTypes.allocCheck(MapAttr.of(MapType.PROG_ARRAY, 4, 4, 4, BPF_F_RDONLY_PROG)));
        try (TestEnv t = new TestEnv(1)) {
            ProgArrayMap m = (ProgArrayMap) t.create(MapAttr.of(MapType.PROG_ARRAY, 4, 4, 4, 0));
            Prog a = new Prog(7);
            Prog b = new Prog(8);
            assertErrno(Errno.EINVAL, () -> m.updateObject(u32(0), a, BPF_NOEXIST));
            assertErrno(Errno.E2BIG, () -> m.updateObject(u32(4), a, BPF_ANY));
            assertEquals(2, a.released, "a failed update drops the reference it was given (map_fd_put_ptr)");
            a.released = 0;
            m.updateObject(u32(1), a, BPF_ANY);
            assertSame(a, m.progAt(1));
            assertNull(m.progAt(4));
            assertEquals(7, le32(m.lookup(u32(1), 0), 0));
            assertErrno(Errno.ENOENT, () -> m.lookup(u32(0), 0));
            m.updateObject(u32(1), b, BPF_ANY);
            assertEquals(1, a.released, "the replaced program is released");
            assertErrno(Errno.EBADF, () -> m.updateFd(u32(2), u32(99), BPF_ANY, fd -> {
                throw new org.ebpf4j.uapi.BpfException(Errno.EBADF, "fd " + fd);
            }));
            assertErrno(Errno.EINVAL, () -> m.updateFd(u32(2), u32(99), BPF_EXIST, fd -> fail("flags are checked before the fd")));
            assertErrno(Errno.ENOENT, () -> m.delete(u32(2)));
            assertErrno(Errno.E2BIG, () -> m.delete(u32(9)));
            m.updateObject(u32(3), a, BPF_ANY);
            m.releaseUref();
            assertNull(m.progAt(1));
            assertNull(m.progAt(3));
            assertEquals(1, b.released);
            assertEquals(2, a.released);
        }
    }
}
