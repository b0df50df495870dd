package org.ebpf4j.vm;

/**
 * A loaded program, ready to run. Thread-safe and reentrant: any number of threads may run it at
 * once, and a helper may run it (or another program) again from inside a run.
 */
public interface Executable {
    /** Runs with {@code r1} (usually the context pointer); returns {@code r0} at exit. */
    long run(long r1);

    /** Runs with {@code r1} and {@code r2} set (userspace-VM convention: memory pointer, length). */
    long run(long r1, long r2);

    /**
     * Runs this program as the target of a tail call that the run behind {@code caller} has just
     * taken and counted, when this program belongs to another engine (or another instance of the
     * same engine) than the caller's: the same program run continues here, with r1 = {@code ctx}.
     * On Linux a tail call is a jump, so the whole chain shares one MAX_TAIL_CALL_CNT budget
     * whatever program runs where (kernel/bpf/core.c JMP_TAIL_CALL, arch/x86/net/bpf_jit_comp.c
     * emit_bpf_tail_call_indirect: one tail_call_cnt per run): an engine starts this run with
     * {@code caller}'s count ({@link RunState#continueRun}) and hands the count back when it
     * returns ({@link RunState#endContinuedRun}), so a chain bouncing between engines stops after
     * {@link RunState#MAX_TAIL_CALL_CNT} calls in all. The caller returns this r0 as its frame's
     * own: a tail call never returns into the program that made it.
     *
     * <p>The default, for a program that is no engine's (a test double), is a plain {@link #run}.
     */
    default long runAsTailCall(RunState caller, long ctx) { return run(ctx); }

    ProgramImage image();

    /**
     * Which engine runs this program: {@code "interp"}, {@code "jit"}, or for a program the JIT
     * could not compile {@code "interp (jit fallback: <reason>)"} (issue 8: say so in the info).
     */
    default String engineName() { return "interp"; }
}
