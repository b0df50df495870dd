package org.ebpf4j.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The one region of memory a runtime's programs can address: stacks, contexts, map values,
 * packet data all live here. Every address a program holds is {@code BASE + offset}; NULL is 0
 * and never valid. Each access is bounds-checked against the arena, so a wrong program gets a
 * {@link MemoryFault} (or a wrong answer) but can never reach outside or crash the JVM.
 *
 * <p>{@code BASE} looks like a kernel direct-map address so that pointers printed by programs
 * look as they would on Linux, and so that no small integer is ever a valid pointer.
 *
 * <p>Thread-safe: plain loads/stores are as racy as they are on the kernel's memory; the atomic
 * operations are real atomics on the underlying segment.
 */
public final class Arena implements AutoCloseable {
    /** Address of arena offset 0. */
    public static final long BASE = 0xffff_8880_0000_0000L;

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle ATOMIC_I32 =
            ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle().withInvokeExactBehavior();
    private static final VarHandle ATOMIC_I64 =
            ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle().withInvokeExactBehavior();

    private final java.lang.foreign.Arena owner;
    private final MemorySegment segment;
    private final long size;
    private final Slab slab;

    /** Reserves {@code size} bytes of zeroed off-heap memory. The first page is never handed out. */
    public Arena(long size) {
        if (size < 2 * Slab.PAGE) {
            throw new IllegalArgumentException("arena of " + size + " bytes is too small");
        }
        this.owner = java.lang.foreign.Arena.ofShared();
        this.segment = owner.allocate(size, 4096);
        this.size = size;
        this.slab = new Slab(this, Slab.PAGE, size);
    }

    public MemorySegment segment() { return segment; }

    public long size() { return size; }

    /**
     * The segment offset of {@code [addr, addr+len)}, or a {@link MemoryFault} if any of it lies
     * outside the arena.
     */
    public long offset(long addr, long len) {
        long off = addr - BASE;
        if (Long.compareUnsigned(off, size) >= 0 || Long.compareUnsigned(len, size - off) > 0) {
            throw new MemoryFault(addr, (int) Math.min(len, Integer.MAX_VALUE));
        }
        return off;
    }

    /** True if {@code [addr, addr+len)} lies inside the arena. */
    public boolean contains(long addr, long len) {
        long off = addr - BASE;
        return Long.compareUnsigned(off, size) < 0 && Long.compareUnsigned(len, size - off) <= 0;
    }

    public static long address(long offset) { return BASE + offset; }

    // ---- plain loads (zero-extended) and stores, by access size in bytes ----

    public long load(long addr, int bytes) {
        return switch (bytes) {
            case 1 -> load8(addr);
            case 2 -> load16(addr);
            case 4 -> load32(addr);
            case 8 -> load64(addr);
            default -> throw new IllegalArgumentException("access size " + bytes);
        };
    }

    public void store(long addr, int bytes, long value) {
        switch (bytes) {
            case 1 -> store8(addr, value);
            case 2 -> store16(addr, value);
            case 4 -> store32(addr, value);
            case 8 -> store64(addr, value);
            default -> throw new IllegalArgumentException("access size " + bytes);
        }
    }

    public long load8(long addr) { return segment.get(ValueLayout.JAVA_BYTE, offset(addr, 1)) & 0xffL; }

    public long load16(long addr) { return segment.get(I16, offset(addr, 2)) & 0xffffL; }

    public long load32(long addr) { return segment.get(I32, offset(addr, 4)) & 0xffffffffL; }

    public long load64(long addr) { return segment.get(I64, offset(addr, 8)); }

    public void store8(long addr, long v) { segment.set(ValueLayout.JAVA_BYTE, offset(addr, 1), (byte) v); }

    public void store16(long addr, long v) { segment.set(I16, offset(addr, 2), (short) v); }

    public void store32(long addr, long v) { segment.set(I32, offset(addr, 4), (int) v); }

    public void store64(long addr, long v) { segment.set(I64, offset(addr, 8), v); }

    // ---- atomics (the address must be naturally aligned, as the verifier demands) ----

    private long alignedOffset(long addr, int bytes) {
        long off = offset(addr, bytes);
        if ((off & (bytes - 1)) != 0) {
            throw new MemoryFault(addr, bytes);
        }
        return off;
    }

    public int getAndAdd32(long addr, int v) { return (int) ATOMIC_I32.getAndAdd(segment, alignedOffset(addr, 4), v); }

