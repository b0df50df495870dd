package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

/**
 * Which opcode bytes exist at all: the kernel's {@code bpf_opcode_in_insntable()}
 * (kernel/bpf/core.c, BPF_INSN_MAP plus the verifier-only codes), Linux 6.18. Anything else is
 * "unknown opcode %02x" before any other check looks at the instruction.
 */
final class OpcodeTable {
    private OpcodeTable() {}

    private static final int[] ALU_OPS = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND,
            BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};
    private static final int[] COND_JMP_OPS = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE,
            BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};

    /** Indexed by opcode byte; built per call so that no table is shared mutable state. */
    static boolean[] build() {
        boolean[] ok = new boolean[256];
        for (int cls : new int[] {BPF_ALU, BPF_ALU64}) {
            for (int op : ALU_OPS) {
                ok[cls | op | BPF_K] = true;
                ok[cls | op | BPF_X] = true;
            }
            ok[cls | BPF_NEG] = true;                 // INSN_2: no X form
            ok[cls | BPF_END | BPF_TO_LE] = true;     // ALU64: bswap
        }
        ok[BPF_ALU | BPF_END | BPF_TO_BE] = true;
        for (int cls : new int[] {BPF_JMP, BPF_JMP32}) {
            for (int op : COND_JMP_OPS) {
                ok[cls | op | BPF_K] = true;
                ok[cls | op | BPF_X] = true;
            }
            ok[cls | BPF_JA] = true;                  // JMP32: gotol
        }
        ok[BPF_JMP | BPF_CALL] = true;
        ok[BPF_JMP | BPF_EXIT] = true;
        ok[BPF_JMP | BPF_JCOND] = true;               // may_goto
        ok[LD_IMM64] = true;
        for (int size : new int[] {BPF_B, BPF_H, BPF_W}) {
            ok[BPF_LD | BPF_ABS | size] = true;
            ok[BPF_LD | BPF_IND | size] = true;
            ok[BPF_LDX | BPF_MEMSX | size] = true;
            ok[BPF_STX | BPF_ATOMIC | size] = true;   // B/H only for load-acquire/store-release
        }
        for (int size : new int[] {BPF_B, BPF_H, BPF_W, BPF_DW}) {
            ok[BPF_LDX | BPF_MEM | size] = true;
            ok[BPF_ST | BPF_MEM | size] = true;
            ok[BPF_STX | BPF_MEM | size] = true;
        }
        ok[BPF_STX | BPF_ATOMIC | BPF_DW] = true;
        return ok;
    }
}
