package org.ebpf4j.isa;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;

/**
 * A fluent builder for writing programs in tests, in the spirit of cilium/ebpf's {@code asm}
 * package: each method appends one instruction (two slots for the ld_imm64 forms) and returns
 * this builder; jumps and bpf-to-bpf calls may name a {@link #label} defined before or after
 * them, resolved by {@link #build()}.
 *
 * <pre>{@code
 * List<Insn> prog = Asm.program()
 *         .mov64(R0, 0)
 *         .ldx(DW, R2, R1, 8)
 *         .jeq(R2, 3, "out")
 *         .add64(R0, R2)
 *         .label("out")
 *         .exit()
 *         .build();
 * }</pre>
 *
 * Method names follow the instruction: {@code add64}/{@code add32} (K with an {@code int}, X with
 * a {@link Reg}), {@code jeq}/{@code jeq32}, {@code ldx}/{@code ldxs}/{@code st}/{@code stx} with a
 * {@link Size}, the atomics by operation ({@code atomicAdd}, {@code atomicFetchAdd}, {@code xchg},
 * {@code cmpxchg}), the ld_imm64 family ({@code lddw}, {@code ldMapFd}, {@code ldMapValue},
 * {@code ldFunc}, ...), {@code call}, {@code callLocal}, {@code callKfunc}, {@code callx},
 * {@code exit}. A builder is single-use and not thread-safe.
 */
public final class Asm {
    private final List<Insn> insns = new ArrayList<>();
    private final LabelTable labels = new LabelTable();
    private boolean built;

    private Asm() {}

    public static Asm program() { return new Asm(); }

    /** The slot index the next instruction will take. */
    public int size() { return insns.size(); }

    /**
     * Names the next instruction's slot.
     *
     * @throws IllegalArgumentException if the label is already defined or is not an identifier
     */
    public Asm label(String name) {
        if (name == null || !AsmSyntax.LABEL.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid label name '" + name + "' (want an identifier)");
        }
        if (!labels.define(name, insns.size())) {
            throw new IllegalArgumentException("duplicate label '" + name + "' at instruction " + insns.size());
        }
        return this;
    }

    /** Appends an instruction as is (for encodings this builder has no method for). */
    public Asm raw(Insn insn) {
        insns.add(insn);
        return this;
    }

    private Asm emit(int opcode, Reg dst, Reg src, int off, int imm) {
        return raw(Insn.of(opcode, dst == null ? 0 : dst.num(), src == null ? 0 : src.num(), off, imm));
    }

    private Asm toLabel(int opcode, Reg dst, Reg src, int imm, String label, LabelTable.Field field) {
        if (label == null) {
            throw new IllegalArgumentException("null label at instruction " + insns.size());
        }
        labels.refer(insns.size(), label, field, insns.size());
        return emit(opcode, dst, src, 0, imm);
    }

    /**
     * The program with every label reference resolved.
     *
     * @throws IllegalStateException for a reference to an undefined label, a jump too far for a
     *         16-bit offset, or a second build
     */
    public List<Insn> build() {
        if (built) {
            throw new IllegalStateException("Asm.build() called twice on the same builder");
        }
        built = true;
        LabelTable.Failure failure = labels.resolve(insns);
        if (failure != null) {
            throw new IllegalStateException("instruction " + failure.where() + ": " + failure.message());
        }
        return List.copyOf(insns);
    }

    // ---- ALU: generic and named; K takes an int, X a Reg ----

    public Asm alu64(int op, Reg dst, int imm) { return emit(BPF_ALU64 | op | BPF_K, dst, null, 0, imm); }
    public Asm alu64(int op, Reg dst, Reg src) { return emit(BPF_ALU64 | op | BPF_X, dst, src, 0, 0); }
    public Asm alu32(int op, Reg dst, int imm) { return emit(BPF_ALU | op | BPF_K, dst, null, 0, imm); }
    public Asm alu32(int op, Reg dst, Reg src) { return emit(BPF_ALU | op | BPF_X, dst, src, 0, 0); }

