package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.VerifierOption;
import org.ebpf4j.vm.helper.BaseHelpers;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The JIT's calls: bpf-to-bpf frames, callbacks and their depth limit, tail calls (the 33 budget,
 * from subprograms, into other engines, with no Java-stack growth), helper failures, reentrancy,
 * threads; and its method splitting on programs past the method limits.
 */
class JitCallTest {
    private static final int CALLBACK = 1002, RERUN = 1003, BROKEN = 1004;
    private final Arena arena = new Arena(1 << 22);
    private final HelperTable helpers = HelperTable.base();
    private final List<Executable> progArray = new ArrayList<>();

    @AfterEach
    void close() { arena.close(); }

    private JitCompiler jit() { return new JitCompiler(arena, helpers); }

    private Executable load(Object... parts) {
        Executable e = jit().load(prog(parts));
        assertEquals("jit", e.engineName());
        return e;
    }

    private static Insn[] funcPtr(int dst, int rel) {
        return new Insn[] {ins(LD_IMM64, dst, BPF_PSEUDO_FUNC, 0, rel), ins(0, 0, 0, 0, 0)};
    }

    @Test
    void eachFrameHasItsOwn512ByteStack() {
        long got = load(ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0x11), callLocal(6), movX(1, 10),
                alu64X(BPF_SUB, 1, 0), alu64K(BPF_MUL, 1, 1000), ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 0),
                alu64X(BPF_ADD, 0, 1), exit(),
                ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0x22), movX(0, 10), exit()).run(0);
        assertEquals(512 * 1000 + 0x11, got);
    }

    private void registerCallback() {
        helpers.register(new HelperProto(CALLBACK, "test_callback", (s, fn, b, c, d, e) -> s.callback(fn, 7, 0, 0, 0, 0)));
    }

    /** main loads &cb into r1 and goes {@code frames - 1} calls deep; the last frame hands r1 to the helper. */
    private Executable callbackAtDepth(int frames) {
        List<Object> p = new ArrayList<>();
        int cb = 2 + 2 * frames;
        p.add(funcPtr(1, cb - 1));
        p.add(callLocal(1));
        p.add(exit());
        for (int i = 1; i < frames - 1; i++) {
            p.add(callLocal(1));
            p.add(exit());
        }
        p.add(call(CALLBACK));
        p.add(exit());
        p.add(movX(0, 1));                                   // cb(r1 = 7): r0 = 7 * 100 + frame distance
        p.add(alu64K(BPF_MUL, 0, 100));
        p.add(exit());
        return load(p.toArray());
    }

    @Test
    void callbacksRunAsANewFrameUpToTheEighth() {
        registerCallback();
        assertEquals(700, callbackAtDepth(7).run(0));
        ProgramFault f = assertThrows(ProgramFault.class, () -> callbackAtDepth(8).run(0));
        assertEquals(2 + 2 * 7, f.insnIndex());
        assertTrue(f.getMessage().contains("the call stack of 9 frames is too deep"), f.getMessage());
    }

    @Test
    void callbackOnSomethingThatIsNoSubprogramAborts() {
        registerCallback();
        ProgramFault f = assertThrows(ProgramFault.class, () -> load(movK(1, 12345), call(CALLBACK), exit()).run(0));
        assertEquals(1, f.insnIndex());
        assertTrue(f.getMessage().contains("is not a subprogram of"), f.getMessage());
    }

    private void registerTailCall() {
        helpers.register(new HelperProto(BaseHelpers.BPF_FUNC_tail_call, "bpf_tail_call", (s, ctx, map, idx, d, e) -> {
            if (idx < progArray.size()) {
                s.requestTailCall(progArray.get((int) idx));
            }
            return -2;
        }));
    }

    private static List<Object> tailCall(int idx) {
        return List.of(movK(2, 0), movK(3, idx), call(BaseHelpers.BPF_FUNC_tail_call), movK(0, 99), exit());
    }

    @Test
    void tailCallsReplaceTheProgramFromMainOrSubprogram() {
        registerTailCall();
        progArray.add(load(movX(0, 1), alu64K(BPF_ADD, 0, 1000), exit()));
        assertEquals(1005, load(tailCall(0).toArray()).run(5));
        assertEquals(99, load(tailCall(7).toArray()).run(5), "empty slot: falls through");
        List<Object> p = new ArrayList<>(List.of(callLocal(2), alu64K(BPF_ADD, 0, 1), exit()));
        p.addAll(tailCall(0));
        assertEquals(1006, load(p.toArray()).run(5), "returns to the subprogram's caller");
    }

    @Test
    void atMost33TailCallsWithoutGrowingTheJavaStack() {
        registerTailCall();
        Executable self = load(ins(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 0, 0), alu64K(BPF_ADD, 2, 1),
                ins(BPF_STX | BPF_MEM | BPF_DW, 1, 2, 0, 0), tailCall(0));
        progArray.add(self);
        long ctx = arena.alloc(8);
        assertEquals(99, self.run(ctx));
        assertEquals(1 + RunState.MAX_TAIL_CALL_CNT, arena.load64(ctx));
        assertEquals(99, self.run(ctx), "the budget is per run");
        assertEquals(2 * (1 + RunState.MAX_TAIL_CALL_CNT), arena.load64(ctx));
    }

    @Test
    void tailCallTargetsRecordTheirDepthOfJavaStack() {
        // each target records the Java stack depth seen by a helper: equal for all 33 tail calls
        List<Integer> depths = new ArrayList<>();
        helpers.register(new HelperProto(RERUN, "test_depth", (s, a, b, c, d, e) -> {
            depths.add(StackWalker.getInstance().walk(st -> (int) st.count()));
            return 0;
        }));
        registerTailCall();
        List<Object> p = new ArrayList<>(List.of(call(RERUN)));
        p.addAll(tailCall(0));
        Executable self = load(p.toArray());
        progArray.add(self);
        assertEquals(99, self.run(0));
        assertEquals(1 + RunState.MAX_TAIL_CALL_CNT, depths.size());
        // the first program runs straight from run(); every target from the trampoline, one frame deeper
        assertEquals(1, depths.subList(1, depths.size()).stream().distinct().count(), "Java stack depths " + depths);
        assertEquals(depths.get(0) + 1, depths.get(1), "Java stack depths " + depths);
    }

    @Test
    void tailCallIntoAnotherEnginesProgramReturnsItsResult() {
        registerTailCall();
        progArray.add(new Interpreter(arena, helpers).load(prog(movX(0, 1), alu64K(BPF_ADD, 0, 777), exit())));
        assertEquals(778, load(tailCall(0).toArray()).run(1));
    }

    @Test
    void helpersMayRerunProgramsAndFailuresBecomeFaultsAtTheCall() {
        Executable inner = load(ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 99), movX(0, 1), alu64K(BPF_MUL, 0, 2), exit());
        helpers.register(new HelperProto(RERUN, "test_rerun", (s, a, b, c, d, e) -> inner.run(a)));
        helpers.register(new HelperProto(BROKEN, "test_broken", (s, a, b, c, d, e) -> {
            throw new IllegalStateException("boom");
        }));
        assertEquals(42 + 5 + 3, load(ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 5), movK(6, 3), movK(1, 21),
                call(RERUN), ins(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -8, 0), alu64X(BPF_ADD, 0, 1),
                alu64X(BPF_ADD, 0, 6), exit()).run(0));
        ProgramFault f = assertThrows(ProgramFault.class, () -> load(movK(0, 0), call(BROKEN), exit()).run(0));
        assertEquals(1, f.insnIndex());
        assertInstanceOf(IllegalStateException.class, f.getCause());
        assertEquals(7, load(movK(0, 7), exit()).run(0), "the thread's context is usable again");
    }

    @Test
    void aFaultInASubprogramNamesItsSlot() {
        ProgramFault f = assertThrows(ProgramFault.class,
                () -> load(callLocal(1), exit(), movK(1, 0), ins(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 16, 0), exit()).run(0));
        assertEquals(3, f.insnIndex());
        assertEquals("insn 3: invalid memory access: 4 bytes at 0x10", f.getMessage());
    }

    @Test
    void programsRunConcurrentlyWithoutSharingRegistersOrStack() throws Exception {
        Executable p = load(ins(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8, 0), movK(2, 1000),
                alu64K(BPF_SUB, 2, 1), ins(BPF_JMP | BPF_JNE | BPF_K, 2, 0, -2, 0),
                ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 0), exit());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long id = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 2000; i++) {
                        assertEquals(id * 1_000_000 + i, p.run(id * 1_000_000 + i));
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
    }

    // ---- big programs ----

    /** n slots of "r0 += i; [fp - 8 - 8 * (i % 60)] = r0; r0 ^= [fp - 8]", a loop, and an exit. */
    private static ProgramImage big(int units) {
        List<Insn> p = new ArrayList<>();
        p.add(movK(0, 0));
        p.add(movK(6, 3));                                          // 3 trips round the whole body
        int loopTop = p.size();
        for (int i = 0; i < units; i++) {
            p.add(alu64K(BPF_ADD, 0, i));
            p.add(ins(BPF_STX | BPF_MEM | BPF_DW, 10, 0, -8 - 8 * (i % 60), 0));
            p.add(ins(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -8 - 8 * ((i * 7) % 60), 0));
            p.add(alu64X(BPF_XOR, 0, 1));
            if (i % 100 == 99) {                                    // a forward jump across regions
                p.add(ins(BPF_JMP | BPF_JSGT | BPF_K, 0, 0, 1, 0));
                p.add(alu64K(BPF_ADD, 0, 1));
            }
        }
        p.add(alu64K(BPF_SUB, 6, 1));
        p.add(ins(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 1, 0));
        p.add(Insn.of(BPF_JMP32 | BPF_JA, 0, 0, 0, loopTop - p.size() - 1));   // gotol: past 16-bit offsets
        p.add(exit());
        return new ProgramImage("big", p);
    }

    @Test
    void aProgramPastTheMethodLimitsIsSplitAndAgreesWithTheInterpreter() {
        ProgramImage image = big(25_000);                          // ~100k slots, ~2.5 MB of bytecode whole
        Executable e = jit().load(image);
        assertEquals("jit", e.engineName());
        long want = new Interpreter(arena, helpers).load(image).run(0);
        assertEquals(want, e.run(0));
    }

    @Test
    void everyGeneratedMethodStaysUnderHotSpotsHugeMethodLimit() {
        // HotSpot never compiles methods over 8000 bytes (HugeMethodLimit); the class-file limit is 64 KiB.
        JitCompiler jit = jit();
        List<ProgramImage> images = new ArrayList<>(List.of(big(3000)));
        RandomPrograms gen = new RandomPrograms(42, arena.size());
        for (int i = 0; i < 50; i++) {
            images.add(gen.next("r" + i));
        }
        JitCompiler small = new JitCompiler(arena, helpersForRandom(), VerifierOption.CONFORMANCE, 1, 300);
        JitCompiler normal = new JitCompiler(arena, helpersForRandom(), VerifierOption.CONFORMANCE, 1);
        for (ProgramImage image : images) {
            for (JitCompiler c : List.of(small, normal, jit)) {
                if (c == jit && !image.name().equals("big")) {
                    continue;
                }
                ClassModel cm = ClassFile.of().parse(c.classBytes(image));
                for (MethodModel mm : cm.methods()) {
                    int len = mm.findAttribute(java.lang.classfile.Attributes.code())
                            .map(CodeAttribute::codeLength).orElse(0);
                    assertTrue(len <= 8000, image.name() + " " + mm.methodName() + ": " + len + " bytes");
                }
            }
        }
    }

    private HelperTable helpersForRandom() {
        HelperTable t = HelperTable.base();
        for (int id : new int[] {RandomPrograms.MIX, RandomPrograms.ZERO, RandomPrograms.SNAP}) {
            t.register(new HelperProto(id, "h" + id, (s, a, b, c, d, e) -> 0));
        }
        return t;
    }

    @Test
    void uncompilableProgramsFallBackAndSaySo() {
        // 4000 subprograms (Linux stops at BPF_MAX_SUBPROGS = 256; the structural verifier does not
        // count them): the callback switch over them would pass 64 KiB, so the program runs on the
        // interpreter, says so, and still gives the interpreter's answer.
        int n = 4000;
        List<Insn> p = new ArrayList<>();
        p.add(movK(6, 0));
        for (int k = 0; k < n; k++) {                              // main: r6 += sub_k()
            p.add(callLocal(0));
            p.add(alu64X(BPF_ADD, 6, 0));
        }
        p.add(movX(0, 6));
        p.add(exit());
        int mainLen = p.size();
        for (int k = 0; k < n; k++) {
            int callAt = 1 + 2 * k;
            int target = mainLen + 2 * k;
            p.set(callAt, callLocal(target - callAt - 1));
            p.add(movK(0, k));
            p.add(exit());
        }
        ProgramImage image = new ProgramImage("many_subprogs", p);
        Executable e = jit().load(image);
        assertTrue(e.engineName().startsWith("interp (jit fallback: "), e.engineName());
        assertEquals((long) n * (n - 1) / 2, e.run(0));
        assertEquals(new Interpreter(arena, helpers).load(image).run(0), e.run(0));
    }
}
