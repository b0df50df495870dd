package org.ebpf4j.vm.interp;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.VerifierOption;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.verifier.StructuralVerifier;

/**
 * The interpreter engine in the shape of uBPF's ubpf_exec(): check once at load, pre-decode, then
 * a loop with one switch ({@link Machine}). Each thread keeps one {@link Context} (registers and a
 * stack region in the arena) for all programs of this engine, so a run allocates nothing.
 *
 * <p>Virtual CPU ids are handed out round-robin to threads as they first run a program, modulo
 * {@code nrCpus}. (With more threads than CPUs two runs can share an id at once, which the kernel
 * never allows; the runtime that owns thread scheduling is expected to bound its threads.)
 * A thread's stack region is returned to the arena only when the engine is dropped with the
 * arena: a runtime with short-lived threads should run programs from a pool.
 */
public final class InterpEngine implements Engine {
    private final Arena arena;
    private final StructuralVerifier verifier;
    private final int nrCpus;
    private final AtomicInteger nextCpu = new AtomicInteger();
    private final ThreadLocal<Context> contexts;

    public InterpEngine(Arena arena, HelperTable helpers, Set<VerifierOption> options, int nrCpus) {
        if (nrCpus < 1) {
            throw new IllegalArgumentException("nrCpus must be at least 1, got " + nrCpus);
        }
        this.arena = arena;
        this.verifier = new StructuralVerifier(helpers, options);
        this.nrCpus = nrCpus;
        this.contexts = ThreadLocal.withInitial(() -> new Context(this, arena, nextCpu.getAndIncrement() % this.nrCpus));
    }

    @Override
    public Executable load(ProgramImage image) {
        return new InterpExecutable(this, new Decoded(verifier.verify(image)));
    }

    public Arena arena() { return arena; }

    long run(InterpExecutable exe, long r1, long r2) { return run(exe, r1, r2, null); }

    /** A tail call into {@code exe} from another engine's run ({@link Executable#runAsTailCall}). */
    long runContinued(InterpExecutable exe, org.ebpf4j.vm.RunState caller, long ctx) {
        return run(exe, ctx, 0, caller);
    }

    private long run(InterpExecutable exe, long r1, long r2, org.ebpf4j.vm.RunState caller) {
        Context ctx = contexts.get();
        if (!ctx.busy) {
            return runOn(ctx, exe, r1, r2, caller);
        }
        // A helper (or a tail call through another engine) started another run on this thread:
        // give it its own registers and stack.
        Context nested = new Context(this, arena, ctx.state.cpu());
        try {
            return runOn(nested, exe, r1, r2, caller);
        } finally {
            nested.release();
        }
    }

    /** One run; {@code caller} is the run it continues after a tail call, or null. */
    private static long runOn(Context ctx, InterpExecutable exe, long r1, long r2, org.ebpf4j.vm.RunState caller) {
        long[] r = ctx.r;
        r[0] = 0;
        r[1] = r1;
        r[2] = r2;
        r[3] = r[4] = r[5] = r[6] = r[7] = r[8] = r[9] = 0;
        r[10] = ctx.fp0;
        if (exe.decoded.needsRunState) {
            ctx.loops = Context.BPF_MAX_LOOPS;
            if (caller == null) {
                ctx.state.begin(exe);
            } else {
                ctx.state.continueRun(exe, caller);
            }
        }
        ctx.busy = true;
        try {
            return Machine.exec(ctx, exe.decoded, 0, 0);
        } finally {
            ctx.busy = false;
            if (caller != null && exe.decoded.needsRunState) {
                ctx.state.endContinuedRun(caller);
            }
        }
    }
}
