package org.ebpf4j.vm;

import org.ebpf4j.memory.Arena;

/**
 * One thread's BPF stack: {@link #MAX_FRAMES} frames of {@link #STACK} bytes in the arena (so
 * helpers can be handed stack pointers), frame k's r10 at {@code top() - k * STACK}, frames
 * growing down as on Linux. Both engines lay out their per-thread contexts on it, so a program's
 * stack addresses mean the same on either.
 */
public final class BpfStack {
    /** include/linux/filter.h MAX_BPF_STACK: bytes of stack per frame. */
    public static final int STACK = 512;
    /** include/linux/bpf_verifier.h MAX_CALL_FRAMES. */
    public static final int MAX_FRAMES = 8;
    /** Bytes of the whole region. */
    public static final long REGION = (long) STACK * MAX_FRAMES;

    private final Arena arena;
    private final long base;

    private BpfStack(Arena arena, long base) {
        this.arena = arena;
        this.base = base;
    }

    /** Allocates a region, or faults the run (as the kernel would fail the allocation) when the arena is full. */
    public static BpfStack allocate(Arena arena) {
        long base = arena.alloc(REGION);
        if (base == 0) {
            throw new ProgramFault(0, "arena exhausted: no memory for a " + REGION + "-byte BPF stack");
        }
        return new BpfStack(arena, base);
    }

    /** Lowest address of the region. */
    public long base() { return base; }

    /** r10 of the first frame: one past the region's end. */
    public long top() { return base + REGION; }

    public void release() { arena.free(base, REGION); }
}
