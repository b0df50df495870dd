package org.ebpf4j.vm.jit;

import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.RunState;

/**
 * One thread's run state for compiled programs, reused run after run: the same stack mechanism as
 * the interpreter's context (a region of {@code MAX_FRAMES * STACK} bytes in the arena, frame k's
 * r10 at {@code fp0 - k * STACK}, frames growing down as on Linux), the {@link RunState} helpers
 * see, and the hand-offs between generated code and Java: the pending tail call and the register
 * files of split subprograms. Never shared between threads; a nested run gets a fresh one.
 */
final class JitContext implements RunState.Host {
    static final int STACK = org.ebpf4j.vm.BpfStack.STACK;
    static final int MAX_FRAMES = org.ebpf4j.vm.BpfStack.MAX_FRAMES;
    /** kernel/bpf/verifier.c BPF_MAX_LOOPS: the may_goto budget of one run. */
    static final long BPF_MAX_LOOPS = 8L * 1024 * 1024;

    final JitCompiler owner;
    final Arena arena;
    final org.ebpf4j.vm.BpfStack stack;
    final long fp0;
    final RunState state;
    /** r0-r9 of a split subprogram's frame, one file per frame depth (see {@link ClassGen}). */
    final long[][] regs = new long[MAX_FRAMES][10];
    boolean busy;
    /** may_goto budget left in this run; read and written by generated code. */
    long loops;
    /** Program, frame and slot of the latest helper call (for {@link #callback}); set by generated code. */
    JitExecutable curExe;
    int curDepth;
    int callSite;
    /** A tail call into one of our programs, to run once the requesting frame has returned. */
    JitExecutable tailTarget;
    long tailCtx;
    long tailR2;
    /** r0 of a tail call into another engine's program, for the frame that requested it to return. */
    long retVal;

    JitContext(JitCompiler owner, Arena arena, int cpu) {
        this.owner = owner;
        this.arena = arena;
        this.stack = org.ebpf4j.vm.BpfStack.allocate(arena);
        this.fp0 = stack.top();
        this.state = new RunState(arena, this, cpu);
    }

    void release() { stack.release(); }

    /**
     * Called by generated code after a helper asked for a tail call: takes it (the budget is
     * RunState's). Returns false if it falls through (budget spent); true if the calling frame must
     * return now: either {@link #tailTarget} is set for the trampoline of the frame's caller, or a
     * program of another engine already ran and its r0 is in {@link #retVal}.
     */
    boolean takeTail(long ctxArg, long r2) {
        Executable t = state.takeTailCall();
        if (t == null) {
            return false;
        }
        if (t instanceof JitExecutable je && je.owner == owner) {
            tailTarget = je;
            tailCtx = ctxArg;
            tailR2 = r2;
            return true;
        }
        retVal = t.runAsTailCall(state, ctxArg);
        return true;
    }

    /**
     * The inline bpf_tail_call after its slot read, in its direct form (the x86-64 JIT's jump into
     * the target's body past its prologue, arch/x86/net/bpf_jit_comp.c emit_bpf_tail_call_indirect):
     * counts a tail call into {@code t} (null: an empty slot or an index out of range, which fall
     * through uncounted) and returns the code to continue in, which the calling frame invokes in its
     * own BPF frame and whose r0 it returns; null if the call falls through. A program of another
     * engine runs here, and {@link #FOREIGN_RAN} hands its r0 back. The slot was read by the caller
     * just now, so a PROG_ARRAY update is seen by the next tail call as on Linux; the Java stack grows
     * by at most {@link RunState#MAX_TAIL_CALL_CNT} calls per BPF frame.
     */
    CompiledProgram tailCallDirect(Executable t, long ctxArg, long r2) {
        if (t == null || !state.tryTailCall(t)) {
            return null;
        }
        if (t instanceof JitExecutable je && je.owner == owner) {
            return je.compiled;
        }
        retVal = t.runAsTailCall(state, ctxArg);
        return FOREIGN_RAN;
    }

    /** What {@link #tailCallDirect} returns after a foreign target ran: its "entry" returns that r0. */
    static final CompiledProgram FOREIGN_RAN = new CompiledProgram() {
        @Override
        long entry(JitContext c, long r1, long r2, long fp, int depth) { return c.retVal; }

        @Override
        long callSub(JitContext c, int sub, long r1, long r2, long r3, long r4, long r5, long fp, int depth) {
            throw new IllegalStateException("a foreign tail-call target has no subprograms here");
        }
    };

    /**
     * The tail-call trampoline: runs pending targets in frame {@code depth} (r10 = {@code fp})
     * until one exits without tail-calling. Each target replaces the previous one, so the Java stack
     * does not grow with the number of tail calls.
     */
    long runTailCalls(long fp, int depth) {
        long r0 = 0;
        for (JitExecutable t; (t = tailTarget) != null; ) {
            tailTarget = null;
            r0 = t.compiled.entry(this, tailCtx, tailR2, fp, depth);
        }
        return r0;
    }

    /** Same checks and messages as the interpreter's callback: the subprogram must exist, depth ≤ 8. */
    @Override
    public long callback(RunState st, long funcPtr, long a1, long a2, long a3, long a4, long a5) {
        JitExecutable p = curExe;
        int depth = curDepth;
        int site = callSite;
        int sub = p == null ? -1 : p.subprogOf(funcPtr);
        if (sub < 0) {
            throw new ProgramFault(site, "callback 0x" + Long.toHexString(funcPtr)
                    + " is not a subprogram of " + (p == null ? "the running program" : p.image().name()));
        }
        if (depth + 1 >= MAX_FRAMES) {
            throw new ProgramFault(site, "the call stack of " + (depth + 2) + " frames is too deep");
        }
        long fp = fp0 - (long) (depth + 1) * STACK;
        try {
            long r0 = p.compiled.callSub(this, sub, a1, a2, a3, a4, a5, fp, depth + 1);
            return tailTarget != null ? runTailCalls(fp, depth + 1) : r0;
        } finally {
            curExe = p;
            curDepth = depth;
            callSite = site;
        }
    }
}