    public Asm add64(Reg dst, int imm) { return alu64(BPF_ADD, dst, imm); }
    public Asm add64(Reg dst, Reg src) { return alu64(BPF_ADD, dst, src); }
    public Asm add32(Reg dst, int imm) { return alu32(BPF_ADD, dst, imm); }
    public Asm add32(Reg dst, Reg src) { return alu32(BPF_ADD, dst, src); }
    public Asm sub64(Reg dst, int imm) { return alu64(BPF_SUB, dst, imm); }
    public Asm sub64(Reg dst, Reg src) { return alu64(BPF_SUB, dst, src); }
    public Asm sub32(Reg dst, int imm) { return alu32(BPF_SUB, dst, imm); }
    public Asm sub32(Reg dst, Reg src) { return alu32(BPF_SUB, dst, src); }
    public Asm mul64(Reg dst, int imm) { return alu64(BPF_MUL, dst, imm); }
    public Asm mul64(Reg dst, Reg src) { return alu64(BPF_MUL, dst, src); }
    public Asm mul32(Reg dst, int imm) { return alu32(BPF_MUL, dst, imm); }
    public Asm mul32(Reg dst, Reg src) { return alu32(BPF_MUL, dst, src); }
    public Asm div64(Reg dst, int imm) { return alu64(BPF_DIV, dst, imm); }
    public Asm div64(Reg dst, Reg src) { return alu64(BPF_DIV, dst, src); }
    public Asm div32(Reg dst, int imm) { return alu32(BPF_DIV, dst, imm); }
    public Asm div32(Reg dst, Reg src) { return alu32(BPF_DIV, dst, src); }
    public Asm mod64(Reg dst, int imm) { return alu64(BPF_MOD, dst, imm); }
    public Asm mod64(Reg dst, Reg src) { return alu64(BPF_MOD, dst, src); }
    public Asm mod32(Reg dst, int imm) { return alu32(BPF_MOD, dst, imm); }
    public Asm mod32(Reg dst, Reg src) { return alu32(BPF_MOD, dst, src); }
    public Asm or64(Reg dst, int imm) { return alu64(BPF_OR, dst, imm); }
    public Asm or64(Reg dst, Reg src) { return alu64(BPF_OR, dst, src); }
    public Asm or32(Reg dst, int imm) { return alu32(BPF_OR, dst, imm); }
    public Asm or32(Reg dst, Reg src) { return alu32(BPF_OR, dst, src); }
    public Asm and64(Reg dst, int imm) { return alu64(BPF_AND, dst, imm); }
    public Asm and64(Reg dst, Reg src) { return alu64(BPF_AND, dst, src); }
    public Asm and32(Reg dst, int imm) { return alu32(BPF_AND, dst, imm); }
    public Asm and32(Reg dst, Reg src) { return alu32(BPF_AND, dst, src); }
    public Asm xor64(Reg dst, int imm) { return alu64(BPF_XOR, dst, imm); }
    public Asm xor64(Reg dst, Reg src) { return alu64(BPF_XOR, dst, src); }
    public Asm xor32(Reg dst, int imm) { return alu32(BPF_XOR, dst, imm); }
    public Asm xor32(Reg dst, Reg src) { return alu32(BPF_XOR, dst, src); }
    public Asm lsh64(Reg dst, int imm) { return alu64(BPF_LSH, dst, imm); }
    public Asm lsh64(Reg dst, Reg src) { return alu64(BPF_LSH, dst, src); }
    public Asm lsh32(Reg dst, int imm) { return alu32(BPF_LSH, dst, imm); }
    public Asm lsh32(Reg dst, Reg src) { return alu32(BPF_LSH, dst, src); }
    public Asm rsh64(Reg dst, int imm) { return alu64(BPF_RSH, dst, imm); }
    public Asm rsh64(Reg dst, Reg src) { return alu64(BPF_RSH, dst, src); }
    public Asm rsh32(Reg dst, int imm) { return alu32(BPF_RSH, dst, imm); }
    public Asm rsh32(Reg dst, Reg src) { return alu32(BPF_RSH, dst, src); }
    public Asm arsh64(Reg dst, int imm) { return alu64(BPF_ARSH, dst, imm); }
    public Asm arsh64(Reg dst, Reg src) { return alu64(BPF_ARSH, dst, src); }
    public Asm arsh32(Reg dst, int imm) { return alu32(BPF_ARSH, dst, imm); }
    public Asm arsh32(Reg dst, Reg src) { return alu32(BPF_ARSH, dst, src); }
    public Asm mov64(Reg dst, int imm) { return alu64(BPF_MOV, dst, imm); }
    public Asm mov64(Reg dst, Reg src) { return alu64(BPF_MOV, dst, src); }
    public Asm mov32(Reg dst, int imm) { return alu32(BPF_MOV, dst, imm); }
    public Asm mov32(Reg dst, Reg src) { return alu32(BPF_MOV, dst, src); }
    public Asm neg64(Reg dst) { return emit(BPF_ALU64 | BPF_NEG, dst, null, 0, 0); }
    public Asm neg32(Reg dst) { return emit(BPF_ALU | BPF_NEG, dst, null, 0, 0); }

