package org.ebpf4j.vm.jit;

/**
 * What each generated hidden class implements: the way into a compiled program from Java. Inside
 * the class, subprograms call each other with {@code invokestatic}; this interface is used once per
 * run (and once per tail call or callback), so its megamorphic dispatch is off the hot path.
 *
 * <p>{@code fp} is the frame's r10, {@code depth} its call-frame number (0 for the entry frame).
 */
interface CompiledProgram {
    /** Runs the main program in frame {@code depth}; r3-r5 start at 0. */
    long entry(JitContext c, long r1, long r2, long fp, int depth);

    /** Runs subprogram number {@code sub} (index into the subprogram starts) as a callback frame. */
    long callSub(JitContext c, int sub, long r1, long r2, long r3, long r4, long r5, long fp, int depth);
}
