package org.ebpf4j.vm.interp;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.ebpf4j.vm.VmFixture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every ALU and ALU64 operation in K and X form against kernel/bpf/core.c ___bpf_prog_run()
 * semantics, with the edge values where implementations go wrong (sign extension of imm, upper
 * bits of 32-bit operands, division by zero, signed overflow, shift counts past the width).
 */
class AluTest extends VmFixture {
    /** {@code lddw r0, a; [lddw r1, b;] <code> r0, (r1 | imm b) [off]; exit}. */
    record Case(String name, int code, int off, long a, long b, long expected, boolean lenient) {
        @Override public String toString() { return name; }
    }

    static Case x(String n, int code, long a, long b, long e) { return new Case(n, code | BPF_X, 0, a, b, e, false); }
    static Case k(String n, int code, long a, int b, long e) { return new Case(n, code | BPF_K, 0, a, b, e, false); }
    static Case sx(String n, int code, long a, long b, long e) { return new Case(n, code | BPF_X, 1, a, b, e, false); }
    static Case sk(String n, int code, long a, int b, long e) { return new Case(n, code | BPF_K, 1, a, b, e, false); }
    static Case trapK(String n, int code, int off, long a, int b, long e) { return new Case(n, code | BPF_K, off, a, b, e, true); }

    static final long MIN = Long.MIN_VALUE, MAX = Long.MAX_VALUE;
    static final int A64 = BPF_ALU64, A32 = BPF_ALU;

