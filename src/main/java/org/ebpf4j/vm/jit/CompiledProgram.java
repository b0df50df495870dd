package org.ebpf4j.vm.jit;

/**
 * What each generated hidden class extends: the way into a compiled program from Java. Inside the
 * class, subprograms call each other with {@code invokestatic}; this is used once per run, per tail
 * call (the trampoline in {@link JitContext#runTailCalls}) and per callback. An abstract class
 * rather than an interface, so that those calls dispatch through the vtable (one indexed load)
 * instead of an itable search when the call site has seen many programs; the kernel patches a
 * direct jump there, which a JVM cannot.
 *
 * <p>{@code fp} is the frame's r10, {@code depth} its call-frame number (0 for the entry frame).
 */
abstract class CompiledProgram {
    /** Generated subclasses call this from their constructor. */
    CompiledProgram() {}

    /** Runs the main program in frame {@code depth}; r3-r5 start at 0. */
    abstract long entry(JitContext c, long r1, long r2, long fp, int depth);

    /** Runs subprogram number {@code sub} (index into the subprogram starts) as a callback frame. */
    abstract long callSub(JitContext c, int sub, long r1, long r2, long r3, long r4, long r5, long fp, int depth);
}
