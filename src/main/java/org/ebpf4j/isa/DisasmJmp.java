package org.ebpf4j.isa;

import static org.ebpf4j.isa.Disassembler.hex;
import static org.ebpf4j.isa.Disassembler.reg;
import static org.ebpf4j.isa.Disassembler.target;
import static org.ebpf4j.isa.Disassembler.validReg;
import static org.ebpf4j.isa.Opcodes.*;

/**
 * llvm-objdump's text for BPF_JMP / BPF_JMP32 (see {@link Disassembler}): {@code goto},
 * {@code gotol} (JMP32 JA, target in imm), {@code may_goto} (BPF_JCOND), {@code call imm} (any
 * src: helper, bpf-to-bpf and kfunc calls all print the raw imm), {@code callx rD}, {@code exit}
 * and the conditional jumps {@code if rD op imm/rS goto +off}.
 */
final class DisasmJmp {
    private DisasmJmp() {}

    /** The comparison of each conditional jump op (index = op >> 4); null for the others. */
    private static final String[] CMP = {
        null, "==", ">", ">=", "&", "!=", "s>", "s>=", null, null, "<", "<=", "s<", "s<=", null, null
    };

    static String format(Insn i) {
        boolean jmp32 = i.cls() == BPF_JMP32;
        boolean x = source(i.opcode()) == BPF_X;
        int op = op(i.opcode());
        switch (op) {
            case BPF_JA:
                if (x) {
                    return null;
                }
                return jmp32 ? "gotol " + target(i.imm()) : "goto " + target(i.off());
            case BPF_CALL:
                if (jmp32) {
                    return null;
                }
                if (x) {
                    return validReg(i.dst()) ? "callx r" + i.dst() : null;
                }
                return "call " + hex(i.imm());
            case BPF_EXIT:
                return !jmp32 && !x && i.imm() == 0 ? "exit" : null;
            case BPF_JCOND:
                return !jmp32 && !x ? "may_goto " + target(i.off()) : null;
            default:
                break;
        }
        String cmp = CMP[op >> 4];
        if (cmp == null || !validReg(i.dst()) || (x && !validReg(i.src()))) {
            return null;
        }
        String src = x ? reg(i.src(), jmp32) : hex(i.imm());
        return "if " + reg(i.dst(), jmp32) + " " + cmp + " " + src + " goto " + target(i.off());
    }
}