    // cpu v4 signed forms: off = 1 for sdiv/smod, off = source width for movsx

    public Asm sdiv64(Reg dst, int imm) { return emit(BPF_ALU64 | BPF_DIV | BPF_K, dst, null, 1, imm); }
    public Asm sdiv64(Reg dst, Reg src) { return emit(BPF_ALU64 | BPF_DIV | BPF_X, dst, src, 1, 0); }
    public Asm sdiv32(Reg dst, int imm) { return emit(BPF_ALU | BPF_DIV | BPF_K, dst, null, 1, imm); }
    public Asm sdiv32(Reg dst, Reg src) { return emit(BPF_ALU | BPF_DIV | BPF_X, dst, src, 1, 0); }
    public Asm smod64(Reg dst, int imm) { return emit(BPF_ALU64 | BPF_MOD | BPF_K, dst, null, 1, imm); }
    public Asm smod64(Reg dst, Reg src) { return emit(BPF_ALU64 | BPF_MOD | BPF_X, dst, src, 1, 0); }
    public Asm smod32(Reg dst, int imm) { return emit(BPF_ALU | BPF_MOD | BPF_K, dst, null, 1, imm); }
    public Asm smod32(Reg dst, Reg src) { return emit(BPF_ALU | BPF_MOD | BPF_X, dst, src, 1, 0); }

    /** {@code dst = (s8/s16/s32) src}, 64-bit result; {@code fromBits} is 8, 16 or 32. */
    public Asm movsx64(Reg dst, Reg src, int fromBits) {
        requireWidth("movsx64 source width", fromBits, 8, 16, 32);
        return emit(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, fromBits, 0);
    }

    /** {@code wdst = (s8/s16) wsrc}; {@code fromBits} is 8 or 16. */
    public Asm movsx32(Reg dst, Reg src, int fromBits) {
        requireWidth("movsx32 source width", fromBits, 8, 16);
        return emit(BPF_ALU | BPF_MOV | BPF_X, dst, src, fromBits, 0);
    }

    /** To little endian (ALU BPF_END BPF_TO_LE); bits 16, 32 or 64. */
    public Asm le(Reg dst, int bits) { return end(BPF_ALU | BPF_END | BPF_TO_LE, dst, bits); }

    /** To big endian (ALU BPF_END BPF_TO_BE). */
    public Asm be(Reg dst, int bits) { return end(BPF_ALU | BPF_END | BPF_TO_BE, dst, bits); }

    /** Unconditional byte swap (cpu v4, ALU64 BPF_END). */
    public Asm bswap(Reg dst, int bits) { return end(BPF_ALU64 | BPF_END, dst, bits); }

    private Asm end(int opcode, Reg dst, int bits) {
        requireWidth("byte swap width", bits, 16, 32, 64);
        return emit(opcode, dst, null, 0, bits);
    }

    private void requireWidth(String what, int value, int... allowed) {
        for (int a : allowed) {
            if (a == value) {
                return;
            }
        }
        throw new IllegalArgumentException(what + " " + value + " at instruction " + insns.size()
                + " (allowed: " + java.util.Arrays.toString(allowed) + ")");
    }

    // ---- jumps ----

    /** {@code goto label} (JMP JA, 16-bit offset). */
    public Asm ja(String label) { return toLabel(BPF_JMP | BPF_JA, null, null, 0, label, LabelTable.Field.OFF); }

    /** {@code goto +off}. */
    public Asm ja(int off) { return emit(BPF_JMP | BPF_JA, null, null, off, 0); }

    /** {@code gotol label} (cpu v4 JMP32 JA, 32-bit offset in imm). */
    public Asm gotol(String label) { return toLabel(BPF_JMP32 | BPF_JA, null, null, 0, label, LabelTable.Field.IMM); }

    /** {@code may_goto label} (BPF_JCOND). */
    public Asm mayGoto(String label) { return toLabel(BPF_JMP | BPF_JCOND, null, null, 0, label, LabelTable.Field.OFF); }

