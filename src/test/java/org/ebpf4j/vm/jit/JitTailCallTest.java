package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.helper.BaseHelpers;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.helper.TailCallHelper;
import org.ebpf4j.vm.helper.TailCallSlots;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JIT's fast tail call (issue 8, bench tail_chain_33): sites whose PROG_ARRAY is an ld_imm64
 * constant are bound to the map's slots at compile time ({@link TailSites},
 * {@link TailCallHelper#slots}); a taken call invokes the target's code directly, and a call of the
 * main program into itself restarts its method. Semantics must stay those of kernel/bpf/core.c
 * JMP_TAIL_CALL (spec: at most MAX_TAIL_CALL_CNT = 33 per run, a slot update is seen by the next
 * tail call, empty slots fall through) and the same as the interpreter's.
 */
class JitTailCallTest {
    private static final long MAP = 0x7000_1000L;          // the bound map's "address"
    private static final long OTHER_MAP = 0x7000_2000L;    // an address with no bound slots
    private static final int DEPTH = 1020, SWAP = 1021;
    private final Arena arena = new Arena(1 << 22);
    private final HelperTable helpers = HelperTable.base();
    /** The prog array behind MAP: index → program, null = empty. */
    private final Executable[] slots = new Executable[4];
    private final List<Integer> javaDepths = new ArrayList<>();
    private int slotsBound;

    JitTailCallTest() {
        helpers.register(new HelperProto(BaseHelpers.BPF_FUNC_tail_call, "bpf_tail_call", new TailCallHelper() {
            @Override
            public Executable tailCallTarget(long map, long idx) {
                return map == MAP && idx < slots.length ? slots[(int) idx] : null;
            }

            @Override
            public TailCallSlots slots(long map) {
                if (map != MAP) {
                    return null;
                }
                slotsBound++;
                return idx -> idx < slots.length ? slots[(int) idx] : null;
            }
        }));
        helpers.register(new HelperProto(DEPTH, "test_java_depth", (s, a, b, c, d, e) -> {
            javaDepths.add(StackWalker.getInstance().walk(st -> (int) st.count()));
            return 0;
        }));
    }

    @AfterEach
    void close() { arena.close(); }

    private Engine jit, interp;

    /** One engine of each kind per test: tail calls between engines are foreign runs with their own budget. */
    private Executable load(String engine, List<Object> parts) {
        Engine e = engine.equals("jit")
                ? (jit == null ? jit = new JitCompiler(arena, helpers) : jit)
                : (interp == null ? interp = new Interpreter(arena, helpers) : interp);
        Executable x = e.load(prog(parts.toArray()));
        assertEquals(engine, x.engineName());
        return x;
    }

    /** r6 = r1; r2 = map; r3 = idx; call bpf_tail_call; r1 = r6 (what clang emits). */
    private static List<Object> tailCall(long map, int idx) {
        List<Object> l = new ArrayList<>(List.of(movX(6, 1)));
        l.add(lddw(2, map));
        l.addAll(List.of(movK(3, idx), call(BaseHelpers.BPF_FUNC_tail_call), movX(1, 6)));
        return l;
    }

    /** *(u64 *)ctx += add */
    private static List<Object> bump(int add) {
        return List.of(ins(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 0, 0), alu64K(BPF_ADD, 2, add),
                ins(BPF_STX | BPF_MEM | BPF_DW, 1, 2, 0, 0));
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
    void aBoundSelfChainStopsAt33WithAFlatJavaStack(String engine) {
        // ctx++; record the Java stack depth; tail call slot 0 (itself); r0 = 99
        Executable self = load(engine, seq(bump(1), List.of(movX(6, 1), call(DEPTH), movX(1, 6)),
                tailCall(MAP, 0), List.of(movK(0, 99), exit())));
        slots[0] = self;
        long ctx = arena.alloc(8);
        assertEquals(99, self.run(ctx));
        assertEquals(1 + RunState.MAX_TAIL_CALL_CNT, arena.load64(ctx));
        assertEquals(99, self.run(ctx), "the budget is per run");
        assertEquals(2 * (1 + RunState.MAX_TAIL_CALL_CNT), arena.load64(ctx));
        if (engine.equals("jit")) {
            assertEquals(1, slotsBound, "the site was bound to the map at compile time");
            assertEquals(1, javaDepths.stream().distinct().count(), "a self tail call restarts in place: " + javaDepths);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void twoProgramsCallingEachOtherStillStopAt33(String engine) {
        // A: ctx += 1, tail call slot 1; B: ctx += 100, tail call slot 0. 34 runs: A, then B, A, ...
        slots[0] = load(engine, seq(bump(1), tailCall(MAP, 1), List.of(movK(0, 1), exit())));
        slots[1] = load(engine, seq(bump(100), tailCall(MAP, 0), List.of(movK(0, 2), exit())));
        long ctx = arena.alloc(8);
        long r0 = slots[0].run(ctx);
        // run 34 is the 34th program: A runs 17 times, B 17 times; the last (B, run 34) falls through
        assertEquals(17 + 1700, arena.load64(ctx));
        assertEquals(2, r0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aSlotReplacedDuringARunIsSeenByTheNextTailCall(String engine) {
        // spec: prog_array updates are seen by running programs at their next tail call (one slot read each)
        Executable b = load(engine, seq(List.of(ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 0, 0), alu64K(BPF_ADD, 0, 5000),
                exit())));
        helpers.register(new HelperProto(SWAP, "test_swap", (s, ctx, x, y, z, w) -> {
            if (s.arena().load64(ctx) == 5) {
                slots[0] = b;
            }
            return 0;
        }));
        Executable a = load(engine, seq(bump(1), List.of(movX(6, 1), call(SWAP), movX(1, 6)),
                tailCall(MAP, 0), List.of(movK(0, 99), exit())));
        slots[0] = a;
        long ctx = arena.alloc(8);
        assertEquals(5005, a.run(ctx), "A ran 5 times, then the new slot's program");
        slots[0] = null;
        arena.store64(ctx, 0);
        assertEquals(99, a.run(ctx), "an emptied slot falls through");
        assertEquals(1, arena.load64(ctx));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void aSelfTailCallFromASubprogramReplacesOnlyThatFrame(String engine) {
        // main: if (*ctx == 0) return sub() + 1; else return *ctx * 10.  sub: (*ctx)++; tail call
        // slot 0 (main itself), which runs in sub's frame: its r0 (10) is sub's, main adds 1.
        List<Object> p = seq(List.of(ins(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 0, 0),
                        ins(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 3, 0), callLocal(5), alu64K(BPF_ADD, 0, 1), exit(),
                        movX(0, 2), alu64K(BPF_MUL, 0, 10), exit()),
                bump(1), tailCall(MAP, 0), List.of(movK(0, 99), exit()));
        Executable main = load(engine, p);
        slots[0] = main;
        long ctx = arena.alloc(8);
        assertEquals(11, main.run(ctx));
        assertEquals(1, arena.load64(ctx), "sub ran once: the tail call did not restart the subprogram");
    }

    @Test
    void aFaultInATailCalledProgramNamesItsOwnSlot() {
        slots[0] = load("jit", List.of(movK(1, 0), ins(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 16, 0), exit()));
        Executable entry = load("jit", seq(tailCall(MAP, 0), List.of(movK(0, 99), exit())));
        ProgramFault f = assertThrows(ProgramFault.class, () -> entry.run(0));
        assertEquals(1, f.insnIndex());
    }

    @Test
    void aSiteOnAnotherMapUsesTheAddressLookup() {
        slots[0] = load("jit", List.of(movK(0, 7), exit()));
        Executable e = load("jit", seq(tailCall(OTHER_MAP, 0), List.of(movK(0, 99), exit())));
        assertEquals(0, slotsBound);
        assertEquals(99, e.run(0), "tailCallTarget(OTHER_MAP) is null: falls through");
    }

    // ---- TailSites: which constant r2 holds at a tail-call site ----

    private static long[] r2At(List<Object> parts, int site) {
        ProgramImage p = prog(parts.toArray());
        BitSet sites = new BitSet();
        sites.set(site);
        return TailSites.constantR2(p.insns(), new int[] {0}, sites);
    }

    @Test
    void anLdImm64InTheSameBlockIsTheSitesMap() {
        List<Object> p = seq(tailCall(MAP, 0), List.of(exit()));   // mov r6; lddw r2 (2 slots); mov r3; call
        assertEquals(MAP, r2At(p, 4)[4]);
    }

    @Test
    void aJumpTargetACallOrAWriteOfR2ForgetsTheMap() {
        List<Object> viaTarget = seq(List.of(movX(6, 1)), List.of((Object) lddw(2, MAP)),
                List.of(ins(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0, 0), movK(3, 0),   // jumps to the next slot
                        call(BaseHelpers.BPF_FUNC_tail_call), exit()));
        assertEquals(0, r2At(viaTarget, 5)[5]);
        List<Object> viaCall = seq(List.of((Object) lddw(2, MAP)), List.of(call(DEPTH), movK(3, 0),
                call(BaseHelpers.BPF_FUNC_tail_call), exit()));
        assertEquals(0, r2At(viaCall, 4)[4]);
        List<Object> viaWrite = seq(List.of((Object) lddw(2, MAP)), List.of(alu64K(BPF_ADD, 2, 0), movK(3, 0),
                call(BaseHelpers.BPF_FUNC_tail_call), exit()));
        assertEquals(0, r2At(viaWrite, 4)[4]);
        List<Object> viaFetch = seq(List.of((Object) lddw(2, MAP)),
                List.of(ins(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 2, -8, BPF_ADD | BPF_FETCH), movK(3, 0),
                        call(BaseHelpers.BPF_FUNC_tail_call), exit()));
        assertEquals(0, r2At(viaFetch, 4)[4]);
    }

    @Test
    void aStoreOrAnotherRegisterKeepsTheMap() {
        List<Object> p = seq(List.of((Object) lddw(2, MAP)), List.of(ins(BPF_STX | BPF_MEM | BPF_DW, 10, 2, -8, 0),
                movK(4, 1), movK(3, 0), call(BaseHelpers.BPF_FUNC_tail_call), exit()));
        assertEquals(MAP, r2At(p, 5)[5]);
    }
}
