package org.ebpf4j.vm.helper;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.jit.JitCompiler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bpf_tail_call as both engines inline it ({@link TailCallHelper}): the slot read from the helper,
 * the count and the jump the engine's own, with the kernel's semantics (kernel/bpf/core.c
 * JMP_TAIL_CALL, arch/x86/net/bpf_jit_comp.c emit_bpf_tail_call_indirect): at most 33 per run,
 * only populated slots count (checked on this machine's Linux 6.18), the index is a u32.
 */
class TailCallHelperTest {
    private static final int COUNT = 1010;
    private final Arena arena = new Arena(1 << 22);
    private final HelperTable helpers = HelperTable.base();
    /** The prog array: index → program, null = empty slot; indexes past the end are out of range. */
    private final List<Executable> progArray = new ArrayList<>();
    private final List<Integer> counts = new ArrayList<>();

    TailCallHelperTest() {
        helpers.register(new HelperProto(BaseHelpers.BPF_FUNC_tail_call, "bpf_tail_call", (TailCallHelper) (map, idx) ->
                idx < progArray.size() ? progArray.get((int) idx) : null));
        helpers.register(new HelperProto(COUNT, "test_count", (s, a, b, c, d, e) -> {
            counts.add(s.tailCallCount());
            return 0;
        }));
    }

    @AfterEach
    void close() { arena.close(); }

    private static Engine engine(String name, Arena arena, HelperTable helpers) {
        return name.equals("jit") ? new JitCompiler(arena, helpers) : new Interpreter(arena, helpers);
    }

    private Executable load(String engine, Object... parts) {
        Executable e = engine(engine, arena, helpers).load(prog(parts));
        assertEquals(engine, e.engineName());
        return e;
    }

    /** r6 = ctx; r2 = map (0); r3 = idx; call bpf_tail_call; r1 = r6 */
    private static List<Object> tailCall(long idx) {
        List<Object> l = new ArrayList<>(List.of(movX(6, 1), movK(2, 0)));
        l.add(lddw(3, idx));
        l.addAll(List.of(call(BaseHelpers.BPF_FUNC_tail_call), movX(1, 6)));
        return l;
    }

    private static List<Object> seq(List<?>... parts) {
        List<Object> all = new ArrayList<>();
        for (List<?> p : parts) {
            all.addAll(p);
        }
        return all;
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aChainStopsAfter33AndTheHelpersSeeTheCount(String engine) {
        // ctx->count++; test_count(); tail call slot 0 (itself); r0 = 99
        Executable self = load(engine, seq(List.of(ins(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 0, 0), alu64K(BPF_ADD, 2, 1),
                ins(BPF_STX | BPF_MEM | BPF_DW, 1, 2, 0, 0), movX(6, 1), call(COUNT), movX(1, 6)),
                tailCall(0), List.of(movK(0, 99), exit())).toArray());
        progArray.add(self);
        long ctx = arena.alloc(8);
        assertEquals(99, self.run(ctx));
        assertEquals(1 + RunState.MAX_TAIL_CALL_CNT, arena.load64(ctx));
        List<Integer> want = new ArrayList<>();
        for (int i = 0; i <= RunState.MAX_TAIL_CALL_CNT; i++) {
            want.add(i);
        }
        assertEquals(want, counts, "RunState.tailCallCount() as each program of the chain sees it");
        assertEquals(99, self.run(ctx), "the budget is per run");
        assertEquals(2 * (1 + RunState.MAX_TAIL_CALL_CNT), arena.load64(ctx));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void emptySlotsAndIndexesOutOfRangeFallThroughUncounted(String engine) {
        progArray.add(load(engine, movK(0, 7), exit()));   // slot 0
        progArray.add(null);                               // slot 1: empty
        List<Object> empties = new ArrayList<>();
        List<Object> outOfRange = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            empties.addAll(tailCall(1));
            outOfRange.addAll(tailCall(5));
        }
        // Linux 6.18 (x86-64 JIT) returns 7 for both: 40 fall-throughs leave the whole budget
        assertEquals(7, load(engine, seq(empties, tailCall(0), List.of(movK(0, 1), exit())).toArray()).run(0));
        assertEquals(7, load(engine, seq(outOfRange, tailCall(0), List.of(movK(0, 1), exit())).toArray()).run(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void theIndexIsAU32AndAFallThroughLeavesR0Minus2(String engine) {
        progArray.add(load(engine, movX(0, 1), alu64K(BPF_ADD, 0, 1000), exit()));
        assertEquals(1005, load(engine, seq(tailCall(0x1_0000_0000L), List.of(exit())).toArray()).run(5),
                "index 2^32 is slot 0");
        assertEquals(TailCallHelper.FALL_THROUGH, load(engine, seq(tailCall(3), List.of(exit())).toArray()).run(5));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aTailCallFromASubprogramReturnsToItsCaller(String engine) {
        progArray.add(load(engine, movX(0, 1), alu64K(BPF_ADD, 0, 1000), exit()));
        List<Object> p = seq(List.of(callLocal(2), alu64K(BPF_ADD, 0, 1), exit()), tailCall(0),
                List.of(movK(0, 99), exit()));
        assertEquals(1006, load(engine, p.toArray()).run(5));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aTailCallIntoTheOtherEnginesProgramReturnsItsResult(String engine) {
        String other = engine.equals("jit") ? "interp" : "jit";
        progArray.add(load(other, movX(0, 1), alu64K(BPF_ADD, 0, 777), exit()));
        assertEquals(778, load(engine, seq(tailCall(0), List.of(movK(0, 99), exit())).toArray()).run(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void theGenericCallRequestsTheSameTailCall(String engine) {
        // a helper that calls bpf_tail_call's generic form (what a non-inlining caller gets)
        TailCallHelper h = (map, idx) -> idx < progArray.size() ? progArray.get((int) idx) : null;
        helpers.register(new HelperProto(1011, "test_generic_tail_call", (s, a, b, c, d, e) -> h.call(s, a, b, c, d, e)));
        progArray.add(load(engine, movX(0, 1), alu64K(BPF_ADD, 0, 1000), exit()));
        assertEquals(1005, load(engine, movK(2, 0), movK(3, 0), call(1011), movK(0, 99), exit()).run(5));
        assertEquals(TailCallHelper.FALL_THROUGH, load(engine, movK(2, 0), movK(3, 4), call(1011), exit()).run(5));
    }
}