    /** Generic conditional jump: {@code op} is one of Opcodes.BPF_JEQ .. BPF_JSLE. */
    public Asm jmp(int op, Reg dst, int imm, String label) {
        return toLabel(BPF_JMP | op | BPF_K, dst, null, imm, label, LabelTable.Field.OFF);
    }

    public Asm jmp(int op, Reg dst, Reg src, String label) {
        return toLabel(BPF_JMP | op | BPF_X, dst, src, 0, label, LabelTable.Field.OFF);
    }

    public Asm jmp32(int op, Reg dst, int imm, String label) {
        return toLabel(BPF_JMP32 | op | BPF_K, dst, null, imm, label, LabelTable.Field.OFF);
    }

    public Asm jmp32(int op, Reg dst, Reg src, String label) {
        return toLabel(BPF_JMP32 | op | BPF_X, dst, src, 0, label, LabelTable.Field.OFF);
    }

    public Asm jeq(Reg dst, int imm, String label) { return jmp(BPF_JEQ, dst, imm, label); }
    public Asm jeq(Reg dst, Reg src, String label) { return jmp(BPF_JEQ, dst, src, label); }
    public Asm jne(Reg dst, int imm, String label) { return jmp(BPF_JNE, dst, imm, label); }
    public Asm jne(Reg dst, Reg src, String label) { return jmp(BPF_JNE, dst, src, label); }
    public Asm jgt(Reg dst, int imm, String label) { return jmp(BPF_JGT, dst, imm, label); }
    public Asm jgt(Reg dst, Reg src, String label) { return jmp(BPF_JGT, dst, src, label); }
    public Asm jge(Reg dst, int imm, String label) { return jmp(BPF_JGE, dst, imm, label); }
    public Asm jge(Reg dst, Reg src, String label) { return jmp(BPF_JGE, dst, src, label); }
    public Asm jlt(Reg dst, int imm, String label) { return jmp(BPF_JLT, dst, imm, label); }
    public Asm jlt(Reg dst, Reg src, String label) { return jmp(BPF_JLT, dst, src, label); }
    public Asm jle(Reg dst, int imm, String label) { return jmp(BPF_JLE, dst, imm, label); }
    public Asm jle(Reg dst, Reg src, String label) { return jmp(BPF_JLE, dst, src, label); }
    public Asm jset(Reg dst, int imm, String label) { return jmp(BPF_JSET, dst, imm, label); }
    public Asm jset(Reg dst, Reg src, String label) { return jmp(BPF_JSET, dst, src, label); }
    public Asm jsgt(Reg dst, int imm, String label) { return jmp(BPF_JSGT, dst, imm, label); }
    public Asm jsgt(Reg dst, Reg src, String label) { return jmp(BPF_JSGT, dst, src, label); }
    public Asm jsge(Reg dst, int imm, String label) { return jmp(BPF_JSGE, dst, imm, label); }
    public Asm jsge(Reg dst, Reg src, String label) { return jmp(BPF_JSGE, dst, src, label); }
    public Asm jslt(Reg dst, int imm, String label) { return jmp(BPF_JSLT, dst, imm, label); }
    public Asm jslt(Reg dst, Reg src, String label) { return jmp(BPF_JSLT, dst, src, label); }
    public Asm jsle(Reg dst, int imm, String label) { return jmp(BPF_JSLE, dst, imm, label); }
    public Asm jsle(Reg dst, Reg src, String label) { return jmp(BPF_JSLE, dst, src, label); }