    static List<Case> cases() {
        return List.of(
            // ---- ALU64 ----
            x("add64 overflow", A64 | BPF_ADD, MAX, 1, MIN),
            k("add64 imm sign-extended", A64 | BPF_ADD, 0, -1, -1L),
            x("sub64 wrap", A64 | BPF_SUB, 0, 1, -1L),
            k("sub64 imm", A64 | BPF_SUB, 10, -5, 15),
            x("mul64 overflow", A64 | BPF_MUL, 1L << 32, 1L << 32, 0),
            k("mul64 negative imm", A64 | BPF_MUL, 3, -2, -6),
            x("div64 unsigned", A64 | BPF_DIV, -1L, 2, MAX),
            x("div64 by zero", A64 | BPF_DIV, 12345, 0, 0),
            k("div64 imm", A64 | BPF_DIV, 100, 7, 14),
            k("div64 imm -1 is 2^64-1", A64 | BPF_DIV, 10, -1, 0),
            k("div64 -1 by imm -1", A64 | BPF_DIV, -1L, -1, 1),
            trapK("div64 by zero imm", A64 | BPF_DIV, 0, 99, 0, 0),
            x("mod64 unsigned", A64 | BPF_MOD, -1L, 10, 5),
            x("mod64 by zero keeps dividend", A64 | BPF_MOD, 0x123456789L, 0, 0x123456789L),
            k("mod64 imm", A64 | BPF_MOD, 100, 7, 2),
            trapK("mod64 by zero imm", A64 | BPF_MOD, 0, -5L, 0, -5L),
            sx("sdiv64", A64 | BPF_DIV, -7, 2, -3),
            sx("sdiv64 overflow", A64 | BPF_DIV, MIN, -1, MIN),
            sx("sdiv64 by zero", A64 | BPF_DIV, -7, 0, 0),
            sk("sdiv64 imm", A64 | BPF_DIV, 7, -2, -3),
            trapK("sdiv64 by zero imm", A64 | BPF_DIV, 1, -7, 0, 0),
            sx("smod64", A64 | BPF_MOD, -7, 2, -1),
            sx("smod64 overflow", A64 | BPF_MOD, MIN, -1, 0),
            sx("smod64 by zero keeps dividend", A64 | BPF_MOD, -7, 0, -7),
            sk("smod64 imm", A64 | BPF_MOD, 7, -2, 1),
            x("or64", A64 | BPF_OR, 0xf0f0_0000_0000_0000L, 0x0f, 0xf0f0_0000_0000_000fL),
            k("or64 imm sign-extended", A64 | BPF_OR, 0, 0x8000_0000, 0xffff_ffff_8000_0000L),
            x("and64", A64 | BPF_AND, 0xff00_ff00_ff00_ff00L, 0x0ff0_0ff0_0ff0_0ff0L, 0x0f00_0f00_0f00_0f00L),
            k("and64 imm", A64 | BPF_AND, -1L, 0xff, 0xff),
            x("xor64", A64 | BPF_XOR, 0xaaaa, 0xffff, 0x5555),
            k("xor64 imm -1", A64 | BPF_XOR, 0, -1, -1L),
            k("lsh64", A64 | BPF_LSH, 1, 63, MIN),
            x("lsh64 count masked", A64 | BPF_LSH, 1, 65, 2),
            trapK("lsh64 imm out of range", A64 | BPF_LSH, 0, 1, 64, 1),
            k("rsh64 logical", A64 | BPF_RSH, MIN, 63, 1),
            x("rsh64 count masked", A64 | BPF_RSH, 4, 64 + 1, 2),
            k("arsh64", A64 | BPF_ARSH, MIN, 63, -1L),
            x("arsh64 count masked", A64 | BPF_ARSH, -8, 64 + 1, -4),
            k("mov64 imm sign-extended", A64 | BPF_MOV, 0x1234, -1, -1L),
            x("mov64", A64 | BPF_MOV, 0, 0xdead_beef_1234_5678L, 0xdead_beef_1234_5678L),
            // ---- ALU (32-bit, zero-extended) ----
            x("add32 wraps, upper bits cleared", A32 | BPF_ADD, 0x1_ffff_ffffL, 1, 0),
            k("add32 imm", A32 | BPF_ADD, 0x1_0000_0005L, -1, 4),
            x("sub32", A32 | BPF_SUB, 0, 1, 0xffff_ffffL),
            k("sub32 imm", A32 | BPF_SUB, 0xffff_ffff_0000_0003L, 5, 0xffff_fffeL),
            x("mul32", A32 | BPF_MUL, 0x10000, 0x10000, 0),
            k("mul32 imm", A32 | BPF_MUL, 3, -2, 0xffff_fffaL),
            x("div32 unsigned", A32 | BPF_DIV, 0xffff_ffffL, 2, 0x7fff_ffffL),
            x("div32 ignores upper bits", A32 | BPF_DIV, 0x1_0000_0064L, 0x7_0000_000aL, 10),
            x("div32 by zero", A32 | BPF_DIV, 77, 0x1_0000_0000L, 0),
            k("div32 imm is unsigned", A32 | BPF_DIV, 0xffff_fffeL, -1, 0),
            trapK("div32 by zero imm", A32 | BPF_DIV, 0, 5, 0, 0),
            x("mod32", A32 | BPF_MOD, 0xffff_ffffL, 10, 5),
            x("mod32 by zero truncates dividend", A32 | BPF_MOD, 0x1_0000_0007L, 0, 7),
            k("mod32 imm", A32 | BPF_MOD, 100, 7, 2),
            trapK("mod32 by zero imm", A32 | BPF_MOD, 0, 0xffff_ffff_0000_0009L, 0, 9),
            sx("sdiv32", A32 | BPF_DIV, -7, 2, 0xffff_fffdL),
            sx("sdiv32 overflow", A32 | BPF_DIV, 0x8000_0000L, -1, 0x8000_0000L),
            sx("sdiv32 by zero", A32 | BPF_DIV, -7, 0, 0),
            sk("sdiv32 imm", A32 | BPF_DIV, 7, -2, 0xffff_fffdL),
            sx("smod32", A32 | BPF_MOD, -7, 2, 0xffff_ffffL),
            sx("smod32 overflow", A32 | BPF_MOD, 0x8000_0000L, -1, 0),
            sx("smod32 by zero truncates dividend", A32 | BPF_MOD, 0xffff_ffff_ffff_fff9L, 0, 0xffff_fff9L),
            sk("smod32 imm", A32 | BPF_MOD, -7, 2, 0xffff_ffffL),
            x("or32 clears upper", A32 | BPF_OR, 0xffff_ffff_0000_0000L, 1, 1),
            k("or32 imm", A32 | BPF_OR, 0x10, 0x01, 0x11),
            x("and32", A32 | BPF_AND, 0xffff_ffff_ffff_ffffL, 0xf0f0_f0f0_f0f0L, 0xf0f0_f0f0L),
            k("and32 imm", A32 | BPF_AND, -1L, -1, 0xffff_ffffL),
            x("xor32", A32 | BPF_XOR, 0x1_0000_00ffL, 0x0f, 0xf0),
            k("xor32 imm -1", A32 | BPF_XOR, 0, -1, 0xffff_ffffL),
            k("lsh32", A32 | BPF_LSH, 1, 31, 0x8000_0000L),
            x("lsh32 count masked", A32 | BPF_LSH, 1, 33, 2),
            trapK("lsh32 imm out of range", A32 | BPF_LSH, 0, 0x11, 60, 0x1000_0000L),
            k("rsh32 ignores upper bits", A32 | BPF_RSH, 0xffff_ffff_8000_0000L, 31, 1),
            x("rsh32 count masked", A32 | BPF_RSH, 0x10, 32 + 4, 1),
            k("arsh32", A32 | BPF_ARSH, 0x8000_0000L, 31, 0xffff_ffffL),
            x("arsh32 count masked", A32 | BPF_ARSH, 0x8000_0000L, 32 + 4, 0xf800_0000L),
            k("mov32 imm zero-extended", A32 | BPF_MOV, 0x1234, -1, 0xffff_ffffL),
            x("mov32", A32 | BPF_MOV, 0, 0xdead_beef_1234_5678L, 0x1234_5678L)
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void binaryOp(Case c) {
        var op = ins(c.code(), 0, source(c.code()) == BPF_X ? 1 : 0, c.off(),
                source(c.code()) == BPF_X ? 0 : (int) c.b());
        Object[] prog = source(c.code()) == BPF_X
                ? new Object[] {lddw(0, c.a()), lddw(1, c.b()), op, exit()}
                : new Object[] {lddw(0, c.a()), op, exit()};
        long got = c.lenient() ? runLenient(prog) : run(prog);
        assertEquals(c.expected(), got, () -> c.name() + ": got 0x" + Long.toHexString(got));
    }

    /** {@code lddw r1, a; <code> r0, r1 [off]; exit} for the one-operand ops on a source register. */
    record Unary(String name, int code, int off, int imm, long a, long expected) {
        @Override public String toString() { return name; }
    }

    static List<Unary> unary() {
        long v = 0x1122_3344_5566_7788L;
        return List.of(
            new Unary("neg64", BPF_ALU64 | BPF_NEG, 0, 0, 5, -5),
            new Unary("neg64 MIN", BPF_ALU64 | BPF_NEG, 0, 0, MIN, MIN),
            new Unary("neg32", BPF_ALU | BPF_NEG, 0, 0, 0xffff_ffff_0000_0001L, 0xffff_ffffL),
            new Unary("le16", BPF_ALU | BPF_END | BPF_TO_LE, 0, 16, v, 0x7788),
            new Unary("le32", BPF_ALU | BPF_END | BPF_TO_LE, 0, 32, v, 0x5566_7788L),
            new Unary("le64", BPF_ALU | BPF_END | BPF_TO_LE, 0, 64, v, v),
            new Unary("be16", BPF_ALU | BPF_END | BPF_TO_BE, 0, 16, v, 0x8877),
            new Unary("be32", BPF_ALU | BPF_END | BPF_TO_BE, 0, 32, v, 0x8877_6655L),
            new Unary("be64", BPF_ALU | BPF_END | BPF_TO_BE, 0, 64, v, 0x8877_6655_4433_2211L),
            new Unary("bswap16", BPF_ALU64 | BPF_END, 0, 16, v, 0x8877),
            new Unary("bswap32", BPF_ALU64 | BPF_END, 0, 32, v, 0x8877_6655L),
            new Unary("bswap64", BPF_ALU64 | BPF_END, 0, 64, v, 0x8877_6655_4433_2211L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unary")
    void unaryOp(Unary u) {
        long got = run(lddw(0, u.a()), ins(u.code(), 0, 0, u.off(), u.imm()), exit());
        assertEquals(u.expected(), got, () -> u.name() + ": got 0x" + Long.toHexString(got));
    }

    record Movsx(String name, int cls, int bits, long a, long expected) {
        @Override public String toString() { return name; }
    }

    static List<Movsx> movsx() {
        return List.of(
            new Movsx("movsx64 8", BPF_ALU64, 8, 0x80, 0xffff_ffff_ffff_ff80L),
            new Movsx("movsx64 8 positive, upper bits dropped", BPF_ALU64, 8, 0x17f, 0x7f),
            new Movsx("movsx64 16", BPF_ALU64, 16, 0x8000, 0xffff_ffff_ffff_8000L),
            new Movsx("movsx64 32", BPF_ALU64, 32, 0x8000_0000L, 0xffff_ffff_8000_0000L),
            new Movsx("movsx64 32 positive", BPF_ALU64, 32, 0xffff_ffff_7fff_ffffL, 0x7fff_ffffL),
            new Movsx("movsx32 8 zero-extends the 32-bit result", BPF_ALU, 8, 0x80, 0xffff_ff80L),
            new Movsx("movsx32 16", BPF_ALU, 16, 0xffff_ffff_0000_8001L, 0xffff_8001L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("movsx")
    void signExtendingMove(Movsx m) {
        long got = run(lddw(1, m.a()), ins(m.cls() | BPF_MOV | BPF_X, 0, 1, m.bits(), 0), exit());
        assertEquals(m.expected(), got, () -> m.name() + ": got 0x" + Long.toHexString(got));
    }
}
