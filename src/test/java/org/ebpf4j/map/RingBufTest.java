package org.ebpf4j.map;

import static org.ebpf4j.map.RingBufLayout.*;
import static org.ebpf4j.map.TestEnv.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** BPF_MAP_TYPE_RINGBUF (kernel/bpf/ringbuf.c) and its consumer (libbpf ringbuf.c). */
class RingBufTest {
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static RingBufMap ring(TestEnv t, int size) {
        return (RingBufMap) t.create(MapAttr.of(MapType.RINGBUF, 0, 0, size, 0));
    }

    /** Fills [addr, addr+len) with bytes derived from {@code seed}. */
    private static void pattern(TestEnv t, long addr, int len, int seed) {
        for (int i = 0; i < len; i++) {
            t.arena.store8(addr + i, seed * 31 + i);
        }
    }

    private static boolean hasPattern(byte[] b, int seed) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] != (byte) (seed * 31 + i)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void createChecksSizeKeyValueAndFlags() {
        try (TestEnv t = new TestEnv(1)) {
            assertEquals(4096, ring(t, 4096).ringSize());
            assertEquals(1 << 16, ring(t, 1 << 16).ringSize());
            for (int bad : new int[] {0, 2048, 12288, 4096 + 8}) {   // power of 2 AND page multiple
                assertErrno(Errno.EINVAL, () -> ring(t, bad));
            }
            assertErrno(Errno.EINVAL, () -> t.create(MapAttr.of(MapType.RINGBUF, 4, 0, 4096, 0)));
            assertErrno(Errno.EINVAL, () -> t.create(MapAttr.of(MapType.RINGBUF, 0, 8, 4096, 0)));
            assertErrno(Errno.EINVAL, () -> t.create(MapAttr.of(MapType.RINGBUF, 0, 0, 4096, MapFlags.BPF_F_NO_PREALLOC)));
            t.create(MapAttr.of(MapType.RINGBUF, 0, 0, 4096, MapFlags.BPF_F_NUMA_NODE));   // node 0 is fine
        }
    }

    @Test
    void elementOpsAnswerAsLinux() {
        try (TestEnv t = new TestEnv(1)) {
            RingBufMap rb = ring(t, 4096);
            assertErrno(Errno.EINVAL, () -> rb.lookup(new byte[0], 0));
            assertErrno(Errno.EINVAL, () -> rb.update(new byte[0], new byte[0], 0));
            assertErrno(Errno.EINVAL, () -> rb.delete(new byte[0]));
            assertErrno(Errno.ENOTSUPP, () -> rb.getNextKey(null));
            assertEquals(Errno.ENOTSUPP.negative(), rb.updateElem(0, 0, 0, 0));
        }
    }

    @Test
    void recordHeaderPositionsAndPageOffsetAreTheKernels() {
        try (TestEnv t = new TestEnv(1)) {
            RingBufMap rb = ring(t, 8192);
            long data = rb.dataAddress();
            assertEquals(rb.consumerPosAddress() + 4096, rb.producerPosAddress());
            assertEquals(rb.producerPosAddress() + 4096, data);
            long s1 = rb.reserve(10);
            assertEquals(data + HDR_SZ, s1);
            assertEquals(10 | BUSY_BIT, (int) t.arena.load32(data));
            assertEquals(3, t.arena.load32(data + 4), "pg_off: 3 meta pages before the first data page");
            assertEquals(24, rb.producerPos(), "8 header + 10 rounded up to 8");
            assertEquals(24, t.arena.load64(rb.producerPosAddress()));
            pattern(t, s1, 10, 1);
            // a record in the second data page says so in pg_off
            long s2 = rb.reserve(4096 - 24 - 8);
            assertEquals(data + 24 + HDR_SZ, s2);
            long s3 = rb.reserve(0);
            assertEquals(data + 4096 + HDR_SZ, s3);
            assertEquals(4, t.arena.load32(data + 4096 + 4));
            assertSame(rb, RingBufMap.fromSample(t.registry, s3));
            rb.commit(s1, 0, false);
            assertEquals(10, (int) t.arena.load32(data), "submit clears BUSY only");
            rb.commit(s2, 0, true);
            assertEquals((4096 - 32) | DISCARD_BIT, (int) t.arena.load32(data + 24), "discard sets DISCARD");
            List<byte[]> got = new ArrayList<>();
            RingBufConsumer c = new RingBufConsumer(rb, (s, len) -> {
                got.add(s.toArray(ValueLayout.JAVA_BYTE));
                return 0;
            });
            assertEquals(1, c.consume(), "s2 is discarded, s3 still BUSY");
            assertTrue(hasPattern(got.get(0), 1) && got.get(0).length == 10);
            assertEquals(4096, rb.consumerPos(), "consumer stops at the BUSY record, past the discarded one");
            assertEquals(4096, t.arena.load64(rb.consumerPosAddress()));
            rb.commit(s3, 0, false);
            assertEquals(1, c.consume());
            assertEquals(0, got.get(1).length);
            assertEquals(4104, rb.consumerPos());
            assertEquals(0, rb.availData());
        }
    }

    @Test
    void reserveFailsWithoutRoomBetweenConsumerAndProducer() {
        try (TestEnv t = new TestEnv(1)) {
            RingBufMap rb = ring(t, 4096);
            assertEquals(0, rb.reserve(4096 - 8), "a record may not fill the whole ring (mask = size - 1)");
            assertEquals(0, rb.reserve(5000));
            assertEquals(0, rb.reserve(-1L), "size is u64: above RINGBUF_MAX_RECORD_SZ");
            long a = rb.reserve(4000);          // 4008 bytes
            assertNotEquals(0, a);
            assertEquals(0, rb.reserve(80), "4008 + 88 > 4095");
            long b = rb.reserve(72);            // 4008 + 80 = 4088 <= 4095
            assertNotEquals(0, b);
            assertEquals(0, rb.reserve(0));
            rb.commit(b, 0, false);
            assertEquals(0, new RingBufConsumer(rb, (s, l) -> 0).consume(), "a BUSY first record blocks the consumer");
            rb.commit(a, 0, false);
            List<Integer> lens = new ArrayList<>();
            assertEquals(2, new RingBufConsumer(rb, (s, l) -> {
                lens.add(l);
                return 0;
            }).consume());
            assertEquals(List.of(4000, 72), lens, "records come in reservation order");
            assertNotEquals(0, rb.reserve(4000), "consumed space is free again");
            long src = t.put(new byte[64]);
            assertEquals(Errno.EAGAIN.negative(), rb.output(src, 200, 0));
            assertEquals(Errno.EINVAL.negative(), rb.output(src, 8, 4));
        }
    }

    @Test
    void recordsWrappingTheEndAreContiguousAndLandAtTheStart() {
        try (TestEnv t = new TestEnv(1)) {
            RingBufMap rb = ring(t, 4096);
            long src = t.arena.alloc(1000);
            List<byte[]> got = new ArrayList<>();
            RingBufConsumer c = new RingBufConsumer(rb, (s, len) -> {
                got.add(s.toArray(ValueLayout.JAVA_BYTE));
                return 0;
            });
            boolean wrapped = false;
            for (int i = 0; i < 20; i++) {
                long before = rb.producerPos();
                pattern(t, src, 1000, i);
                assertEquals(0, rb.output(src, 1000, 0));
                long start = (before & 4095) + 8;
                if (start + 1000 > 4096) {
                    wrapped = true;
                    long tail = start + 1000 - 4096;
                    byte[] head = t.arena.copyOut(rb.dataAddress(), (int) tail);
                    for (int k = 0; k < tail; k++) {
                        assertEquals((byte) (i * 31 + 1000 - tail + k), head[k], "tail byte " + k + " at the ring start");
                    }
                }
                assertEquals(1, c.consume());
                assertTrue(hasPattern(got.get(i), i), "record " + i);
            }
            assertTrue(wrapped);
            assertEquals(20 * 1008, rb.consumerPos());
        }
    }

    @Test
    void handlerErrorStopsAndKeepsTheConsumedPosition() {
        try (TestEnv t = new TestEnv(1)) {
            RingBufMap rb = ring(t, 4096);
            long src = t.put(new byte[16]);
            for (int i = 0; i < 3; i++) {
                assertEquals(0, rb.output(src, 16, 0));
            }
            int[] calls = {0};
            assertEquals(-7, new RingBufConsumer(rb, (s, l) -> ++calls[0] == 2 ? -7 : 0).consume());
            assertEquals(48, rb.consumerPos(), "the failing record counts as consumed, as in libbpf");
            assertEquals(1, new RingBufConsumer(rb, (s, l) -> 0).consumeN(1));
            assertEquals(72, rb.consumerPos());
        }
    }

    @Test
    void wakeupsFollowTheFlagsAndTheConsumerPosition() {
        try (TestEnv t = new TestEnv(1)) {
            RingBufMap rb = ring(t, 4096);
            long src = t.put(new byte[8]);
            long seq = rb.wakeupSeq();
            assertEquals(0, rb.output(src, 8, BPF_RB_NO_WAKEUP));
            assertEquals(seq, rb.wakeupSeq(), "NO_WAKEUP");
            assertEquals(0, rb.output(src, 8, 0));
            assertEquals(seq, rb.wakeupSeq(), "record not at consumer_pos: the consumer has not caught up");
            assertEquals(0, rb.output(src, 8, BPF_RB_FORCE_WAKEUP));
            assertEquals(seq + 1, rb.wakeupSeq(), "FORCE_WAKEUP");
            new RingBufConsumer(rb, (s, l) -> 0).consume();
            assertEquals(0, rb.output(src, 8, 0));
            assertEquals(seq + 2, rb.wakeupSeq(), "consumer caught up and waits for this record");
            assertEquals(rb.producerPos() - rb.consumerPos(), rb.query(BPF_RB_AVAIL_DATA));
            assertEquals(4096, rb.query(BPF_RB_RING_SIZE));
            assertEquals(rb.consumerPos(), rb.query(BPF_RB_CONS_POS));
            assertEquals(rb.producerPos(), rb.query(BPF_RB_PROD_POS));
            assertEquals(0, rb.query(99));
        }
    }

    @Test
    @Timeout(60)
    void pollBlocksUntilAProducerWakesIt() throws Exception {
        try (TestEnv t = new TestEnv(2)) {
            RingBufMap rb = ring(t, 4096);
            long src = t.put(new byte[8]);
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                RingBufConsumer c = new RingBufConsumer(rb, (s, l) -> 0);
                assertEquals(0, c.poll(0, TimeUnit.MILLISECONDS), "empty ring, no wait");
                Future<Integer> f = ex.submit(() -> c.poll(50, TimeUnit.SECONDS));
                while (!f.isDone()) {   // the poller may not be waiting yet: output until it sees data
                    if (rb.availData() == 0) {
                        assertEquals(0, rb.output(src, 8, 0));
                    }
                    Thread.onSpinWait();
                }
                assertTrue(f.get() >= 1);
            } finally {
                ex.shutdownNow();
            }
        }
    }

    /** Two producer threads, one polling consumer: every record arrives once, each producer's in order. */
    @Test
    @Timeout(120)
    void twoProducersOneConsumerLoseNothing() throws Exception {
        final int perProducer = 20_000;
        try (TestEnv t = new TestEnv(3)) {
            RingBufMap rb = ring(t, 8192);
            long[] next = new long[2];
            int[] total = {0};
            AtomicBoolean bad = new AtomicBoolean();
            RingBufConsumer c = new RingBufConsumer(rb, (s, len) -> {
                long producer = s.get(LE64, 0);
                long seqNo = s.get(LE64, 8);
                if (len != 24 || producer < 0 || producer > 1 || seqNo != next[(int) producer]
                        || s.get(LE64, 16) != (seqNo ^ 0x5a5a5a5aL)) {
                    bad.set(true);
                    return -1;
                }
                next[(int) producer]++;
                total[0]++;
                return 0;
            });
            ExecutorService ex = Executors.newFixedThreadPool(2);
            try {
                List<Future<Integer>> fs = new ArrayList<>();
                for (int p = 0; p < 2; p++) {
                    long producer = p;
                    fs.add(ex.submit(() -> {
                        long buf = t.arena.alloc(24);
                        int retries = 0;
                        for (long i = 0; i < perProducer; i++) {
                            t.arena.store64(buf, producer);
                            t.arena.store64(buf + 8, i);
                            t.arena.store64(buf + 16, i ^ 0x5a5a5a5aL);
                            while (rb.output(buf, 24, 0) == Errno.EAGAIN.negative()) {
                                retries++;
                                Thread.yield();
                            }
                        }
                        return retries;
                    }));
                }
                while (total[0] < 2 * perProducer && !bad.get()) {
                    int r = c.poll(100, TimeUnit.MILLISECONDS);
                    assertTrue(r >= 0, "consumer error " + r);
                }
                for (Future<Integer> f : fs) {
                    f.get();
                }
            } finally {
                ex.shutdownNow();
            }
            assertFalse(bad.get(), "a record was lost, duplicated, torn or out of order");
            assertEquals(perProducer, next[0]);
            assertEquals(perProducer, next[1]);
            assertEquals(0, c.consume(), "nothing left over");
            assertEquals(rb.producerPos(), rb.consumerPos());
            assertEquals(2L * perProducer * 32, rb.producerPos());
        }
    }

    @Test
    void consumerNeedsARingBuffer() {
        try (TestEnv t = new TestEnv(1)) {
            BpfMap arr = t.create(MapAttr.of(MapType.ARRAY, 4, 8, 1, 0));
            assertThrows(IllegalArgumentException.class, () -> new RingBufConsumer(arr, (s, l) -> 0));
        }
    }

    @Test
    void freeReturnsTheArenaPagesAfterTheGracePeriod() {
        try (TestEnv t = new TestEnv(1)) {
            long before = t.arena.allocatedBytes();
            RingBufMap rb = ring(t, 16384);
            assertTrue(t.arena.allocatedBytes() - before >= 3 * 4096 + 2 * 16384);
            rb.free();
            assertNull(RingBufMap.fromSample(t.registry, rb.dataAddress() + 8), "the id is gone at once");
            t.quiesce();
            assertEquals(before, t.arena.allocatedBytes());
        }
    }
}