    public Asm jeq32(Reg dst, int imm, String label) { return jmp32(BPF_JEQ, dst, imm, label); }
    public Asm jeq32(Reg dst, Reg src, String label) { return jmp32(BPF_JEQ, dst, src, label); }
    public Asm jne32(Reg dst, int imm, String label) { return jmp32(BPF_JNE, dst, imm, label); }
    public Asm jne32(Reg dst, Reg src, String label) { return jmp32(BPF_JNE, dst, src, label); }
    public Asm jgt32(Reg dst, int imm, String label) { return jmp32(BPF_JGT, dst, imm, label); }
    public Asm jgt32(Reg dst, Reg src, String label) { return jmp32(BPF_JGT, dst, src, label); }
    public Asm jge32(Reg dst, int imm, String label) { return jmp32(BPF_JGE, dst, imm, label); }
    public Asm jge32(Reg dst, Reg src, String label) { return jmp32(BPF_JGE, dst, src, label); }
    public Asm jlt32(Reg dst, int imm, String label) { return jmp32(BPF_JLT, dst, imm, label); }
    public Asm jlt32(Reg dst, Reg src, String label) { return jmp32(BPF_JLT, dst, src, label); }
    public Asm jle32(Reg dst, int imm, String label) { return jmp32(BPF_JLE, dst, imm, label); }
    public Asm jle32(Reg dst, Reg src, String label) { return jmp32(BPF_JLE, dst, src, label); }
    public Asm jset32(Reg dst, int imm, String label) { return jmp32(BPF_JSET, dst, imm, label); }
    public Asm jset32(Reg dst, Reg src, String label) { return jmp32(BPF_JSET, dst, src, label); }
    public Asm jsgt32(Reg dst, int imm, String label) { return jmp32(BPF_JSGT, dst, imm, label); }
    public Asm jsgt32(Reg dst, Reg src, String label) { return jmp32(BPF_JSGT, dst, src, label); }
    public Asm jsge32(Reg dst, int imm, String label) { return jmp32(BPF_JSGE, dst, imm, label); }
    public Asm jsge32(Reg dst, Reg src, String label) { return jmp32(BPF_JSGE, dst, src, label); }
    public Asm jslt32(Reg dst, int imm, String label) { return jmp32(BPF_JSLT, dst, imm, label); }
    public Asm jslt32(Reg dst, Reg src, String label) { return jmp32(BPF_JSLT, dst, src, label); }
    public Asm jsle32(Reg dst, int imm, String label) { return jmp32(BPF_JSLE, dst, imm, label); }
    public Asm jsle32(Reg dst, Reg src, String label) { return jmp32(BPF_JSLE, dst, src, label); }

    // ---- calls and exit ----

    /** Helper call by id ({@code enum bpf_func_id}). */
    public Asm call(int helperId) { return emit(BPF_JMP | BPF_CALL, null, null, 0, helperId).withSrcOfLast(BPF_HELPER_CALL); }

    /** bpf-to-bpf call to the subprogram at {@code label} (src = BPF_PSEUDO_CALL, imm = distance). */
    public Asm callLocal(String label) {
        toLabel(BPF_JMP | BPF_CALL, null, null, 0, label, LabelTable.Field.IMM);
        return withSrcOfLast(BPF_PSEUDO_CALL);
    }

    /** kfunc call by BTF id (src = BPF_PSEUDO_KFUNC_CALL); {@code off} is the module BTF fd index, 0 for vmlinux. */
    public Asm callKfunc(int btfId, int off) {
        return emit(BPF_JMP | BPF_CALL, null, null, off, btfId).withSrcOfLast(BPF_PSEUDO_KFUNC_CALL);
    }

    public Asm callKfunc(int btfId) { return callKfunc(btfId, 0); }

    /** Indirect call through a register (BPF_CALL | BPF_X, register in dst as LLVM encodes it). */
    public Asm callx(Reg reg) { return emit(BPF_JMP | BPF_CALL | BPF_X, reg, null, 0, 0); }

    public Asm exit() { return emit(BPF_JMP | BPF_EXIT, null, null, 0, 0); }

    private Asm withSrcOfLast(int src) {
        int last = insns.size() - 1;
        insns.set(last, insns.get(last).withSrc(src));
        return this;
    }

    // ---- loads, stores, atomics ----

    /** {@code dst = *(size *)(src + off)}, zero-extended. */
    public Asm ldx(Size size, Reg dst, Reg src, int off) { return emit(BPF_LDX | BPF_MEM | size.code(), dst, src, off, 0); }

    /** {@code dst = *(s8/s16/s32 *)(src + off)}, sign-extended (cpu v4 BPF_MEMSX); not DW. */
    public Asm ldxs(Size size, Reg dst, Reg src, int off) {
        if (size == Size.DW) {
            throw new IllegalArgumentException("ldxs has no DW form (instruction " + insns.size() + ")");
        }
        return emit(BPF_LDX | BPF_MEMSX | size.code(), dst, src, off, 0);
    }

    /** {@code *(size *)(dst + off) = imm}. */
    public Asm st(Size size, Reg dst, int off, int imm) { return emit(BPF_ST | BPF_MEM | size.code(), dst, null, off, imm); }

    /** {@code *(size *)(dst + off) = src}. */
    public Asm stx(Size size, Reg dst, int off, Reg src) { return emit(BPF_STX | BPF_MEM | size.code(), dst, src, off, 0); }

