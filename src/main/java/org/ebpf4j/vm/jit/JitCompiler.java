package org.ebpf4j.vm.jit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.VerifierOption;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.verifier.StructuralVerifier;
import org.ebpf4j.vm.verifier.VerifiedProgram;

/**
 * The compiling {@link Engine} (issue 8): the structural verifier at load, then each program, with
 * its bpf-to-bpf subprograms, becomes a hidden class ({@link ClassGen}) that HotSpot compiles to
 * native code. Runs give exactly what the {@link Interpreter} gives: r0, memory, helper calls in
 * order, and the same {@code ProgramFault} (slot index included) on a bad access.
 *
 * <p>As the interpreter, each thread keeps one {@link JitContext} (stack region in the arena,
 * RunState) for all programs of this engine; virtual CPU ids go round-robin to threads.
 * A program that cannot be compiled runs on the interpreter and says so in
 * {@link Executable#engineName()}.
 */
public final class JitCompiler implements Engine {
    private final Arena arena;
    private final HelperTable helpers;
    private final Set<VerifierOption> options;
    private final int nrCpus;
    private final int budget;
    private final StructuralVerifier verifier;
    private final AtomicInteger nextCpu = new AtomicInteger();
    private final AtomicLong classCount = new AtomicLong();
    private final ThreadLocal<JitContext> contexts;
    private volatile Interpreter fallback;

    /** Kernel checks, one virtual CPU per available processor. */
    public JitCompiler(Arena arena, HelperTable helpers) {
        this(arena, helpers, Set.of(), Runtime.getRuntime().availableProcessors());
    }

    public JitCompiler(Arena arena, HelperTable helpers, Set<VerifierOption> options) {
        this(arena, helpers, options, Runtime.getRuntime().availableProcessors());
    }

    public JitCompiler(Arena arena, HelperTable helpers, Set<VerifierOption> options, int nrCpus) {
        this(arena, helpers, options, nrCpus, Plan.DEFAULT_BUDGET);
    }

    /** {@code budget}: estimated bytecode bytes per generated method (tests lower it to force splitting). */
    JitCompiler(Arena arena, HelperTable helpers, Set<VerifierOption> options, int nrCpus, int budget) {
        if (nrCpus < 1) {
            throw new IllegalArgumentException("nrCpus must be at least 1, got " + nrCpus);
        }
        if (budget < 1) {
            throw new IllegalArgumentException("method budget must be positive, got " + budget);
        }
        this.arena = arena;
        this.helpers = helpers;
        this.options = Set.copyOf(options);
        this.nrCpus = nrCpus;
        this.budget = budget;
        this.verifier = new StructuralVerifier(helpers, options);
        this.contexts = ThreadLocal.withInitial(
                () -> new JitContext(this, arena, nextCpu.getAndIncrement() % this.nrCpus));
    }

    public Arena arena() { return arena; }

    /**
     * @throws org.ebpf4j.vm.VerifierException if the kernel would refuse the program's shape
     */
    @Override
    public Executable load(ProgramImage image) {
        VerifiedProgram v = verifier.verify(image);
        try {
            return compile(v);
        } catch (RuntimeException | LinkageError e) {
            return new JitFallback(interpreter().load(image), e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The bytes of the class a program compiles to (for tests and dumps); nothing is defined. */
    byte[] classBytes(ProgramImage image) {
        VerifiedProgram v = verifier.verify(image);
        return new ClassGen(className(image), v, arena, budget).generate();
    }

    private JitExecutable compile(VerifiedProgram v) {
        String name = className(v.image());
        ClassGen gen = new ClassGen(name, v, arena, budget);
        JitExecutable exe = new JitExecutable(this, v, name);
        byte[] bytes = gen.generate();
        try {
            MethodHandles.Lookup hidden = MethodHandles.lookup()
                    .defineHiddenClassWithClassData(bytes, gen.classData(exe, arena), true);
            exe.compiled = (CompiledProgram) hidden.findConstructor(hidden.lookupClass(),
                    MethodType.methodType(void.class)).invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("defining the class of " + v.image().name() + ": " + t, t);
        }
        return exe;
    }

    private String className(ProgramImage image) {
        StringBuilder sb = new StringBuilder("org.ebpf4j.vm.jit.Bpf_");
        for (char ch : image.name().toCharArray()) {
            sb.append(Character.isJavaIdentifierPart(ch) && ch < 128 ? ch : '_');
            if (sb.length() > 80) {
                break;
            }
        }
        return sb.append('_').append(classCount.incrementAndGet()).toString();
    }

    private Interpreter interpreter() {
        Interpreter i = fallback;
        if (i == null) {
            synchronized (this) {
                i = fallback;
                if (i == null) {
                    fallback = i = new Interpreter(arena, helpers, options, nrCpus);
                }
            }
        }
        return i;
    }

    long run(JitExecutable exe, long r1, long r2) { return run(exe, r1, r2, null); }

    /** A tail call into {@code exe} from another engine's run ({@link Executable#runAsTailCall}). */
    long runContinued(JitExecutable exe, RunState caller, long ctx) { return run(exe, ctx, 0, caller); }

    private long run(JitExecutable exe, long r1, long r2, RunState caller) {
        JitContext ctx = contexts.get();
        if (!ctx.busy) {
            return runOn(ctx, exe, r1, r2, caller);
        }
        // A helper (or a tail call through another engine) started another run on this thread:
        // give it its own stack and state.
        JitContext nested = new JitContext(this, arena, ctx.state.cpu());
        try {
            return runOn(nested, exe, r1, r2, caller);
        } finally {
            nested.release();
        }
    }

    /**
     * One run on a free context. Generated code records curExe/curDepth at each helper call, and
     * tailTarget is null between runs (the finally below), so only the RunState and the may_goto
     * budget need setting, and only for programs that can observe them (a program without helper
     * calls makes no tail call, so a continued run's count needs nothing either). {@code caller}
     * is the run this one continues after a tail call from another engine, or null.
     */
    private static long runOn(JitContext c, JitExecutable exe, long r1, long r2, RunState caller) {
        if (exe.needsRunState) {
            c.loops = JitContext.BPF_MAX_LOOPS;
            if (caller == null) {
                c.state.begin(exe);
            } else {
                c.state.continueRun(exe, caller);
            }
        }
        c.busy = true;
        try {
            long r0 = exe.compiled.entry(c, r1, r2, c.fp0, 0);
            return c.tailTarget != null ? c.runTailCalls(c.fp0, 0) : r0;
        } finally {
            c.busy = false;
            c.tailTarget = null;
            if (caller != null && exe.needsRunState) {
                c.state.endContinuedRun(caller);
            }
        }
    }
}
