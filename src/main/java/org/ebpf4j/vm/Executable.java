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

    ProgramImage image();

    /**
     * Which engine runs this program: {@code "interp"}, {@code "jit"}, or for a program the JIT
     * could not compile {@code "interp (jit fallback: <reason>)"} (issue 8: say so in the info).
     */
    default String engineName() { return "interp"; }
}