    /** Generic BPF_STX | BPF_ATOMIC; {@code op} goes into imm (e.g. BPF_ADD | BPF_FETCH). W or DW only. */
    public Asm atomic(Size size, int op, Reg dst, int off, Reg src) {
        if (size != Size.W && size != Size.DW) {
            throw new IllegalArgumentException("atomic operations are W or DW, not " + size
                    + " (instruction " + insns.size() + ")");
        }
        return emit(BPF_STX | BPF_ATOMIC | size.code(), dst, src, off, op);
    }

    public Asm atomicAdd(Size size, Reg dst, int off, Reg src) { return atomic(size, BPF_ADD, dst, off, src); }
    public Asm atomicOr(Size size, Reg dst, int off, Reg src) { return atomic(size, BPF_OR, dst, off, src); }
    public Asm atomicAnd(Size size, Reg dst, int off, Reg src) { return atomic(size, BPF_AND, dst, off, src); }
    public Asm atomicXor(Size size, Reg dst, int off, Reg src) { return atomic(size, BPF_XOR, dst, off, src); }
    public Asm atomicFetchAdd(Size size, Reg dst, int off, Reg src) { return atomic(size, BPF_ADD | BPF_FETCH, dst, off, src); }
    public Asm atomicFetchOr(Size size, Reg dst, int off, Reg src) { return atomic(size, BPF_OR | BPF_FETCH, dst, off, src); }
    public Asm atomicFetchAnd(Size size, Reg dst, int off, Reg src) { return atomic(size, BPF_AND | BPF_FETCH, dst, off, src); }
    public Asm atomicFetchXor(Size size, Reg dst, int off, Reg src) { return atomic(size, BPF_XOR | BPF_FETCH, dst, off, src); }

    /** {@code src = xchg(dst + off, src)}. */
    public Asm xchg(Size size, Reg dst, int off, Reg src) { return atomic(size, BPF_XCHG, dst, off, src); }

    /** {@code r0 = cmpxchg(dst + off, r0, src)}. */
    public Asm cmpxchg(Size size, Reg dst, int off, Reg src) { return atomic(size, BPF_CMPXCHG, dst, off, src); }

    // ---- ld_imm64 (two slots) ----

    private Asm ldImm64(Reg dst, int src, int lo, int hi) {
        emit(LD_IMM64, dst, null, 0, lo).withSrcOfLast(src);
        return raw(Insn.of(0, 0, 0, 0, hi));
    }

    /** {@code dst = imm64 ll}. */
    public Asm lddw(Reg dst, long imm64) { return ldImm64(dst, 0, (int) imm64, (int) (imm64 >>> 32)); }

    /** A map by fd (BPF_PSEUDO_MAP_FD), replaced by the map pointer at load time. */
    public Asm ldMapFd(Reg dst, int fd) { return ldImm64(dst, BPF_PSEUDO_MAP_FD, fd, 0); }

    /** The address of a map's value at {@code off} (BPF_PSEUDO_MAP_VALUE; array maps, global data). */
    public Asm ldMapValue(Reg dst, int fd, int off) { return ldImm64(dst, BPF_PSEUDO_MAP_VALUE, fd, off); }

    /** A map by index into fd_array (BPF_PSEUDO_MAP_IDX). */
    public Asm ldMapIdx(Reg dst, int idx) { return ldImm64(dst, BPF_PSEUDO_MAP_IDX, idx, 0); }

    /** A map value address by fd_array index (BPF_PSEUDO_MAP_IDX_VALUE). */
    public Asm ldMapIdxValue(Reg dst, int idx, int off) { return ldImm64(dst, BPF_PSEUDO_MAP_IDX_VALUE, idx, off); }

    /** A kernel variable by BTF id (BPF_PSEUDO_BTF_ID). */
    public Asm ldBtfId(Reg dst, int btfId) { return ldImm64(dst, BPF_PSEUDO_BTF_ID, btfId, 0); }

    /** The address of the subprogram at {@code label} (BPF_PSEUDO_FUNC, imm = distance). */
    public Asm ldFunc(Reg dst, String label) {
        toLabel(LD_IMM64, dst, null, 0, label, LabelTable.Field.IMM);
        withSrcOfLast(BPF_PSEUDO_FUNC);
        return raw(Insn.of(0, 0, 0, 0, 0));
    }
}
