package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * The user-space side of a BPF ring buffer, as libbpf's {@code ring_buffer__consume} and
 * {@code ring_buffer__poll} (tools/lib/bpf/ringbuf.c {@code ringbuf_process_ring}): walks records
 * from {@code consumer_pos} to {@code producer_pos}, hands each committed, non-discarded sample
 * to the handler, skips discarded ones, stops at the first record still BUSY, and publishes the
 * new {@code consumer_pos} with release semantics after every record so that producers get the
 * space back at once.
 *
 * <p>Lock-free against producers; one consumer per ring at a time (like a libbpf
 * {@code struct ring_buffer}, an instance is not thread-safe).
 */
public final class RingBufConsumer {

    /** {@code ring_buffer_sample_fn}: a negative return stops consuming and is returned. */
    @FunctionalInterface
    public interface SampleHandler {
        /**
         * @param sample a read-only view of the sample, valid only during the call
         * @param len    the sample length in bytes (= {@code sample.byteSize()})
         */
        int onSample(MemorySegment sample, int len);
    }

    private final RingBufMap rb;
    private final SampleHandler handler;

    /**
     * @throws IllegalArgumentException if {@code map} is not a BPF_MAP_TYPE_RINGBUF of this runtime
     */
    public RingBufConsumer(BpfMap map, SampleHandler handler) {
        if (!(map instanceof RingBufMap r)) {
            throw new IllegalArgumentException("ring buffer consumer needs a RINGBUF map, got "
                    + (map == null ? "null" : map.type() == MapType.RINGBUF ? "a foreign RINGBUF" : map.type()));
        }
        this.rb = r;
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** Consumes every available committed record; returns how many samples were handled, or the handler's error. */
    public int consume() { return consumeN(Integer.MAX_VALUE); }

    /** As {@link #consume()}, stopping after {@code n} samples ({@code ring_buffer__consume_n}). */
    public int consumeN(int n) {
        int cnt = 0;
        long cons = rb.consumerPos();
        boolean gotNewData;
        do {
            gotNewData = false;
            long prod = rb.producerPos();
            while (cons < prod) {
                int len = rb.recordLen(cons);
                if ((len & RingBufLayout.BUSY_BIT) != 0) {   // not committed yet: try again later
                    return cnt;
                }
                gotNewData = true;
                long pos = cons;
                cons += RingBufLayout.roundupLen(len);
                if ((len & RingBufLayout.DISCARD_BIT) == 0) {
                    int err = handler.onSample(rb.sample(pos, len), len);
                    if (err < 0) {
                        rb.advanceConsumer(cons);
                        return err;
                    }
                    cnt++;
                }
                rb.advanceConsumer(cons);
                if (cnt >= n) {
                    return cnt;
                }
            }
        } while (gotNewData);
        return cnt;
    }

    /**
     * {@code ring_buffer__poll}: waits up to {@code timeout} for the ring to have data (returns at
     * once if it has any, even a record still BUSY, as the kernel's poll reports readiness by
     * {@code producer_pos != consumer_pos}), then consumes. Returns the samples handled (0 on
     * timeout), the handler's error, or -EINTR if the thread was interrupted while waiting.
     */
    public int poll(long timeout, TimeUnit unit) {
        long seq = rb.wakeupSeq();
        if (rb.availData() == 0 && !rb.awaitWakeup(seq, timeout, unit)) {
            return Errno.EINTR.negative();
        }
        return consume();
    }

    /** {@code ring__avail_data_size}: bytes between the consumer and the producer. */
    public long availableBytes() { return rb.availData(); }

    /** {@code ring__size}. */
    public long ringSize() { return rb.ringSize(); }

    public long consumerPosition() { return rb.consumerPos(); }

    public long producerPosition() { return rb.producerPos(); }
}
