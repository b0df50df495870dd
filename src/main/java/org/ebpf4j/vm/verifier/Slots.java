package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.List;
import org.ebpf4j.isa.Insn;

/** The program's slots unpacked into arrays, with the facts every pass needs about jumps. */
final class Slots {
    final int len;
    final int[] code, dst, src, off, imm;
    /** True for the second slot of an ld_imm64 (set once the pairs are known to be well formed). */
    final boolean[] second;

    Slots(List<Insn> insns) {
        len = insns.size();
        code = new int[len];
        dst = new int[len];
        src = new int[len];
        off = new int[len];
        imm = new int[len];
        second = new boolean[len];
        for (int i = 0; i < len; i++) {
            Insn in = insns.get(i);
            code[i] = in.opcode();
            dst[i] = in.dst();
            src[i] = in.src();
            off[i] = in.off();
            imm[i] = in.imm();
        }
    }

    boolean isPseudoCall(int i) { return code[i] == (BPF_JMP | BPF_CALL) && src[i] == BPF_PSEUDO_CALL; }

    boolean isHelperCall(int i) { return code[i] == (BPF_JMP | BPF_CALL) && src[i] == BPF_HELPER_CALL; }

    boolean isPseudoFunc(int i) { return code[i] == LD_IMM64 && src[i] == BPF_PSEUDO_FUNC; }

    /** Whether insn i is a jump with a target inside the program text (not call or exit). */
    boolean isJump(int i) {
        int c = code[i];
        if (!isJmp(c)) {
            return false;
        }
        int op = op(c);
        return op != BPF_CALL && op != BPF_EXIT;
    }

    /** Target of a jump: gotol uses imm, every other jump off; both relative to the next slot. */
    int jumpTarget(int i) {
        return code[i] == (BPF_JMP32 | BPF_JA) ? i + imm[i] + 1 : i + off[i] + 1;
    }

    /** Index of the next instruction in the text (skipping the second slot of an ld_imm64). */
    int next(int i) { return code[i] == LD_IMM64 ? i + 2 : i + 1; }
}
