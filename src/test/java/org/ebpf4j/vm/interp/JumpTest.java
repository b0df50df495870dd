package org.ebpf4j.vm.interp;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.vm.VmFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every conditional jump, 64- and 32-bit, K and X, taken and not taken; ja, gotol, may_goto. */
class JumpTest extends VmFixture {
    record Case(String name, int code, long a, long b, boolean taken) {
        @Override public String toString() { return name + (taken ? " taken" : " not taken"); }
    }

    /** Adds the K and X form of one comparison on (a, b); K only where b fits imm's sign extension. */
    static void both(List<Case> out, String n, int cls, int op, long a, long b, boolean taken) {
        out.add(new Case(n + " X", cls | op | BPF_X, a, b, taken));
        boolean kFits = cls == BPF_JMP32 || b == (int) b;
        if (kFits) {
            out.add(new Case(n + " K", cls | op | BPF_K, a, b, taken));
        }
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        int J = BPF_JMP, J32 = BPF_JMP32;
        both(c, "jeq", J, BPF_JEQ, 5, 5, true);
        both(c, "jeq", J, BPF_JEQ, 5, 6, false);
        both(c, "jeq imm sign-extended", J, BPF_JEQ, -1L, -1, true);
        both(c, "jne", J, BPF_JNE, 5, 6, true);
        both(c, "jne", J, BPF_JNE, 5, 5, false);
        both(c, "jgt unsigned", J, BPF_JGT, -1L, 1, true);
        both(c, "jgt", J, BPF_JGT, 1, 1, false);
        both(c, "jge", J, BPF_JGE, 1, 1, true);
        both(c, "jge unsigned", J, BPF_JGE, 1, -1L, false);
        both(c, "jlt unsigned", J, BPF_JLT, 1, -1L, true);
        both(c, "jlt", J, BPF_JLT, 2, 2, false);
        both(c, "jle", J, BPF_JLE, 2, 2, true);
        both(c, "jle unsigned", J, BPF_JLE, -1L, 2, false);
        both(c, "jset", J, BPF_JSET, 0b1010, 0b0010, true);
        both(c, "jset", J, BPF_JSET, 0b1010, 0b0101, false);
        both(c, "jsgt signed", J, BPF_JSGT, 1, -1L, true);
        both(c, "jsgt signed", J, BPF_JSGT, -1L, 1, false);
        both(c, "jsge", J, BPF_JSGE, -1L, -1L, true);
        both(c, "jsge signed", J, BPF_JSGE, -2L, -1L, false);
        both(c, "jslt signed", J, BPF_JSLT, -1L, 1, true);
        both(c, "jslt", J, BPF_JSLT, 1, 1, false);
        both(c, "jsle", J, BPF_JSLE, -5L, -5L, true);
        both(c, "jsle signed", J, BPF_JSLE, 1, -1L, false);
        // upper 32 bits of both operands ignored by JMP32; 64-bit forms see them
        both(c, "jeq32 low halves", J32, BPF_JEQ, 0x1_0000_0007L, 0x2_0000_0007L, true);
        both(c, "jeq64 sees upper bits", J, BPF_JEQ, 0x1_0000_0000L, 0, false);
        both(c, "jeq32 ignores upper bits", J32, BPF_JEQ, 0x1_0000_0000L, 0, true);
        both(c, "jne32", J32, BPF_JNE, 0x1_0000_0000L, 0, false);
        both(c, "jgt32 unsigned", J32, BPF_JGT, 0xffff_ffffL, 1, true);
        both(c, "jgt32", J32, BPF_JGT, 0x5_0000_0001L, 2, false);
        both(c, "jge32", J32, BPF_JGE, 0x9_0000_0002L, 2, true);
        both(c, "jlt32", J32, BPF_JLT, 0x9_0000_0001L, 2, true);
        both(c, "jle32 unsigned", J32, BPF_JLE, 0xffff_ffffL, 2, false);
        both(c, "jset32 low half only", J32, BPF_JSET, 0xff_0000_0000L, 0xff_0000_0000L, false);
        both(c, "jsgt32 signed", J32, BPF_JSGT, 1, 0xffff_ffffL, true);
        both(c, "jsge32 signed", J32, BPF_JSGE, 0xffff_fffeL, 0xffff_ffffL, false);
        both(c, "jslt32 sign of low half", J32, BPF_JSLT, 0x0000_0000_ffff_ffffL, 0, true);
        both(c, "jslt64 same operands", J, BPF_JSLT, 0x0000_0000_ffff_ffffL, 0, false);
        both(c, "jsle32", J32, BPF_JSLE, 0x8000_0000L, 0x7fff_ffffL, true);
        return c;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void conditional(Case t) {
        boolean x = source(t.code()) == BPF_X;
        long got = run(movK(0, 0), lddw(1, t.a()), lddw(2, t.b()),
                ins(t.code(), 1, x ? 2 : 0, 1, x ? 0 : (int) t.b()),   // +1: over the exit
                exit(),
                movK(0, 1),
                exit());
        assertEquals(t.taken() ? 1 : 0, got);
    }

    @Test
    void jaAndGotolFollowTheirOffsets() {
        // 0 r0=1; 1 gotol +2 (->4); 2 r0+=100; 3 exit; 4 r0+=10; 5 ja -4 (->2)
        long got = run(movK(0, 1), ins(BPF_JMP32 | BPF_JA, 0, 0, 0, 2), alu64K(BPF_ADD, 0, 100), exit(),
                alu64K(BPF_ADD, 0, 10), ja(-4));
        assertEquals(111, got);
    }

    @Test
    void backwardLoopRuns() {
        // r0 = sum of 1..10 by a counted loop with a back-edge
        long got = run(movK(0, 0), movK(1, 10),
                alu64X(BPF_ADD, 0, 1), alu64K(BPF_SUB, 1, 1), ins(BPF_JMP | BPF_JNE | BPF_K, 1, 0, -3, 0),
                exit());
        assertEquals(55, got);
    }

    @Test
    void mayGotoFallsThroughUntilTheLoopBudgetIsSpent() {
        // 0 r0=0; 1 may_goto +2 (->4); 2 r0+=1; 3 ja -3 (->1); 4 exit
        long got = run(movK(0, 0), ins(BPF_JMP | BPF_JCOND, 0, 0, 2, 0), alu64K(BPF_ADD, 0, 1), ja(-3), exit());
        assertEquals(Context.BPF_MAX_LOOPS, got);
    }
}
