package org.ebpf4j.isa;

import static org.ebpf4j.isa.Disassembler.hex;
import static org.ebpf4j.isa.Disassembler.reg;
import static org.ebpf4j.isa.Disassembler.validReg;
import static org.ebpf4j.isa.Opcodes.*;

/**
 * llvm-objdump's text for BPF_ALU / BPF_ALU64 (see {@link Disassembler}). ALU32 operands print as
 * {@code wN}, ALU64 as {@code rN}; a K form ignores src, an X form ignores imm, and off must be 0
 * except where cpu v4 gave it a meaning (sdiv/smod: 1, movsx: 8/16/32, addr_space_cast: 1).
 */
final class DisasmAlu {
    private DisasmAlu() {}

    /** The C operator of each ALU op (index = op >> 4); null where the op is not "dst op= src". */
    static final String[] SYMBOL = {
        "+", "-", "*", "/", "|", "&", "<<", ">>", null, "%", "^", "", "s>>", null, null, null
    };

    static String format(Insn i) {
        boolean w = i.cls() == BPF_ALU;
        int op = op(i.opcode());
        boolean x = source(i.opcode()) == BPF_X;
        if (!validReg(i.dst())) {
            return null;
        }
        String dst = reg(i.dst(), w);
        if (op == BPF_NEG) {
            // LLVM's NEG ignores src, off and imm; there is no X form
            return x ? null : dst + " = -" + dst;
        }
        if (op == BPF_END) {
            return end(i, w, x);
        }
        String sym = SYMBOL[op >> 4];
        if (sym == null) {
            return null;
        }
        if (x && !validReg(i.src())) {
            return null;
        }
        String src = x ? reg(i.src(), w) : hex(i.imm());
        int off = i.off();
        if (off == 0) {
            return dst + " " + sym + "= " + src;
        }
        if (off == 1 && (op == BPF_DIV || op == BPF_MOD)) {
            return dst + " s" + sym + "= " + src;
        }
        if (op == BPF_MOV && x) {
            if (off == 8 || off == 16 || (off == 32 && !w)) {
                return dst + " = (s" + off + ")" + src;
            }
            if (off == 1 && !w) {
                // arena pointer cast: imm = dst address space << 16 | src address space
                return dst + " = addr_space_cast(" + src + ", " + hex((i.imm() >>> 16) & 0xffff) + ", "
                        + hex(i.imm() & 0xffff) + ")";
            }
        }
        return null;
    }

    /** BPF_END: le/be (ALU) and bswap (ALU64, K only); imm is the width and must be 16/32/64. */
    private static String end(Insn i, boolean w, boolean x) {
        if (i.imm() != 16 && i.imm() != 32 && i.imm() != 64) {
            return null;
        }
        String name;
        if (w) {
            name = x ? "be" : "le";
        } else if (!x) {
            name = "bswap";
        } else {
            return null;
        }
        String dst = Disassembler.r(i.dst());
        return dst + " = " + name + i.imm() + " " + dst;
    }
}
