package org.ebpf4j.map;

import static org.ebpf4j.map.RingBufLayout.*;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_MAP_TYPE_RINGBUF (kernel/bpf/ringbuf.c): a multi-producer, single-consumer byte ring in
 * arena pages laid out as {@link RingBufLayout} describes.
 *
 * <p><b>Producers</b> ({@code bpf_ringbuf_reserve}/{@code _output}) serialise on one lock, as
 * the kernel's {@code rb->spinlock}: under it they skip past records already committed since the
 * last reservation ({@code pending_pos}), check space, write the header with the BUSY bit and
 * publish the new {@code producer_pos} with release semantics. Commit ({@code submit}/{@code
 * discard}) takes no lock: one atomic exchange of the header's len word clears BUSY (and sets
 * DISCARD). The <b>consumer</b> ({@link RingBufConsumer}) takes no lock either: it reads
 * positions and len words with acquire loads and publishes {@code consumer_pos} with a release.
 *
 * <p><b>Wraparound.</b> The kernel maps the data pages twice in a row so that a record crossing
 * the end is contiguous. An arena cannot alias pages, so the data area is followed by a second
 * copy (the mirror): a program writes a wrapping record through its contiguous pointer, the tail
 * landing in the mirror, and commit copies that tail to the start of the data area before it
 * clears BUSY. Both views hold the record when the consumer sees it committed.
 *
 * <p><b>Wakeups</b> ({@code irq_work} → {@code wake_up_all(&rb->waitq)}) are a monitor and a
 * sequence number that a blocked consumer waits on ({@link #awaitWakeup}).
 *
 * <p>From user space lookup, update and delete answer EINVAL and get_next_key ENOTSUPP (observed
 * on Linux 6.18); from a program the element ops are the kernel's ENOTSUPP stubs.
 */
final class RingBufMap extends MapBase {
    private static final int CREATE_FLAG_MASK = MapFlags.BPF_F_NUMA_NODE;   // RINGBUF_CREATE_FLAG_MASK

    private final long size;        // data bytes: max_entries
    private final long mask;        // rb->mask
    private final long base;        // struct bpf_ringbuf *rb
    private final long area;        // bytes of the whole block
    private final long consPos;     // &rb->consumer_pos
    private final long prodPos;     // &rb->producer_pos
    private final long data;        // rb->data
    private final ReentrantLock spinlock = new ReentrantLock();
    private long pendingPos;        // rb->pending_pos; under spinlock
    private final Object waitq = new Object();
    private long wakeups;           // under waitq

    /** {@code ringbuf_map_alloc}'s checks (the type has no separate alloc_check). */
    static int allocCheck(MapAttr a) {
        if ((a.mapFlags() & ~CREATE_FLAG_MASK) != 0) {
            return Errno.EINVAL.negative();
        }
        long n = Integer.toUnsignedLong(a.maxEntries());
        if (a.keySize() != 0 || a.valueSize() != 0 || n == 0 || (n & (n - 1)) != 0 || (n & (PAGE - 1)) != 0) {
            return Errno.EINVAL.negative();
        }
        if (n > MAX_DATA_SZ) {
            return Errno.E2BIG.negative();
        }
        return 0;
    }

    RingBufMap(MapAttr attr, MapEnv env) {
        super(attr, env);
        this.size = Integer.toUnsignedLong(attr.maxEntries());
        this.mask = size - 1;
        this.area = DATA_PAGE * PAGE + 2 * size;
        this.base = area < arena.size() ? arena.alloc(area) : 0;
        if (base == 0) {
            throw allocFailed(Errno.ENOMEM, "no arena memory for a ring buffer of " + size + " bytes");
        }
        this.consPos = base + CONS_PAGE * PAGE;
        this.prodPos = base + PROD_PAGE * PAGE;
        this.data = base + DATA_PAGE * PAGE;
        arena.store64(base + META_MAP_ADDR, address());
    }

    long ringSize() { return size; }

    long dataAddress() { return data; }

    long consumerPosAddress() { return consPos; }

    long producerPosAddress() { return prodPos; }

    long consumerPos() { return loadAcquire64(mem, arena.offset(consPos, 8)); }

    long producerPos() { return loadAcquire64(mem, arena.offset(prodPos, 8)); }

    /** {@code ringbuf_avail_data_sz}. */
    long availData() {
        long cons = consumerPos();
        return producerPos() - cons;
    }

    /** The len word of the record at position {@code pos}, read with acquire semantics. */
    int recordLen(long pos) { return loadAcquire32(mem, arena.offset(data + (pos & mask), 4)); }

    // ---- producers ----

    /**
     * {@code __bpf_ringbuf_reserve}: the sample address of a new BUSY record of {@code size}
     * bytes, or 0 when the size is too big or the ring has no room.
     */
    long reserve(long sampleSize) {
        if (Long.compareUnsigned(sampleSize, MAX_RECORD_SZ) > 0) {
            return 0;
        }
        long len = (sampleSize + HDR_SZ + 7) & ~7L;
        if (len > size) {
            return 0;
        }
        long cons = consumerPos();
        spinlock.lock();
        try {
            long prod = arena.load64(prodPos);
            long newProd = prod + len;
            // skip the records committed since the last reservation (kernel: pending_pos)
            long pend = pendingPos;
            while (pend < prod) {
                int l = recordLen(pend);
                if ((l & BUSY_BIT) != 0) {
                    break;
                }
                pend += roundupLen(l);
            }
            pendingPos = pend;
            // at most ring size - 1 ahead of the consumer and of the oldest uncommitted record
            if (newProd - cons > mask || newProd - pend > mask) {
                return 0;
            }
            long hdr = data + (prod & mask);
            arena.store32(hdr + HDR_LEN, sampleSize | BUSY_BIT);
            arena.store32(hdr + HDR_PG_OFF, (hdr - base) / PAGE);
            storeRelease64(mem, arena.offset(prodPos, 8), newProd);   // pairs with the consumer's acquire
            return hdr + HDR_SZ;
        } finally {
            spinlock.unlock();
        }
    }

    /**
     * {@code bpf_ringbuf_restore_from_rec}: the ring a sample pointer belongs to, found through the
     * header's pg_off as the kernel does, or null if {@code sample} is not a record of a live ring
     * (the verifier would have refused such a pointer; here the helper just does nothing).
     */
    static RingBufMap fromSample(MapRegistry registry, long sample) {
        org.ebpf4j.memory.Arena arena = registry.arena();
        long hdr = sample - HDR_SZ;
        if (!arena.contains(hdr, HDR_SZ)) {
            return null;
        }
        long rb = (hdr & -PAGE) - arena.load32(hdr + HDR_PG_OFF) * PAGE;
        if (!arena.contains(rb, 8)) {
            return null;
        }
        return registry.byAddress(arena.load64(rb + META_MAP_ADDR)) instanceof RingBufMap r && r.holdsRecord(hdr) ? r : null;
    }

    /** True if {@code hdr} is a record header position inside this ring's data pages. */
    boolean holdsRecord(long hdr) {
        long off = hdr - data;
        return off >= 0 && off < size && (off & 7) == 0;
    }

    /**
     * {@code bpf_ringbuf_commit}: clears BUSY (sets DISCARD if {@code discard}) and wakes the
     * consumer if it waits for this very record, or always with BPF_RB_FORCE_WAKEUP, never with
     * BPF_RB_NO_WAKEUP. Other flag bits are ignored, as in the kernel.
     */
    void commit(long sample, long flags, boolean discard) {
        long hdr = sample - HDR_SZ;
        int len = (int) arena.load32(hdr + HDR_LEN);
        long recPos = hdr - data;
        long end = recPos + roundupLen(len);
        if (!discard && end > size) {   // the tail went to the mirror: put it where the ring wraps to
            arena.copy(data, data + size, end - size);
        }
        int newLen = len ^ BUSY_BIT;
        if (discard) {
            newLen |= DISCARD_BIT;
        }
        arena.getAndSet32(hdr + HDR_LEN, newLen);   // xchg: a full barrier, publishes the sample
        long cons = consumerPos() & mask;
        if ((flags & BPF_RB_FORCE_WAKEUP) != 0 || (cons == recPos && (flags & BPF_RB_NO_WAKEUP) == 0)) {
            wakeUp();
        }
    }

    /** {@code bpf_ringbuf_output}: reserve, copy {@code size} bytes from {@code src}, submit. */
    long output(long src, long sampleSize, long flags) {
        if ((flags & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP)) != 0) {
            return Errno.EINVAL.negative();
        }
        long rec = reserve(sampleSize);
        if (rec == 0) {
            return Errno.EAGAIN.negative();
        }
        if (sampleSize > 0) {
            arena.copy(rec, src, sampleSize);
        }
        commit(rec, flags, false);
        return 0;
    }

    /** {@code bpf_ringbuf_query}; unknown flags read 0. */
    long query(long flags) {
        if (flags == BPF_RB_AVAIL_DATA) {
            return availData();
        } else if (flags == BPF_RB_RING_SIZE) {
            return size;
        } else if (flags == BPF_RB_CONS_POS) {
            return consumerPos();
        } else if (flags == BPF_RB_PROD_POS) {
            return producerPos();
        }
        return 0;
    }

    // ---- consumer side ----

    /** The consumer publishes how far it has read ({@code smp_store_release(consumer_pos)}). */
    void advanceConsumer(long pos) { storeRelease64(mem, arena.offset(consPos, 8), pos); }

    /** A read-only view of a committed sample at position {@code pos}, through the mirror if it wraps. */
    MemorySegment sample(long pos, int len) {
        return mem.asSlice(arena.offset(data + (pos & mask) + HDR_SZ, len), len).asReadOnly();
    }

    private void wakeUp() {
        synchronized (waitq) {
            wakeups++;
            waitq.notifyAll();
        }
    }

    /** The wakeup count; read it before checking for data, then wait for it to move. */
    long wakeupSeq() {
        synchronized (waitq) {
            return wakeups;
        }
    }

    /**
     * Blocks until a wakeup after {@code seq} or until {@code timeout} passes (the model of
     * {@code epoll_wait} on the map fd). Returns false if interrupted (interrupt status kept).
     */
    boolean awaitWakeup(long seq, long timeout, TimeUnit unit) {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (waitq) {
            while (wakeups == seq) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(waitq, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    // ---- element ops: the kernel's stubs ----

    @Override
    public long lookupElem(long keyAddr, int cpu) { return 0; }

    @Override
    public int updateElem(long keyAddr, long valueAddr, long flags, int cpu) { return Errno.ENOTSUPP.negative(); }

    @Override
    public int deleteElem(long keyAddr, int cpu) { return Errno.ENOTSUPP.negative(); }

    @Override
    public byte[] lookup(byte[] key, long flags) { throw new BpfException(Errno.EINVAL, "lookup is not supported by RINGBUF"); }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        throw new BpfException(Errno.EINVAL, "update is not supported by RINGBUF");
    }

    @Override
    public void delete(byte[] key) { throw new BpfException(Errno.EINVAL, "delete is not supported by RINGBUF"); }

    @Override
    public byte[] getNextKey(byte[] key) { throw new BpfException(Errno.ENOTSUPP, "get_next_key is not supported by RINGBUF"); }

    /** {@code ringbuf_map_mem_usage}: the struct, the page array and the pages (meta + data once). */
    @Override
    public long memUsage() {
        long nrPages = DATA_PAGE + size / PAGE;
        return MapHeader.SIZE + (nrPages + size / PAGE) * 8 + nrPages * PAGE;
    }

    @Override
    protected void freeStorage() { arena.free(base, area); }
}
