package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.helper.BaseHelpers;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.helper.LoopHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bpf_loop (kernel/bpf/bpf_iter.c) as the JIT inlines it when the callback is a constant, as
 * kernel/bpf/verifier.c inline_bpf_loop does (bench sieve_loop): the same results as the
 * interpreter running {@link LoopHelper}: flags → -EINVAL, more than BPF_MAX_LOOPS → -E2BIG,
 * r0 = calls made, a non-zero callback return stops after that call, each call a new frame (depth
 * limit 8), callback arguments (index, ctx).
 */
class JitLoopTest {
    private final Arena arena = new Arena(1 << 22);
    private final HelperTable helpers = HelperTable.base();

    JitLoopTest() {
        helpers.register(new HelperProto(BaseHelpers.BPF_FUNC_loop, "bpf_loop", LoopHelper.BPF_LOOP));
    }

    @AfterEach
    void close() { arena.close(); }

    private Executable load(String engine, List<Object> parts) {
        Engine e = engine.equals("jit") ? new JitCompiler(arena, helpers) : new Interpreter(arena, helpers);
        Executable x = e.load(prog(parts.toArray()));
        assertEquals(engine, x.engineName());
        return x;
    }

    private static Insn[] funcPtr(int dst, int rel) {
        return new Insn[] {ins(LD_IMM64, dst, BPF_PSEUDO_FUNC, 0, rel), ins(0, 0, 0, 0, 0)};
    }

    /**
     * main(r1 = ctx): r0 = bpf_loop(nr, cb, ctx, flags); *(ctx + 8) = r0... returns r0.
     * cb(i, ctx): *(u64 *)ctx += i + 1; return i == stopAt. Slots: 0 r6=r1, 1 r1=nr, 2-3 r2=&cb,
     * 4 r3=r6, 5 r4=flags, 6 call, 7 exit; cb at 8.
     */
    private static List<Object> sumLoop(int nr, int flags, int stopAt) {
        return List.of(movX(6, 1), movK(1, nr), funcPtr(2, 8 - 3), movX(3, 6), movK(4, flags),
                call(BaseHelpers.BPF_FUNC_loop), exit(),
                // cb: r3 = *ctx; r3 += r1 + 1; *ctx = r3; r0 = (r1 == stopAt)
                ins(BPF_LDX | BPF_MEM | BPF_DW, 3, 2, 0, 0), alu64X(BPF_ADD, 3, 1), alu64K(BPF_ADD, 3, 1),
                ins(BPF_STX | BPF_MEM | BPF_DW, 2, 3, 0, 0), movK(0, 0),
                ins(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 1, stopAt), movK(0, 1), exit());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void callsTheCallbackNrTimesWithItsIndexAndContext(String engine) {
        long ctx = arena.alloc(8);
        assertEquals(10, load(engine, sumLoop(10, 0, -1)).run(ctx));
        assertEquals(55, arena.load64(ctx), "1 + 2 + ... + 10");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aNonZeroReturnStopsAndCountsThatCall(String engine) {
        long ctx = arena.alloc(8);
        assertEquals(4, load(engine, sumLoop(10, 0, 3)).run(ctx));
        assertEquals(1 + 2 + 3 + 4, arena.load64(ctx));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void flagsAndTooManyLoopsFailWithoutCalling(String engine) {
        long ctx = arena.alloc(8);
        assertEquals(Errno.EINVAL.negative(), load(engine, sumLoop(10, 1, -1)).run(ctx));
        assertEquals(Errno.E2BIG.negative(), load(engine, sumLoop((int) LoopHelper.BPF_MAX_LOOPS + 1, 0, -1)).run(ctx));
        assertEquals(0, load(engine, sumLoop(0, 0, -1)).run(ctx));
        assertEquals(0, arena.load64(ctx), "no call made");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void nrLoopsIsAU32(String engine) {
        // r1 = 0x1_0000_0003 (ld_imm64): bpf_loop takes the low 32 bits, 3 calls
        List<Object> p = new ArrayList<>(sumLoop(0, 0, -1));
        p.set(1, lddw(1, 0x1_0000_0003L));
        p.set(2, funcPtr(2, 9 - 4));
        long ctx = arena.alloc(8);
        assertEquals(3, load(engine, p).run(ctx));
        assertEquals(6, arena.load64(ctx));
    }

    /** The loop from frame {@code frames - 1} (main calls down first); cb returns 1 at once. */
    private static List<Object> loopAtDepth(int frames) {
        List<Object> p = new ArrayList<>();
        for (int k = 0; k < frames - 1; k++) {
            p.add(callLocal(1));
            p.add(exit());
        }
        int at = p.size();             // slot of the frame that loops: r1 = 1, r2 = &cb, r3 = 0, r4 = 0
        int cb = at + 7;
        p.addAll(List.of(movK(1, 1), funcPtr(2, cb - (at + 1) - 1), movK(3, 0), movK(4, 0),
                call(BaseHelpers.BPF_FUNC_loop), exit()));
        p.addAll(List.of(movK(0, 1), exit()));
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void theCallbackIsANewFrameUpToTheEighth(String engine) {
        assertEquals(1, load(engine, loopAtDepth(7)).run(0));
        // a ninth frame: the verifier counts the callback's frame and refuses the program at load
        // (the run-time check behind it is JitCallTest's, through a helper it does not know)
        assertThrows(VerifierException.class, () -> load(engine, loopAtDepth(8)));
    }

    @Test
    void theJitInlinesAConstantCallbackOnly() {
        // a site whose r2 is not a plain constant (through a jump target) still runs, via the helper
        ClassGen inlined = new ClassGen("T1", new org.ebpf4j.vm.verifier.StructuralVerifier(helpers, java.util.Set.of())
                .verify(prog(sumLoop(3, 0, -1).toArray())), arena, Plan.DEFAULT_BUDGET);
        assertEquals(1, inlined.loopCallback(6));
        List<Object> viaJump = new ArrayList<>(List.of(movX(6, 1), movK(1, 3), funcPtr(2, 9 - 3),
                ins(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0, 0), movX(3, 6), movK(4, 0),
                call(BaseHelpers.BPF_FUNC_loop), exit()));
        viaJump.addAll(sumLoop(0, 0, -1).subList(7, sumLoop(0, 0, -1).size()));
        ClassGen notInlined = new ClassGen("T2", new org.ebpf4j.vm.verifier.StructuralVerifier(helpers, java.util.Set.of())
                .verify(prog(viaJump.toArray())), arena, Plan.DEFAULT_BUDGET);
        assertEquals(-1, notInlined.loopCallback(7));
        long ctx = arena.alloc(8);
        assertEquals(3, load("jit", viaJump).run(ctx));
        assertEquals(6, arena.load64(ctx));
    }
}
