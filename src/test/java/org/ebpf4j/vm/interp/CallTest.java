package org.ebpf4j.vm.interp;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.VmFixture;
import org.ebpf4j.vm.helper.BaseHelpers;
import org.ebpf4j.vm.helper.HelperProto;
import org.junit.jupiter.api.Test;

/** bpf-to-bpf calls, helper dispatch, callbacks (bpf_loop shape), tail calls, reentrancy. */
class CallTest extends VmFixture {
    private static final int SUM5 = 1000, LOOP = 1001, CALLBACK = 1002, RERUN = 1003;

    /** ld_imm64 BPF_PSEUDO_FUNC naming the slot {@code rel + 1} after its first slot. */
    private static Insn[] funcPtr(int dst, int rel) {
        return new Insn[] {ins(LD_IMM64, dst, BPF_PSEUDO_FUNC, 0, rel), ins(0, 0, 0, 0, 0)};
    }

    private static Insn jneK(int dst, int imm, int off) { return ins(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm); }

    @Test
    void localCallPassesR1ToR5AndPreservesR6ToR9() {
        // conformance call_local.data; slots: 0-9 movs, 10 call, 11-15 checks, 16-17 ok, 18-19 failed, 20- func1
        long got = run(movK(0, 0), movK(1, 1), movK(2, 2), movK(3, 3), movK(4, 4), movK(5, 5),
                movK(6, 6), movK(7, 7), movK(8, 8), movK(9, 9),
                callLocal(9),
                jneK(0, 15, 6), jneK(6, 6, 5), jneK(7, 7, 4), jneK(8, 8, 3), jneK(9, 9, 2),
                movK(0, 1), exit(),
                movK(0, -1), exit(),
                movK(0, 0), alu64X(BPF_ADD, 0, 1), alu64X(BPF_ADD, 0, 2), alu64X(BPF_ADD, 0, 3),
                alu64X(BPF_ADD, 0, 4), alu64X(BPF_ADD, 0, 5),
                movK(6, 0), movK(7, 0), movK(8, 0), movK(9, 0), exit());
        assertEquals(1, got);
    }

