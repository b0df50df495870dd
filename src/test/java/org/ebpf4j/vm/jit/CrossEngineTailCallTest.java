package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.helper.BaseHelpers;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.helper.TailCallHelper;
import org.ebpf4j.vm.helper.TailCallSlots;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tail calls between programs of different engines (interpreter ↔ JIT, or two instances of one
 * engine): on Linux a tail call is a jump inside one program run, so the whole chain shares one
 * budget of MAX_TAIL_CALL_CNT = 33 (kernel/bpf/core.c JMP_TAIL_CALL; arch/x86/net/bpf_jit_comp.c
 * emit_bpf_tail_call_indirect, one tail_call_cnt per run, shared with bpf-to-bpf frames through
 * tail_call_cnt_ptr) whatever engine runs each program, and the caller never resumes after a taken
 * tail call. Before {@link Executable#runAsTailCall} a tail call into another engine started a
 * fresh run with a fresh budget, so two such programs calling each other recursed until the Java
 * stack or the arena ran out.
 */
class CrossEngineTailCallTest {
    private static final long MAP = 0x7000_1000L;
    private static final int DEPTH = 1020, COUNT = 1022;
    private final Arena arena = new Arena(1 << 24);
    private final HelperTable helpers = HelperTable.base();
    private final Executable[] slots = new Executable[40];
    private final List<Integer> javaDepths = new ArrayList<>();
    private final List<Integer> counts = new ArrayList<>();
    private final Map<Character, Engine> engines = new HashMap<>();

    CrossEngineTailCallTest() {
        helpers.register(new HelperProto(BaseHelpers.BPF_FUNC_tail_call, "bpf_tail_call", new TailCallHelper() {
            @Override
            public Executable tailCallTarget(long map, long idx) {
                return map == MAP && idx < slots.length ? slots[(int) idx] : null;
            }

            @Override
            public TailCallSlots slots(long map) {
                return map != MAP ? null : idx -> idx < slots.length ? slots[(int) idx] : null;
            }
        }));
        helpers.register(new HelperProto(DEPTH, "test_java_depth", (s, a, b, c, d, e) -> {
            javaDepths.add(StackWalker.getInstance().walk(st -> (int) st.count()));
            counts.add(s.tailCallCount());
            return 0;
        }));
        helpers.register(new HelperProto(COUNT, "test_count", (s, a, b, c, d, e) -> {
            counts.add(s.tailCallCount());
            return 0;
        }));
    }

    @AfterEach
    void close() { arena.close(); }

    /** I, i: two interpreters; J, K: two JIT compilers. */
    private Executable load(char engine, List<Object> parts) {
        Engine e = engines.computeIfAbsent(engine, k -> switch (k) {
            case 'I', 'i' -> new Interpreter(arena, helpers);
            case 'J', 'K' -> new JitCompiler(arena, helpers);
            default -> throw new IllegalArgumentException("engine " + k);
        });
        Executable x = e.load(prog(parts.toArray()));
        assertEquals(Character.toLowerCase(engine) == 'i' ? "interp" : "jit", x.engineName());
        return x;
    }

    /** r6 = r1; r2 = map; r3 = idx; call bpf_tail_call; r1 = r6 (what clang emits). */
    private static List<Object> tailCall(int idx) {
        List<Object> l = new ArrayList<>(List.of(movX(6, 1)));
        l.add(lddw(2, MAP));
        l.addAll(List.of(movK(3, idx), call(BaseHelpers.BPF_FUNC_tail_call), movX(1, 6)));
        return l;
    }

    /** *(u64 *)(ctx + off) += add */
    private static List<Object> bump(int off, int add) {
        return List.of(ins(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, off, 0), alu64K(BPF_ADD, 2, add),
                ins(BPF_STX | BPF_MEM | BPF_DW, 1, 2, off, 0));
    }

    /** record the Java stack depth and the run's tail-call count, keeping r1 */
    private static List<Object> probe() {
        return List.of(movX(6, 1), call(DEPTH), movX(1, 6));
    }

    private static List<Object> seq(List<?>... parts) {
        List<Object> all = new ArrayList<>();
        for (List<?> p : parts) {
            all.addAll(p);
        }
        return all;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"I, J", "J, I", "J, K", "I, i", "I, I", "J, J"})
    void aPingPongBetweenEnginesStopsAfter33TailCallsInAll(char a, char b) {
        // A: ctx += 1, tail call slot 1, r0 = 1;  B: ctx += 100, tail call slot 0, r0 = 2.
        slots[0] = load(a, seq(bump(0, 1), probe(), tailCall(1), List.of(movK(0, 1), exit())));
        slots[1] = load(b, seq(bump(0, 100), probe(), tailCall(0), List.of(movK(0, 2), exit())));
        long ctx = arena.alloc(8);
        // 1 run + 33 tail calls = 34 programs, A and B 17 times each; B's 34th call falls through
        assertEquals(2, slots[0].run(ctx));
        assertEquals(17 + 1700, arena.load64(ctx));
        assertEquals(rangeList(34), counts, "each program sees the run's count so far");
        // and the other way round: B first, A falls through last
        arena.store64(ctx, 0);
        counts.clear();
        assertEquals(1, slots[1].run(ctx));
        assertEquals(1700 + 17, arena.load64(ctx));
        assertEquals(rangeList(34), counts);
        // a second run has its own budget (the first run's count did not leak into the engines)
        arena.store64(ctx, 0);
        assertEquals(2, slots[0].run(ctx));
        assertEquals(17 + 1700, arena.load64(ctx));
    }

    private static List<Integer> rangeList(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    @ParameterizedTest
    @ValueSource(strings = {"I", "J", "IJ", "JI", "JII", "IJJ", "JK", "Ii", "JKI"})
    void aChainOf34DistinctProgramsStopsAtTheLast(String pattern) {
        // program k (k = 0..35, engine pattern[k % len]): ctx[0]++, ctx[1] = k, record depth and
        // count, tail call slot k + 1, r0 = 1000 + k. Runs 0..33; 33's tail call is the 34th: falls through.
        for (int k = 0; k < 36; k++) {
            slots[k] = load(pattern.charAt(k % pattern.length()), seq(bump(0, 1),
                    List.of(movK(2, k), ins(BPF_STX | BPF_MEM | BPF_DW, 1, 2, 8, 0)), probe(),
                    tailCall(k + 1), List.of(movK(0, 1000 + k), exit())));
        }
        long ctx = arena.alloc(16);
        assertEquals(1033, slots[0].run(ctx));
        assertEquals(34, arena.load64(ctx), "programs run");
        assertEquals(33, arena.load64(ctx + 8), "the last program to run");
        assertEquals(rangeList(34), counts);
        // The Java stack stays bounded: a cross-engine hop is one nested run (a few dozen frames),
        // and there are at most 33 hops. Far below the default thread stack's thousands of frames.
        int base = javaDepths.get(0);
        int deepest = javaDepths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertTrue(deepest - base < 33 * 40, "Java stack grew by " + (deepest - base) + " frames: " + javaDepths);
        if (pattern.equals("I")) {
            // one interpreter: a tail call is a jump inside its run loop, the Java stack does not grow
            assertEquals(1, javaDepths.stream().distinct().count(), "interpreter chain: " + javaDepths);
        }
    }

    @ParameterizedTest(name = "{0} main, {1} target")
    @CsvSource({"J, I", "I, J", "J, K", "I, i", "I, I", "J, J"})
    void tailCallsFromASubprogramCountAgainstTheMainFramesBudget(char main, char target) {
        // main: call sub; ctx[1]++; tail call slot 2 (returns 7); r0 = 99.
        // sub: tail call slot 1.  slot 1 (target engine): ctx[0]++, tail call slot 1 (itself), r0 = 5.
        // sub's call + 32 self calls spend the budget of 33, so main's tail call falls through: 99.
        slots[1] = load(target, seq(bump(0, 1), List.of(movX(6, 1), call(COUNT), movX(1, 6)), tailCall(1),
                List.of(movK(0, 5), exit())));
        slots[2] = load(target, List.of(movK(0, 7), exit()));
        List<Object> sub = seq(tailCall(1), List.of(movK(0, 55), exit()));
        List<Object> body = seq(List.of(movX(6, 1), callLocal(0), movX(1, 6)), bump(8, 1), tailCall(2),
                List.of(movK(0, 99), exit()));
        int subStart = prog(body.toArray()).insns().size();
        body.set(1, callLocal(subStart - 2));
        Executable m = load(main, seq(body, sub));
        long ctx = arena.alloc(16);
        assertEquals(99, m.run(ctx));
        assertEquals(33, arena.load64(ctx), "slot 1 ran 33 times");
        assertEquals(1, arena.load64(ctx + 8), "main went on after sub returned");
        assertEquals(RunState.MAX_TAIL_CALL_CNT, counts.get(counts.size() - 1));
    }
}
