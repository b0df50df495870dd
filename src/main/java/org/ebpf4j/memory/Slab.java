package org.ebpf4j.memory;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * A size-class allocator over an {@link Arena}, in the spirit of the kernel's kmalloc caches:
 * small objects (8 B to 2 KiB, powers of two) come from per-class free lists refilled a page at a
 * time; larger ones are whole runs of pages taken first-fit from a free-run map, with adjacent
 * free runs merged. Memory is handed out zeroed. A page is never returned from a small class to
 * the page pool (as a slab cache keeps its slabs), which keeps small allocation O(1).
 */
final class Slab {
    static final long PAGE = 4096;
    private static final int MIN_SHIFT = 3;   // 8 bytes
    private static final int MAX_SHIFT = 11;  // 2048 bytes

    private final Arena arena;
    private final long end;
    private long bump;
    private long allocated;
    @SuppressWarnings("unchecked")
    private final ArrayDeque<Long>[] classes = new ArrayDeque[MAX_SHIFT + 1];
    /** Free page runs: start offset → length in bytes. */
    private final TreeMap<Long, Long> freeRuns = new TreeMap<>();

    Slab(Arena arena, long start, long end) {
        this.arena = arena;
        this.bump = start;
        this.end = end;
        for (int s = MIN_SHIFT; s <= MAX_SHIFT; s++) {
            classes[s] = new ArrayDeque<>();
        }
    }

    private static int shiftFor(long size) {
        int s = 64 - Long.numberOfLeadingZeros(Math.max(size, 1) - 1);
        return Math.max(s, MIN_SHIFT);
    }

    static long roundedSize(long size) {
        int s = shiftFor(size);
        return s <= MAX_SHIFT ? 1L << s : (size + PAGE - 1) & -PAGE;
    }

    synchronized long alloc(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("allocation of " + size + " bytes");
        }
        int s = shiftFor(size);
        long off;
        if (s <= MAX_SHIFT) {
            ArrayDeque<Long> free = classes[s];
            if (free.isEmpty()) {
                long page = pages(PAGE);
                if (page < 0) {
                    return 0;
                }
                for (long o = page; o < page + PAGE; o += 1L << s) {
                    free.add(o);
                }
            }
            off = free.poll();
            allocated += 1L << s;
            arena.segment().asSlice(off, 1L << s).fill((byte) 0);
        } else {
            long len = (size + PAGE - 1) & -PAGE;
            off = pages(len);
            if (off < 0) {
                return 0;
            }
            allocated += len;
            arena.segment().asSlice(off, len).fill((byte) 0);
        }
        return Arena.BASE + off;
    }

    /** A run of {@code len} bytes (page multiple) as an offset, or -1. */
    private long pages(long len) {
        for (Map.Entry<Long, Long> run : freeRuns.entrySet()) {
            if (run.getValue() >= len) {
                long start = run.getKey();
                freeRuns.remove(start);
                if (run.getValue() > len) {
                    freeRuns.put(start + len, run.getValue() - len);
                }
                return start;
            }
        }
        if (end - bump < len) {
            return -1;
        }
        long start = bump;
        bump += len;
        return start;
    }

    synchronized void free(long addr, long size) {
        long off = arena.offset(addr, 1);
        int s = shiftFor(size);
        if (s <= MAX_SHIFT) {
            classes[s].push(off);
            allocated -= 1L << s;
            return;
        }
        long len = (size + PAGE - 1) & -PAGE;
        allocated -= len;
        // merge with neighbours so large runs can be reused
        Map.Entry<Long, Long> before = freeRuns.floorEntry(off);
        if (before != null && before.getKey() + before.getValue() == off) {
            off = before.getKey();
            len += before.getValue();
            freeRuns.remove(off);
        }
        Long afterLen = freeRuns.remove(off + len);
        if (afterLen != null) {
            len += afterLen;
        }
        if (off + len == bump) {
            bump = off;
        } else {
            freeRuns.put(off, len);
        }
    }

    synchronized long allocatedBytes() { return allocated; }
}
