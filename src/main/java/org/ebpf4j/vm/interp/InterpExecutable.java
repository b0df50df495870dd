package org.ebpf4j.vm.interp;

import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramImage;

/** A program loaded into an {@link InterpEngine}; runs on the calling thread's context. */
final class InterpExecutable implements Executable {
    final InterpEngine engine;
    final Decoded decoded;

    InterpExecutable(InterpEngine engine, Decoded decoded) {
        this.engine = engine;
        this.decoded = decoded;
    }

    @Override
    public long run(long r1) { return engine.run(this, r1, 0); }

    @Override
    public long run(long r1, long r2) { return engine.run(this, r1, r2); }

    @Override
    public long runAsTailCall(org.ebpf4j.vm.RunState caller, long ctx) { return engine.runContinued(this, caller, ctx); }

    @Override
    public ProgramImage image() { return decoded.verified.image(); }

    @Override
    public String toString() { return "interpreted program " + image().name(); }
}
