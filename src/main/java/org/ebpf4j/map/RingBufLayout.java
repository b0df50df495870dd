package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The arena layout of a BPF_MAP_TYPE_RINGBUF, described once (kernel/bpf/ringbuf.c
 * {@code struct bpf_ringbuf}, {@code struct bpf_ringbuf_hdr}; include/uapi/linux/bpf.h
 * {@code BPF_RINGBUF_*}). The pages are those the kernel vmaps, in the same order, so that a
 * record's {@code pg_off} means what it means on Linux and the mmap offsets user space knows
 * (consumer page at 0, producer page at 4096, data at 8192) are the pages from {@link #CONS_PAGE}:
 *
 * <pre>
 *  page 0           page 1          page 2                     page 3 ...        3+n ...
 *  +---------------+---------------+--------------------------+-----------------+-----------------+
 *  | meta (not     | consumer_pos  | producer_pos             | data pages      | the same data   |
 *  | mmapable):    | (u64)         | (u64)                    | (n = ring size  | again (mirror:  |
 *  | map address   |               |                          |  / 4096)        | see RingBufMap) |
 *  +---------------+---------------+--------------------------+-----------------+-----------------+
 *
 *  record:  0        4          8
 *           +--------+----------+----------------------------+ padding to 8
 *           | len    | pg_off   | sample (len & ~(BUSY|DISC)) |
 *           +--------+----------+----------------------------+
 *  len bit 31 = BPF_RINGBUF_BUSY_BIT (reserved, not committed), bit 30 = BPF_RINGBUF_DISCARD_BIT
 *  pg_off = (record header address - ring base) / 4096, so a sample finds its ring again
 * </pre>
 */
final class RingBufLayout {
    private RingBufLayout() {}

    static final long PAGE = 4096;
    /** Offset in page 0 of the map's kernel address (our stand-in for {@code container_of}). */
    static final long META_MAP_ADDR = 0;
    /** {@code RINGBUF_PGOFF}: pages before the consumer page. */
    static final long CONS_PAGE = 1;
    static final long PROD_PAGE = 2;
    /** {@code RINGBUF_PGOFF + RINGBUF_POS_PAGES}: pages before the data. */
    static final long DATA_PAGE = 3;

    static final int HDR_SZ = 8;                          // BPF_RINGBUF_HDR_SZ
    static final int BUSY_BIT = 1 << 31;                  // BPF_RINGBUF_BUSY_BIT
    static final int DISCARD_BIT = 1 << 30;               // BPF_RINGBUF_DISCARD_BIT
    static final int HDR_LEN = 0;
    static final int HDR_PG_OFF = 4;

    /** {@code RINGBUF_MAX_RECORD_SZ}: UINT_MAX / 4. */
    static final long MAX_RECORD_SZ = 0xffff_ffffL / 4;
    /** {@code RINGBUF_MAX_DATA_SZ}: the 32-bit pg_off less 8 spare bits and the meta pages. */
    static final long MAX_DATA_SZ = ((1L << 24) - 2 - 1) * PAGE;

    // bpf_ringbuf_submit/discard/output flags
    static final long BPF_RB_NO_WAKEUP = 1;
    static final long BPF_RB_FORCE_WAKEUP = 2;
    // bpf_ringbuf_query flags
    static final long BPF_RB_AVAIL_DATA = 0;
    static final long BPF_RB_RING_SIZE = 1;
    static final long BPF_RB_CONS_POS = 2;
    static final long BPF_RB_PROD_POS = 3;

    /** The record length a header's len word stands for: header + sample, rounded up to 8. */
    static long roundupLen(int len) {
        long sample = Integer.toUnsignedLong(len & ~(BUSY_BIT | DISCARD_BIT));
        return (sample + HDR_SZ + 7) & ~7L;
    }

    private static final VarHandle I32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle I64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    /** {@code smp_load_acquire} of a u32 (a record's len) at segment offset {@code off}. */
    static int loadAcquire32(MemorySegment seg, long off) { return (int) I32.getAcquire(seg, off); }

    static long loadAcquire64(MemorySegment seg, long off) { return (long) I64.getAcquire(seg, off); }

    static void storeRelease64(MemorySegment seg, long off, long v) { I64.setRelease(seg, off, v); }
}
