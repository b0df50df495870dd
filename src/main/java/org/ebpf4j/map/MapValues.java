package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.ebpf4j.memory.Arena;

/**
 * Value copies with the rules of {@code copy_map_value}/{@code copy_map_value_locked}
 * (include/linux/bpf.h, kernel/bpf/helpers.c): the 4-byte {@code struct bpf_spin_lock} inside a
 * value is never copied (neither in nor out), and a locked copy holds the destination's or the
 * source's lock meanwhile. Copies are segment to segment so that the syscall path can copy from
 * a heap {@code byte[]} ({@code MemorySegment.ofArray}) and the program path from the arena with
 * the same code. {@code MemorySegment.copy} moves aligned 8-byte words atomically, so a reader
 * racing a copy sees each word whole (as with the kernel's memcpy on x86-64).
 */
public final class MapValues {
    private MapValues() {}

    public static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final int SPIN_LOCK_SIZE = 4;

    /** Copies {@code size} bytes, skipping {@code [lockOff, lockOff+4)} when lockOff >= 0. */
    public static void copy(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int size, int lockOff) {
        if (lockOff < 0) {
            MemorySegment.copy(src, srcOff, dst, dstOff, size);
            return;
        }
        if (lockOff > 0) {
            MemorySegment.copy(src, srcOff, dst, dstOff, lockOff);
        }
        int after = lockOff + SPIN_LOCK_SIZE;
        if (size > after) {
            MemorySegment.copy(src, srcOff + after, dst, dstOff + after, size - after);
        }
    }

    /** Copies out to user memory: as {@link #copy}, then the lock word reads as zero. */
    public static void copyOut(MemorySegment src, long srcOff, byte[] dst, int to, int size, int lockOff) {
        MemorySegment.copy(src, ValueLayout.JAVA_BYTE, srcOff, dst, to, size);
        if (lockOff >= 0) {
            java.util.Arrays.fill(dst, to + lockOff, to + lockOff + SPIN_LOCK_SIZE, (byte) 0);
        }
    }

    /** {@code copy_map_value_locked}: the copy happens under the lock in the arena-side value. */
    public static void copyLocked(Arena arena, long lockedValueAddr, MemorySegment src, long srcOff,
                           MemorySegment dst, long dstOff, int size, int lockOff) {
        long lockAddr = lockedValueAddr + lockOff;
        lock(arena, lockAddr);
        try {
            copy(src, srcOff, dst, dstOff, size, lockOff);
        } finally {
            unlock(arena, lockAddr);
        }
    }

    /** {@code bpf_spin_lock}: spin until the word goes 0 → 1 (kernel/bpf/helpers.c __bpf_spin_lock). */
    public static void lock(Arena arena, long lockAddr) {
        while (arena.compareAndExchange32(lockAddr, 0, 1) != 0) {
            Thread.onSpinWait();
        }
    }

    /** {@code bpf_spin_unlock}. */
    public static void unlock(Arena arena, long lockAddr) {
        arena.getAndSet32(lockAddr, 0);
    }

    /** Zeroes the lock word of a value just (re)initialised ({@code check_and_init_map_value}). */
    public static void initLock(Arena arena, long value, int lockOff) {
        if (lockOff >= 0) {
            arena.store32(value + lockOff, 0);
        }
    }

    /** Equality of {@code size} bytes at two segment offsets (key compare without allocation). */
    public static boolean equal(MemorySegment a, long aOff, MemorySegment b, long bOff, int size) {
        if (size == 4) {
            return a.get(I32, aOff) == b.get(I32, bOff);
        }
        if (size == 8) {
            return a.get(I64, aOff) == b.get(I64, bOff);
        }
        return MemorySegment.mismatch(a, aOff, aOff + size, b, bOff, bOff + size) == -1;
    }
}