    @Test
    void eachFrameHasItsOwn512ByteStack() {
        // main: [fp-8] = 0x11; r0 = call f; r0 = fp - r0 (= 512); r1 = [fp-8]; r0 = r0 * 1000 + r1
        // f:    [fp-8] = 0x22; r0 = fp; exit
        long got = run(
                ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0x11),   // 0
                callLocal(6),                                        // 1 -> 8
                movX(1, 10), alu64X(BPF_SUB, 1, 0),                  // 2, 3: r1 = fp - callee fp
                alu64K(BPF_MUL, 1, 1000),                            // 4
                ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 0),       // 5
                alu64X(BPF_ADD, 0, 1),                               // 6
                exit(),                                              // 7
                ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0x22),    // 8
                movX(0, 10), exit());
        assertEquals(512 * 1000 + 0x11, got);
    }

    /** main -> f1 -> ... -> f{n-1}, each fi is "call f(i+1); exit", the last "r0 = 42; exit". */
    static List<Object> chain(int frames) {
        List<Object> p = new ArrayList<>();
        for (int i = 0; i < frames - 1; i++) {
            p.add(callLocal(1));
            p.add(exit());
        }
        p.add(movK(0, 42));
        p.add(exit());
        return p;
    }

    @Test
    void eightFramesRun() {
        assertEquals(42, run(chain(8).toArray()));
    }

    @Test
    void helperGetsR1ToR5AndItsResultLandsInR0() {
        helpers.register(new HelperProto(SUM5, "test_sum5",
                (s, a, b, c, d, e) -> a + 10 * b + 100 * c + 1000 * d + 10000 * e));
        long got = run(movK(1, 1), movK(2, 2), movK(3, 3), movK(4, 4), movK(5, 5), movK(6, 7),
                call(SUM5), alu64X(BPF_ADD, 0, 6), exit());
        assertEquals(54321 + 7, got);
    }

    @Test
    void baseHelpersAnswerThroughTheTable() {
        Interpreter one = new Interpreter(arena, helpers, Set.of(), 1);
        assertEquals(0, one.load(prog(call(BaseHelpers.BPF_FUNC_get_smp_processor_id), exit())).run(0));
        assertEquals(0, one.load(prog(call(BaseHelpers.BPF_FUNC_get_numa_node_id), exit())).run(0));
        // two clock reads in one run never go backwards: returns second - first >= 0 as signed
        long delta = run(call(BaseHelpers.BPF_FUNC_ktime_get_ns), movX(6, 0),
                call(BaseHelpers.BPF_FUNC_ktime_get_ns), alu64X(BPF_SUB, 0, 6), exit());
        assertTrue(delta >= 0, "ktime went backwards by " + delta);
        long rnd = run(call(BaseHelpers.BPF_FUNC_get_prandom_u32), exit());
        assertEquals(0, rnd >>> 32, "u32 zero-extended");
        long jiffies = run(call(BaseHelpers.BPF_FUNC_jiffies64), exit());
        assertTrue(Long.compareUnsigned(jiffies, BaseHelpers.INITIAL_JIFFIES) >= 0, "jiffies start at INITIAL_JIFFIES");
    }

    @Test
    void cpuIdsAreRoundRobinPerThreadWithinNrCpus() throws Exception {
        Executable p = new Interpreter(arena, helpers, Set.of(), 2)
                .load(prog(call(BaseHelpers.BPF_FUNC_get_smp_processor_id), exit()));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Set<Long> seen = new HashSet<>();
            List<Future<Long>> fs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                fs.add(pool.submit(() -> {
                    long first = p.run(0);
                    assertEquals(first, p.run(0), "a thread keeps its CPU");
                    Thread.sleep(50);                      // keep the thread busy so all 3 are used
                    return first;
                }));
            }
            for (Future<Long> f : fs) {
                long cpu = f.get();
                assertTrue(cpu == 0 || cpu == 1, "cpu " + cpu);
                seen.add(cpu);
            }
            assertEquals(Set.of(0L, 1L), seen);
        } finally {
            pool.shutdownNow();
        }
    }

    /** bpf_loop(nr, callback, ctx, flags) as in kernel/bpf/bpf_iter.c: stops when the callback returns 1. */
    private void registerLoop() {
        helpers.register(new HelperProto(LOOP, "test_loop", (s, nr, fn, ctx, flags, unused) -> {
            for (long i = 0; i < nr; i++) {
                if (s.callback(fn, i, ctx, 0, 0, 0) == 1) {
                    return i + 1;
                }
            }
            return nr;
        }));
    }

    @Test
    void callbackRunsTheSubprogramAsANewFrame() {
        registerLoop();
        long ctx = arena.alloc(8);
        Executable p = load(prog(
                movX(6, 1),                                          // 0  r6 = ctx
                ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 85),       // 1  main's stack slot
                movX(3, 1), movK(1, 5),                              // 2, 3
                funcPtr(2, 8),                                       // 4, 5 -> 13
                movK(4, 0),                                          // 6
                call(LOOP),                                          // 7
                ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 6, 0, 0),         // 8  r0 = *ctx
                ins(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -8, 0),       // 9
                alu64K(BPF_MUL, 1, 1000), alu64X(BPF_ADD, 0, 1),     // 10, 11
                exit(),                                              // 12
                movX(0, 1), alu64K(BPF_MUL, 0, 2),                   // 13 cb(i, ctx): *ctx += 2 * i
                ins(BPF_LDX | BPF_MEM | BPF_DW, 3, 2, 0, 0),
                alu64X(BPF_ADD, 3, 0),
                ins(BPF_STX | BPF_MEM | BPF_DW, 2, 3, 0, 0),
                ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0x77),     // its own frame, not main's
                movK(0, 0), exit()));
        assertEquals(85 * 1000 + 20, p.run(ctx));
        assertEquals(20, arena.load64(ctx));
    }

    @Test
    void callbackStopsWhenItReturnsOne() {
        registerLoop();
        // loop 100 times over cb(i) = (i == 3); returns the helper's count
        long got = run(movK(1, 100), funcPtr(2, 5), movK(3, 0), movK(4, 0), call(LOOP), exit(),
                movK(0, 0), jneK(1, 3, 1), movK(0, 1), exit());
        assertEquals(4, got);
    }

    /** Helper that calls back the function pointer it gets in r1. */
    private void registerCallback() {
        helpers.register(new HelperProto(CALLBACK, "test_callback", (s, fn, b, c, d, e) -> s.callback(fn, 0, 0, 0, 0, 0)));
    }

    /** main loads &cb into r1 and goes {@code frames - 1} calls deep; the last frame hands r1 to the helper. */
    private Executable callbackAtDepth(int frames) {
        List<Object> p = new ArrayList<>();
        int cb = 2 + 2 * frames;                                     // main is 4 slots, each fn 2
        p.add(funcPtr(1, cb - 1));
        p.add(callLocal(1));
        p.add(exit());
        for (int i = 1; i < frames - 1; i++) {
            p.add(callLocal(1));
            p.add(exit());
        }
        p.add(call(CALLBACK));
        p.add(exit());
        p.add(movK(0, 31));
        p.add(exit());
        return load(prog(p.toArray()));
    }

    @Test
    void callbackFromTheSeventhFrameRunsAsTheEighth() {
        registerCallback();
        assertEquals(31, callbackAtDepth(7).run(0));
    }

    @Test
    void callbackBeyondEightFramesAbortsTheRun() {
        registerCallback();
        Executable p = callbackAtDepth(8);
        ProgramFault f = assertThrows(ProgramFault.class, () -> p.run(0));
        assertEquals(2 + 2 * 7, f.insnIndex(), "the helper call in the eighth frame");
        assertTrue(f.getMessage().contains("the call stack of 9 frames is too deep"), f.getMessage());
    }

    @Test
    void callbackOnSomethingThatIsNoSubprogramAborts() {
        registerCallback();
        Executable p = load(prog(movK(1, 12345), call(CALLBACK), exit()));
        ProgramFault f = assertThrows(ProgramFault.class, () -> p.run(0));
        assertEquals(1, f.insnIndex());
        // a real function pointer moved off the subprogram start is refused too
        Executable q = load(prog(funcPtr(1, 4), alu64K(BPF_ADD, 1, 8), call(CALLBACK), exit(), movK(0, 0), exit()));
        assertThrows(ProgramFault.class, () -> q.run(0));
    }

    // ---- tail calls ----

    private final List<Executable> progArray = new ArrayList<>();

    /** bpf_tail_call(ctx, map, index) over {@link #progArray}; returns -ENOENT if it falls through. */
    private void registerTailCall() {
        helpers.register(new HelperProto(BaseHelpers.BPF_FUNC_tail_call, "bpf_tail_call", (s, ctx, map, idx, d, e) -> {
            if (idx < progArray.size()) {
                s.requestTailCall(progArray.get((int) idx));
            }
            return -2;
        }));
    }

    /** r2 = 0 (map), r3 = idx; call bpf_tail_call; r0 = 99; exit */
    private static List<Object> tailCall(int idx) {
        return List.of(movK(2, 0), movK(3, idx), call(BaseHelpers.BPF_FUNC_tail_call), movK(0, 99), exit());
    }

    @Test
    void tailCallReplacesTheProgramAndPassesTheContext() {
        registerTailCall();
        progArray.add(load(prog(movX(0, 1), alu64K(BPF_ADD, 0, 1000), exit())));
        assertEquals(1005, load(prog(tailCall(0).toArray())).run(5));
        assertEquals(99, load(prog(tailCall(7).toArray())).run(5), "empty slot: falls through");
    }

    @Test
    void tailCallFromASubprogramReturnsToItsCaller() {
        registerTailCall();
        progArray.add(load(prog(movX(0, 1), alu64K(BPF_ADD, 0, 1000), exit())));
        List<Object> p = new ArrayList<>(List.of(callLocal(2), alu64K(BPF_ADD, 0, 1), exit()));
        p.addAll(tailCall(0));
        assertEquals(1006, load(prog(p.toArray())).run(5));
    }

    @Test
    void atMost33TailCallsThenTheCallFallsThrough() {
        registerTailCall();
        // count runs in *ctx, then tail-call itself
        Executable self = load(prog(
                ins(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 0, 0), alu64K(BPF_ADD, 2, 1),
                ins(BPF_STX | BPF_MEM | BPF_DW, 1, 2, 0, 0),
                tailCall(0)));
        progArray.add(self);
        long ctx = arena.alloc(8);
        assertEquals(99, self.run(ctx));
        assertEquals(1 + RunState.MAX_TAIL_CALL_CNT, arena.load64(ctx));
        assertEquals(99, self.run(ctx), "the budget is per run");
        assertEquals(2 * (1 + RunState.MAX_TAIL_CALL_CNT), arena.load64(ctx));
    }

    @Test
    void tailCallIntoAnotherEnginesProgramReturnsItsResult() {
        registerTailCall();
        progArray.add(new Executable() {
            @Override public long run(long r1) { return r1 + 777; }
            @Override public long run(long r1, long r2) { return r1 + 777; }
            @Override public org.ebpf4j.vm.ProgramImage image() { return prog(exit()); }
        });
        assertEquals(778, load(prog(tailCall(0).toArray())).run(1));
    }

    // ---- reentrancy and failures ----

    @Test
    void aHelperMayRunAnotherProgramOnTheSameThread() {
        Executable inner = load(prog(ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 99), movX(0, 1),
                alu64K(BPF_MUL, 0, 2), exit()));
        helpers.register(new HelperProto(RERUN, "test_rerun", (s, a, b, c, d, e) -> inner.run(a)));
        long got = run(ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 5), movK(6, 3), movK(1, 21), call(RERUN),
                ins(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -8, 0), alu64X(BPF_ADD, 0, 1), alu64X(BPF_ADD, 0, 6), exit());
        assertEquals(42 + 5 + 3, got);
    }

    @Test
    void aThrowingHelperBecomesAProgramFaultAtTheCall() {
        helpers.register(new HelperProto(SUM5, "test_broken", (s, a, b, c, d, e) -> {
            throw new IllegalStateException("boom");
        }));
        Executable p = load(prog(movK(0, 0), call(SUM5), exit()));
        ProgramFault f = assertThrows(ProgramFault.class, () -> p.run(0));
        assertEquals(1, f.insnIndex());
        assertTrue(f.getCause() instanceof IllegalStateException);
        // the thread's context is usable again afterwards
        assertEquals(7, load(prog(movK(0, 7), exit())).run(0));
    }

    @Test
    void programsRunConcurrentlyWithoutSharingRegistersOrStack() throws Exception {
        // r0 = ctx; spill to stack, burn some insns, reload: any sharing would mix values
        Executable p = load(prog(ins(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8, 0), movK(2, 1000),
                alu64K(BPF_SUB, 2, 1), jneK(2, 0, -2),
                ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 0), exit()));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long id = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        long v = id * 1_000_000 + i;
                        assertEquals(v, p.run(v));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertNotEquals(0, arena.allocatedBytes());
    }
}
