package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import org.ebpf4j.isa.TextAssembler;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.VerifierException;
import org.junit.jupiter.api.Test;

/** The abstract domain checked against concrete values, and verifier behaviour the catalogue cannot show. */
class TypeVerifierUnitTest {
    private final Random rnd = new Random(42);

    private long smallRandom() {
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextInt(64);
            case 1 -> rnd.nextInt(64) - 32;
            case 2 -> rnd.nextLong();
            default -> 0xffffffffL - rnd.nextInt(8);
        };
    }

    /** A scalar in [lo, hi] (signed), as the verifier would have it after two comparisons. */
    private static RegState range(long lo, long hi) {
        RegState r = RegState.unknown();
        r.smin = lo;
        r.smax = hi;
        r.sync();
        return r;
    }

    private static boolean holds(RegState r, long v) {
        return v >= r.smin && v <= r.smax && Long.compareUnsigned(v, r.umin) >= 0 && Long.compareUnsigned(v, r.umax) <= 0
                && (int) v >= r.s32min && (int) v <= r.s32max && Integer.compareUnsigned((int) v, r.u32min) >= 0
                && Integer.compareUnsigned((int) v, r.u32max) <= 0 && (v & ~r.var.mask()) == r.var.value();
    }

    @Test
    void aluTransferFunctionsAreSound() {
        int[] ops = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH};
        for (int n = 0; n < 3000; n++) {
            long a = smallRandom(), b = smallRandom();
            long a2 = a + rnd.nextInt(16), b2 = b + rnd.nextInt(4);
            if (a2 < a || b2 < b) {
                continue;
            }
            int op = ops[rnd.nextInt(ops.length)];
            boolean alu64 = rnd.nextBoolean();
            if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) {
                b = b2 = rnd.nextInt(alu64 ? 64 : 32);
            }
            RegState d = range(Math.min(a, a2), Math.max(a, a2));
            RegState s = range(b, b2);
            RegState out = d.copy();
            ScalarAlu.apply(op, out, s, alu64);
            for (int k = 0; k < 8; k++) {
                long x = d.smin + (d.smax == d.smin ? 0 : Math.floorMod(rnd.nextLong(), d.smax - d.smin + 1));
                long y = s.smin + (s.smax == s.smin ? 0 : Math.floorMod(rnd.nextLong(), s.smax - s.smin + 1));
                long r = concrete(op, x, y, alu64);
                assertTrue(holds(out, r), () -> "op " + op + " alu64=" + alu64 + " " + x + "," + y + " -> " + r
                        + " not in " + out.describe());
            }
        }
    }

    private static long concrete(int op, long x, long y, boolean alu64) {
        if (!alu64) {
            int a = (int) x, b = (int) y;
            int r = switch (op) {
                case BPF_ADD -> a + b;
                case BPF_SUB -> a - b;
                case BPF_MUL -> a * b;
                case BPF_AND -> a & b;
                case BPF_OR -> a | b;
                case BPF_XOR -> a ^ b;
                case BPF_LSH -> a << b;
                case BPF_RSH -> a >>> b;
                default -> a >> b;
            };
            return Integer.toUnsignedLong(r);
        }
        return switch (op) {
            case BPF_ADD -> x + y;
            case BPF_SUB -> x - y;
            case BPF_MUL -> x * y;
            case BPF_AND -> x & y;
            case BPF_OR -> x | y;
            case BPF_XOR -> x ^ y;
            case BPF_LSH -> x << y;
            case BPF_RSH -> x >>> y;
            default -> x >> y;
        };
    }

    @Test
    void branchRefinementKeepsEveryValueThatTakesTheBranch() {
        int[] ops = {BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};
        for (int n = 0; n < 3000; n++) {
            long lo = rnd.nextInt(40) - 20, hi = lo + rnd.nextInt(40);
            long k = rnd.nextInt(60) - 30;
            int op = ops[rnd.nextInt(ops.length)];
            boolean is32 = rnd.nextBoolean();
            for (int side = 0; side < 2; side++) {
                int o = side == 0 ? op : Branches.reverse(op);
                RegState d = range(lo, hi);
                RegState s = RegState.known(is32 ? Integer.toUnsignedLong((int) k) : k);
                Branches.refine(d, s, o, is32);
                for (long v = lo; v <= hi; v++) {
                    if (takes(o, v, k, is32)) {
                        long vv = v;
                        assertTrue(!d.invalid() && holds(d, v), () -> "op " + o + " is32=" + is32 + " v=" + vv + " k=" + k
                                + " lost: " + d.describe());
                    }
                }
            }
        }
    }

    private static boolean takes(int op, long v, long k, boolean is32) {
        long a = is32 ? Integer.toUnsignedLong((int) v) : v, b = is32 ? Integer.toUnsignedLong((int) k) : k;
        long sa = is32 ? (int) v : v, sb = is32 ? (int) k : k;
        return switch (op) {
            case BPF_JEQ -> a == b;
            case BPF_JNE -> a != b;
            case BPF_JGT -> Long.compareUnsigned(a, b) > 0;
            case BPF_JGE -> Long.compareUnsigned(a, b) >= 0;
            case BPF_JLT -> Long.compareUnsigned(a, b) < 0;
            case BPF_JLE -> Long.compareUnsigned(a, b) <= 0;
            case BPF_JSGT -> sa > sb;
            case BPF_JSGE -> sa >= sb;
            case BPF_JSLT -> sa < sb;
            case BPF_JSLE -> sa <= sb;
            case BPF_JSET -> (a & b) != 0;
            default -> (a & b) == 0;   // JSET_FALSE
        };
    }

    @Test
    void tnumRangeContainsItsRange() {
        for (int n = 0; n < 1000; n++) {
            long a = rnd.nextInt(1 << 20), b = a + rnd.nextInt(1 << 12);
            Tnum t = Tnum.range(a, b);
            for (long v : new long[] {a, b, (a + b) / 2}) {
                assertEquals(t.value(), v & ~t.mask(), "tnum " + t + " lacks " + v);
            }
        }
    }

    private static TypeVerifier.Result run(ProgType type, String asm, int logLevel) {
        var p = TypeVerifierFixture.prepare("t", type, null, TextAssembler.assemble(asm), List.of(), null);
        return TypeVerifier.verify(p.prog(), p.ctx().withLogLevel(logLevel));
    }

    @Test
    void pruningKeepsDiamondsLinear() {
        // each diamond tests a fresh unknown and writes r7, which nothing reads: after the join the
        // two sides differ only in dead registers, so the second side is pruned there
        StringBuilder b = new StringBuilder("mov %r7, 0\n");
        for (int i = 0; i < 24; i++) {
            b.append("call 7\njset %r0, 1, +2\nmov %r7, 1\nja +1\nmov %r7, 2\n");
        }
        b.append("mov %r0, 0\nexit\n");
        TypeVerifier.Result r = run(ProgType.SOCKET_FILTER, b.toString(), 0);
        assertTrue(r.processedInsns() < 2000, "24 diamonds took " + r.processedInsns() + " insns: no pruning");
    }

    /**
     * A plain store does not read r0 (kernel/bpf/verifier.c check_stx: only BPF_CMPXCHG uses it):
     * diamonds that leave r0 uninitialized on one side and set it on the other, then store to the
     * stack, must prune as well as diamonds that differ in a register nothing reads (r3). Before
     * the fix every store made r0 live and the r0 variant walked more (sieve_loop.bpf.o 2x).
     */
    @Test
    void aPlainStoreDoesNotKeepR0AliveForPruning() {
        java.util.function.Function<String, String> prog = reg -> {
            StringBuilder b = new StringBuilder("ldxw %r6, [%r1+0]\n");
            for (int i = 0; i < 12; i++) {
                b.append("ldxw %r8, [%r1+4]\njeq %r8, 0, +1\nmov %" + reg + ", 1\nstxw [%r10-8], %r6\n"
                        + "stxw [%r10-4], %r6\nmov %r9, 0\nmov %r9, 1\nmov %r9, 2\nmov %r9, 3\nmov %r9, 4\nja +0\n");
            }
            return b.append("mov %r0, 0\nexit\n").toString();
        };
        int deadReg = run(ProgType.SOCKET_FILTER, prog.apply("r3"), 0).processedInsns();
        int r0 = run(ProgType.SOCKET_FILTER, prog.apply("r0"), 0).processedInsns();
        assertEquals(deadReg, r0, "r0 kept alive by the stores: " + r0 + " vs " + deadReg + " insns");
        // nor does the main program's exit read r6-r9 (they die with the frame)
        int r7 = run(ProgType.SOCKET_FILTER, prog.apply("r7"), 0).processedInsns();
        assertEquals(deadReg, r7, "r7 kept alive by exit: " + r7 + " vs " + deadReg + " insns");
        // and BPF_CMPXCHG still reads it (an uninitialized r0 there is rejected)
        VerifierException e = assertThrows(VerifierException.class, () -> run(ProgType.SOCKET_FILTER,
                "mov %r1, 0\nstxdw [%r10-8], %r1\nmov %r2, 1\nlock cmpxchg [%r10-8], %r2\nmov %r0, 0\nexit\n", 0));
        assertTrue(e.getMessage().contains("R0"), e.getMessage());
    }

    @Test
    void logLevelOneListsInstructionsAndStatistics() {
        // observed on 6.18 (ProgLoadTest.logRules): at level 1 a path that ended safely leaves
        // nothing, so an accepted program's log is the statistics line alone
        TypeVerifier.Result r = run(ProgType.SOCKET_FILTER, "ldxw %r0, [%r1+0]\njeq %r0, 0, +1\nmov %r0, 1\nexit\n", 1);
        assertEquals("processed " + r.processedInsns() + " insns (limit 1000000) max_states_per_insn 0 total_states 0"
                + " peak_states 0 mark_read 0\n", r.log());
        assertEquals(5, r.processedInsns(), "both sides of the jump walked");
        // level 2 keeps every path; instruction lines carry index and opcode as the kernel's, the
        // text in llvm-objdump's syntax
        TypeVerifier.Result r2 = run(ProgType.SOCKET_FILTER, "mov %r0, 0\nexit\n", 2);
        assertTrue(r2.log().contains("\n0: (b7) r0 = "), r2.log());
        assertTrue(r2.log().contains("\n1: (95) exit\n"), r2.log());
        VerifierException e = assertThrows(VerifierException.class,
                () -> run(ProgType.SOCKET_FILTER, "mov %r1, 0\nldxdw %r0, [%r1+0]\nexit\n", 1));
        assertTrue(e.log().matches("(?s)0: \\(b7\\) .*\n1: \\(79\\) [^\n]*\nR1 invalid mem access 'scalar'\nprocessed 2 insns.*"),
                e.log());
    }

    /** check_return_code() for callbacks: bpf_loop callbacks return 0 or 1 (kernel/bpf/verifier.c). */
    @Test
    void callbackReturnValueIsChecked() {
        String prog = """
                mov %r1, 4
                lddw %r2, func cb
                mov %r3, 0
                mov %r4, 0
                call 181
                mov %r0, 0
                exit
                cb:
                mov %r0, RET
                exit
                """;
        run(ProgType.SOCKET_FILTER, prog.replace("RET", "1"), 0);
        VerifierException e = assertThrows(VerifierException.class,
                () -> run(ProgType.SOCKET_FILTER, prog.replace("RET", "5"), 0));
        assertEquals("At callback return the register R0 has smin=5 smax=5 should have been in [0, 1]", e.reason());
        assertEquals(9, e.insnIndex());
    }

    @Test
    void packetPointerWithVariableOffsetNeedsItsOwnCheck() {
        String asm = """
                ldxw %r2, [%r1+0]
                ldxw %r3, [%r1+4]
                mov %r4, %r2
                add %r4, 16
                jgt %r4, %r3, out
                ldxb %r5, [%r2+0]
                and %r5, 7
                add %r2, %r5
                ldxb %r0, [%r2+0]
                out:
                mov %r0, 2
                exit
                """;
        VerifierException e = assertThrows(VerifierException.class, () -> run(ProgType.XDP, asm, 0));
        assertEquals(8, e.insnIndex());
        assertTrue(e.reason().startsWith("invalid access to packet, off=0 size=1, R2(id="), e.reason());
    }

    @Test
    void returnRangesFollowTheAttachType() {
        var p = TypeVerifierFixture.prepare("t", ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETPEERNAME,
                TextAssembler.assemble("mov %r0, 0\nexit\n"), List.of(), null);
        VerifierException e = assertThrows(VerifierException.class, () -> TypeVerifier.verify(p.prog(), p.ctx()));
        assertEquals("At program exit the register R0 has smin=0 smax=0 should have been in [1, 1]", e.reason());
    }
}
