package org.ebpf4j.vm.interp;

import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.RunState;

/**
 * Everything one thread needs to run programs, made once and reused run after run: registers,
 * the saved-register area of the call frames and a stack region in the arena (so helpers can be
 * handed stack pointers). Frame k's r10 is {@code fp0 - k * STACK}; frames grow down, as on Linux.
 * Never shared between threads; a nested run on the same thread gets a fresh context.
 */
final class Context implements RunState.Host {
    static final int STACK = org.ebpf4j.vm.BpfStack.STACK;
    static final int MAX_FRAMES = org.ebpf4j.vm.BpfStack.MAX_FRAMES;
    /** kernel/bpf/verifier.c BPF_MAX_LOOPS: the may_goto budget of one run. */
    static final long BPF_MAX_LOOPS = 8L * 1024 * 1024;

    final InterpEngine engine;
    final Arena arena;
    final org.ebpf4j.vm.BpfStack stack;
    final long fp0;
    final long[] r = new long[11];
    /** r6-r10 of each caller frame, 5 per frame. */
    final long[] saved = new long[5 * MAX_FRAMES];
    final int[] retPc = new int[MAX_FRAMES];
    final Decoded[] retProg = new Decoded[MAX_FRAMES];
    final RunState state;
    boolean busy;
    long loops;
    /** The program and frame depth at the latest helper call, for {@link #callback}. */
    Decoded curProg;
    int curDepth;
    /** Slot of the helper call in progress (for fault messages). */
    int callSite;

    Context(InterpEngine engine, Arena arena, int cpu) {
        this.engine = engine;
        this.arena = arena;
        this.stack = org.ebpf4j.vm.BpfStack.allocate(arena);
        this.fp0 = stack.top();
        this.state = new RunState(arena, this, cpu);
    }

    void release() { stack.release(); }

    @Override
    public long callback(RunState st, long funcPtr, long a1, long a2, long a3, long a4, long a5) {
        Decoded p = curProg;
        int depth = curDepth;
        int site = callSite;
        int target = p == null ? -1 : p.funcTarget(funcPtr);
        if (target < 0) {
            throw new ProgramFault(site, "callback 0x" + Long.toHexString(funcPtr)
                    + " is not a subprogram of " + (p == null ? "the running program" : p.verified.image().name()));
        }
        if (depth + 1 >= MAX_FRAMES) {
            throw new ProgramFault(site, "the call stack of " + (depth + 2) + " frames is too deep");
        }
        long s6 = r[6], s7 = r[7], s8 = r[8], s9 = r[9], s10 = r[10];
        int savedPc = callSite;
        r[1] = a1;
        r[2] = a2;
        r[3] = a3;
        r[4] = a4;
        r[5] = a5;
        r[10] = fp0 - (long) (depth + 1) * STACK;
        try {
            return Machine.exec(this, p, target, depth + 1);
        } finally {
            r[6] = s6;
            r[7] = s7;
            r[8] = s8;
            r[9] = s9;
            r[10] = s10;
            curProg = p;
            curDepth = depth;
            callSite = savedPc;
        }
    }

}
