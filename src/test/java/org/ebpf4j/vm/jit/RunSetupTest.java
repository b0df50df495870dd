package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both engines skip the RunState and may_goto set-up for programs with neither helper calls nor
 * may_goto: what a run can observe must not change. Each run of a may_goto program gets the whole
 * budget (kernel/bpf/verifier.c BPF_MAX_LOOPS), and a helper sees its own program as the running
 * one, whatever simple programs ran on the thread in between.
 */
class RunSetupTest {
    private static final int WHO = 1010;
    private final Arena arena = new Arena(1 << 22);
    private final HelperTable helpers = HelperTable.base();
    private final List<Object> seen = new ArrayList<>();

    @AfterEach
    void close() { arena.close(); }

    private Engine engine(String name) {
        helpers.register(new HelperProto(WHO, "test_who", (s, a, b, c, d, e) -> {
            seen.add(s.executable());
            return s.tailCallCount();
        }));
        return name.equals("jit") ? new JitCompiler(arena, helpers) : new Interpreter(arena, helpers);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void everyMayGotoRunGetsTheWholeBudget(String name) {
        Engine e = engine(name);
        // r0 counts the trips until may_goto is taken (budget spent)
        Executable counter = e.load(prog(movK(0, 0), ins(BPF_JMP | BPF_JCOND, 0, 0, 2, 0), alu64K(BPF_ADD, 0, 1),
                ja(-3), exit()));
        Executable simple = e.load(prog(movK(0, 7), exit()));
        assertEquals(8L * 1024 * 1024, counter.run(0));
        assertEquals(7, simple.run(0));
        assertEquals(8L * 1024 * 1024, counter.run(0), "the budget is reset for the next run");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void helpersSeeTheirOwnProgramAfterSimpleOnesRan(String name) {
        Engine e = engine(name);
        Executable a = e.load(prog(call(WHO), exit()));
        Executable b = e.load(prog(movK(0, 1), call(WHO), exit()));
        Executable simple = e.load(prog(movK(0, 7), exit()));
        assertEquals(0, a.run(0));
        assertEquals(7, simple.run(0));
        assertEquals(0, b.run(0));
        assertEquals(7, simple.run(0));
        assertEquals(0, a.run(0));
        assertEquals(List.of(a, b, a), seen);
    }
}
