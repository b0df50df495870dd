package org.ebpf4j.vm;

import java.util.Set;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.interp.InterpEngine;

/**
 * The interpreting {@link Engine}: the structural verifier at load, then
 * {@link org.ebpf4j.vm.interp.InterpEngine}'s run loop. The arena holds every address programs
 * use, including their stacks; the helper table decides which helper ids load.
 */
public final class Interpreter implements Engine {
    private final InterpEngine engine;

    /** Kernel checks, one virtual CPU per available processor. */
    public Interpreter(Arena arena, HelperTable helpers) {
        this(arena, helpers, Set.of(), Runtime.getRuntime().availableProcessors());
    }

    public Interpreter(Arena arena, HelperTable helpers, Set<VerifierOption> options) {
        this(arena, helpers, options, Runtime.getRuntime().availableProcessors());
    }

    public Interpreter(Arena arena, HelperTable helpers, Set<VerifierOption> options, int nrCpus) {
        this.engine = new InterpEngine(arena, helpers, options, nrCpus);
    }

    @Override
    public Executable load(ProgramImage image) { return engine.load(image); }
}
