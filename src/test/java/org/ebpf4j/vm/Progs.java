package org.ebpf4j.vm;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.isa.Insn;

/**
 * Raw-slot shorthands for vm tests (the real assembler lives in isa): every helper here is one
 * {@link Insn#of} with the fields spelled out, so a test reads as the encoding it exercises.
 */
public final class Progs {
    private Progs() {}

    public static Insn ins(int opcode, int dst, int src, int off, int imm) {
        return Insn.of(opcode, dst, src, off, imm);
    }

    public static Insn movK(int dst, int imm) { return ins(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }

    public static Insn movX(int dst, int src) { return ins(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }

    public static Insn alu64K(int op, int dst, int imm) { return ins(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm); }

    public static Insn alu64X(int op, int dst, int src) { return ins(BPF_ALU64 | op | BPF_X, dst, src, 0, 0); }

    public static Insn exit() { return ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

    public static Insn call(int helper) { return ins(BPF_JMP | BPF_CALL, 0, 0, 0, helper); }

    /** bpf-to-bpf call to the slot {@code rel + 1} after this one. */
    public static Insn callLocal(int rel) { return ins(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel); }

    public static Insn ja(int off) { return ins(BPF_JMP | BPF_JA, 0, 0, off, 0); }

    /** The two slots of {@code lddw dst, value}. */
    public static Insn[] lddw(int dst, long value) {
        return new Insn[] {ins(LD_IMM64, dst, 0, 0, (int) value), ins(0, 0, 0, 0, (int) (value >>> 32))};
    }

    /** Flattens Insn and Insn[] arguments into one program image. */
    public static ProgramImage prog(Object... parts) {
        List<Insn> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof Insn i) {
                out.add(i);
            } else if (p instanceof Insn[] a) {
                out.addAll(List.of(a));
            } else if (p instanceof List<?> l) {
                for (Object o : l) {
                    out.add((Insn) o);
                }
            } else {
                throw new IllegalArgumentException("not an instruction: " + p);
            }
        }
        return new ProgramImage("test", out);
    }
}
