package org.ebpf4j.vm.jit;

import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramImage;

/**
 * A program the JIT could not compile, run by the interpreter instead (issue 8: "fall back to the
 * interpreter per program only as a last resort, and say so in the program's info").
 */
final class JitFallback implements Executable {
    private final Executable interpreted;
    private final String reason;

    JitFallback(Executable interpreted, String reason) {
        this.interpreted = interpreted;
        this.reason = reason;
    }

    @Override
    public long run(long r1) { return interpreted.run(r1); }

    @Override
    public long run(long r1, long r2) { return interpreted.run(r1, r2); }

    @Override
    public long runAsTailCall(org.ebpf4j.vm.RunState caller, long ctx) { return interpreted.runAsTailCall(caller, ctx); }

    @Override
    public ProgramImage image() { return interpreted.image(); }

    @Override
    public String engineName() { return "interp (jit fallback: " + reason + ")"; }

    @Override
    public String toString() { return "interpreted program " + image().name() + " (jit fallback: " + reason + ")"; }
}