    public long getAndAdd64(long addr, long v) { return (long) ATOMIC_I64.getAndAdd(segment, alignedOffset(addr, 8), v); }

    public int getAndOr32(long addr, int v) { return (int) ATOMIC_I32.getAndBitwiseOr(segment, alignedOffset(addr, 4), v); }

    public long getAndOr64(long addr, long v) { return (long) ATOMIC_I64.getAndBitwiseOr(segment, alignedOffset(addr, 8), v); }

    public int getAndAnd32(long addr, int v) { return (int) ATOMIC_I32.getAndBitwiseAnd(segment, alignedOffset(addr, 4), v); }

    public long getAndAnd64(long addr, long v) { return (long) ATOMIC_I64.getAndBitwiseAnd(segment, alignedOffset(addr, 8), v); }

    public int getAndXor32(long addr, int v) { return (int) ATOMIC_I32.getAndBitwiseXor(segment, alignedOffset(addr, 4), v); }

    public long getAndXor64(long addr, long v) { return (long) ATOMIC_I64.getAndBitwiseXor(segment, alignedOffset(addr, 8), v); }

    public int getAndSet32(long addr, int v) { return (int) ATOMIC_I32.getAndSet(segment, alignedOffset(addr, 4), v); }

    public long getAndSet64(long addr, long v) { return (long) ATOMIC_I64.getAndSet(segment, alignedOffset(addr, 8), v); }

    /** Returns the value found (the kernel's cmpxchg semantics: r0 gets the old value). */
    public int compareAndExchange32(long addr, int expected, int v) {
        return (int) ATOMIC_I32.compareAndExchange(segment, alignedOffset(addr, 4), expected, v);
    }

    public long compareAndExchange64(long addr, long expected, long v) {
        return (long) ATOMIC_I64.compareAndExchange(segment, alignedOffset(addr, 8), expected, v);
    }

    public long loadAcquire64(long addr) { return (long) ATOMIC_I64.getAcquire(segment, alignedOffset(addr, 8)); }

    public void storeRelease64(long addr, long v) { ATOMIC_I64.setRelease(segment, alignedOffset(addr, 8), v); }

    // ---- bulk ----

    public void copyIn(long addr, byte[] src) { copyIn(addr, src, 0, src.length); }

    public void copyIn(long addr, byte[] src, int from, int len) {
        MemorySegment.copy(src, from, segment, ValueLayout.JAVA_BYTE, offset(addr, len), len);
    }

    public byte[] copyOut(long addr, int len) {
        byte[] out = new byte[len];
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset(addr, len), out, 0, len);
        return out;
    }

    /**
     * memmove within the arena. Copies of 1, 2, 4 or 8 bytes (a helper reading one field, e.g.
     * {@code bpf_skb_load_bytes(skb, off, &b, 1)}) are one load and one store: the bulk copy costs
     * tens of ns of setup, more than the rest of such a helper call.
     */
    public void copy(long dst, long src, long len) {
        long s = offset(src, len);
        long d = offset(dst, len);
        switch ((int) Math.min(len, 9)) {
            case 1 -> segment.set(ValueLayout.JAVA_BYTE, d, segment.get(ValueLayout.JAVA_BYTE, s));
            case 2 -> segment.set(I16, d, segment.get(I16, s));
            case 4 -> segment.set(I32, d, segment.get(I32, s));
            case 8 -> segment.set(I64, d, segment.get(I64, s));
            default -> MemorySegment.copy(segment, s, segment, d, len);
        }
    }

    public void fill(long addr, long len, byte value) {
        segment.asSlice(offset(addr, len), len).fill(value);
    }

    /** A view of {@code [addr, addr+len)}; bounds-checked once here. */
    public MemorySegment slice(long addr, long len) { return segment.asSlice(offset(addr, len), len); }

    // ---- allocation ----

    /**
     * Allocates {@code size} zeroed bytes aligned to 8 (to 4096 for sizes of a page or more) and
     * returns their address, or 0 if the arena is exhausted (as kmalloc returns NULL).
     */
    public long alloc(long size) { return slab.alloc(size); }

    /** Returns memory from {@link #alloc}; {@code size} must be the size it was allocated with. */
    public void free(long addr, long size) { slab.free(addr, size); }

    /** Bytes currently handed out by {@link #alloc}, rounded to their size classes. */
    public long allocatedBytes() { return slab.allocatedBytes(); }

    @Override
    public void close() { owner.close(); }
}
