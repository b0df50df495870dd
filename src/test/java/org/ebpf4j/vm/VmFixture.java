package org.ebpf4j.vm;

import java.util.Set;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;

/** An arena, a helper table and interpreters over them; closed after each test. */
public abstract class VmFixture {
    protected final Arena arena = new Arena(1 << 20);
    protected final HelperTable helpers = HelperTable.base();

    @AfterEach
    void closeArena() { arena.close(); }

    protected Executable load(ProgramImage image) {
        return new Interpreter(arena, helpers).load(image);
    }

    /** Loads with the bpf_conformance relaxations (constant traps, unreachable code, r2 at entry). */
    protected Executable loadLenient(ProgramImage image) {
        return new Interpreter(arena, helpers, VerifierOption.CONFORMANCE).load(image);
    }

    protected long run(Object... parts) { return load(Progs.prog(parts)).run(0); }

    protected long runLenient(Object... parts) { return loadLenient(Progs.prog(parts)).run(0); }

    protected VerifierException reject(Object... parts) {
        return org.junit.jupiter.api.Assertions.assertThrows(VerifierException.class,
                () -> load(Progs.prog(parts)));
    }

    protected VerifierException reject(Set<VerifierOption> options, Object... parts) {
        return org.junit.jupiter.api.Assertions.assertThrows(VerifierException.class,
                () -> new Interpreter(arena, helpers, options).load(Progs.prog(parts)));
    }
}
