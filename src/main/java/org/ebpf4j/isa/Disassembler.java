package org.ebpf4j.isa;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;

/**
 * Prints instructions exactly as {@code llvm-objdump-19 -d --mcpu=v4} does for BPF (the text after
 * the hex-bytes column), so our dumps can be diffed against the real tool's.
 *
 * <p>The rules mirror LLVM's BPF decoder ({@code llvm/lib/Target/BPF/BPFInstrInfo.td} and
 * {@code Disassembler/BPFDisassembler.cpp}) as observed on every opcode byte with many field
 * variants (the recorded golden file under {@code src/test/resources/isa/}): LLVM decodes some
 * fields, requires others to be zero (or a fixed value, e.g. {@code off == 1} for signed
 * division) and ignores the rest; a register field above {@code r11} or a required field with
 * another value makes the whole slot {@code <unknown>}. So this printer accepts exactly what
 * llvm-objdump accepts, which is wider than what the kernel verifier accepts
 * ({@code kernel/bpf/verifier.c} rejects non-zero "reserved" fields that LLVM ignores).
 *
 * <p>Deviation: llvm-objdump appends a symbolised target ({@code <prog+0x68>}) to jumps and calls
 * when the object has symbols; we print no symbols.
 *
 * <p>Never throws for any encoding: what LLVM cannot decode prints as {@code <unknown>}.
 */
public final class Disassembler {
    private Disassembler() {}

    /** What llvm-objdump prints for a slot it cannot decode. */
    public static final String UNKNOWN = "<unknown>";

    /** The highest register number LLVM's BPF register class knows ({@code r11}, reserved). */
    private static final int LLVM_MAX_REG = 11;

    /**
     * One instruction. An ld_imm64 at {@code index} also reads {@code index + 1}; if that slot is
     * missing the first slot alone is {@code <unknown>}, as llvm-objdump prints a truncated one.
     *
     * @throws IndexOutOfBoundsException with a message if {@code index} is not a slot of
     *         {@code insns} (a caller bug, not bad input)
     */
    public static String format(List<Insn> insns, int index) {
        if (index < 0 || index >= insns.size()) {
            throw new IndexOutOfBoundsException("instruction index " + index + " outside 0.."
                    + (insns.size() - 1));
        }
        Insn insn = insns.get(index);
        if (insn.opcode() == LD_IMM64) {
            if (index + 1 >= insns.size()) {
                return UNKNOWN;
            }
            String text = ldImm64(insn, insns.get(index + 1));
            return text == null ? UNKNOWN : text;
        }
        String text = single(insn);
        return text == null ? UNKNOWN : text;
    }

    /**
     * The whole program, one line per instruction ("%4d: text", the slot index first, as
     * llvm-objdump numbers slots); an ld_imm64 that decodes is one line covering two slots.
     */
    public static List<String> disassemble(List<Insn> insns) {
        List<String> out = new ArrayList<>(insns.size());
        int i = 0;
        while (i < insns.size()) {
            out.add(String.format("%4d: %s", i, format(insns, i)));
            i += slots(insns, i);
        }
        return List.copyOf(out);
    }

    /** How many slots the instruction at {@code index} takes when printed (2 for a decodable ld_imm64). */
    public static int slots(List<Insn> insns, int index) {
        Insn insn = insns.get(index);
        return insn.opcode() == LD_IMM64 && index + 1 < insns.size()
                && ldImm64(insn, insns.get(index + 1)) != null ? 2 : 1;
    }

    /** LLVM's LD_imm64 / LD_pseudo: off must be 0; the second slot's fields other than imm are ignored. */
    private static String ldImm64(Insn first, Insn second) {
        if (first.off() != 0 || first.dst() > LLVM_MAX_REG) {
            return null;
        }
        if (first.src() == 0) {
            return r(first.dst()) + " = " + hex(first.imm64(second)) + " ll";
        }
        return "ld_pseudo\t" + r(first.dst()) + ", " + hex(first.src()) + ", "
                + hex(first.imm() & 0xffffffffL);
    }

    /** Decodes one 8-byte slot; {@code null} when LLVM would not. */
    private static String single(Insn i) {
        return switch (i.cls()) {
            case BPF_ALU, BPF_ALU64 -> DisasmAlu.format(i);
            case BPF_JMP, BPF_JMP32 -> DisasmJmp.format(i);
            case BPF_LD -> ld(i);
            case BPF_LDX -> ldx(i);
            case BPF_ST -> st(i);
            case BPF_STX -> stx(i);
            default -> null;
        };
    }

    /** Legacy packet loads: LLVM prints only the size and imm (ABS) or src (IND); all else ignored. */
    private static String ld(Insn i) {
        int size = size(i.opcode());
        if (size == BPF_DW) {
            return null;
        }
        return switch (mode(i.opcode())) {
            case BPF_ABS -> "r0 = *(" + u(size) + " *)skb[" + hex(i.imm()) + "]";
            case BPF_IND -> validReg(i.src()) ? "r0 = *(" + u(size) + " *)skb[" + r(i.src()) + "]" : null;
            default -> null;
        };
    }

    private static String ldx(Insn i) {
        int size = size(i.opcode());
        if (!validReg(i.dst()) || !validReg(i.src())) {
            return null;
        }
        String mem = "(" + r(i.src()) + off(i.off()) + ")";
        return switch (mode(i.opcode())) {
            case BPF_MEM -> reg(i.dst(), size != BPF_DW) + " = *(" + u(size) + " *)" + mem;
            case BPF_MEMSX -> size == BPF_DW ? null : r(i.dst()) + " = *(" + s(size) + " *)" + mem;
            default -> null;
        };
    }

    private static String st(Insn i) {
        if (mode(i.opcode()) != BPF_MEM || !validReg(i.dst())) {
            return null;
        }
        return "*(" + u(size(i.opcode())) + " *)(" + r(i.dst()) + off(i.off()) + ") = " + hex(i.imm());
    }

    private static String stx(Insn i) {
        int size = size(i.opcode());
        if (!validReg(i.dst()) || !validReg(i.src())) {
            return null;
        }
        String mem = "(" + r(i.dst()) + off(i.off()) + ")";
        return switch (mode(i.opcode())) {
            case BPF_MEM -> "*(" + u(size) + " *)" + mem + " = " + reg(i.src(), size != BPF_DW);
            case BPF_ATOMIC -> size == BPF_W || size == BPF_DW ? atomic(i, size == BPF_W, mem) : null;
            default -> null;
        };
    }

    /**
     * BPF_STX | BPF_ATOMIC: the op is in imm ({@code kernel/bpf/core.c} ATOMIC_*). LLVM looks only
     * at imm's low byte: exactly {@code op | BPF_FETCH} (or xchg/cmpxchg) selects the fetching
     * form, otherwise bits 7-4 alone select the plain {@code lock op=} form, bits 3-0 ignored.
     */
    private static String atomic(Insn i, boolean w, String mem) {
        String src = reg(i.src(), w);
        String sized = "(" + (w ? "u32" : "u64") + " *)" + mem;
        int low = i.imm() & 0xff;
        String addr = r(i.dst()) + off(i.off());
        if (low == BPF_XCHG) {
            return src + " = " + (w ? "xchg32_32(" : "xchg_64(") + addr + ", " + src + ")";
        }
        if (low == BPF_CMPXCHG) {
            String r0 = reg(0, w);
            return r0 + " = " + (w ? "cmpxchg32_32(" : "cmpxchg_64(") + addr + ", " + r0 + ", " + src + ")";
        }
        int op = low & 0xf0;
        String name = switch (op) {
            case BPF_ADD -> "add";
            case BPF_OR -> "or";
            case BPF_AND -> "and";
            case BPF_XOR -> "xor";
            default -> null;
        };
        if (name == null) {
            return null;
        }
        if (low == (op | BPF_FETCH)) {
            return src + " = atomic_fetch_" + name + "(" + sized + ", " + src + ")";
        }
        return "lock *" + sized + " " + DisasmAlu.SYMBOL[op >> 4] + "= " + src;
    }

    // ---- shared spelling helpers (package-private for DisasmAlu/DisasmJmp) ----

    static boolean validReg(int reg) { return reg <= LLVM_MAX_REG; }

    static String r(int reg) { return "r" + reg; }

    static String reg(int reg, boolean w) { return (w ? "w" : "r") + reg; }

    /** Signed hex as LLVM's printImm with hex printing on: {@code 0x5}, {@code -0x1}. */
    static String hex(long v) {
        return v < 0 ? "-0x" + Long.toHexString(-v) : "0x" + Long.toHexString(v);
    }

    /** A memory operand's offset: {@code " + 0x8"}, {@code " - 0x8"}. */
    static String off(short off) {
        return off < 0 ? " - 0x" + Integer.toHexString(-off) : " + 0x" + Integer.toHexString(off);
    }

    /** A jump offset: {@code +0x2}, {@code -0x3}. */
    static String target(long off) {
        return off < 0 ? "-0x" + Long.toHexString(-off) : "+0x" + Long.toHexString(off);
    }

    private static String u(int size) {
        return switch (size) {
            case BPF_B -> "u8";
            case BPF_H -> "u16";
            case BPF_W -> "u32";
            default -> "u64";
        };
    }

    private static String s(int size) {
        return switch (size) {
            case BPF_B -> "s8";
            case BPF_H -> "s16";
            default -> "s32";
        };
    }
}
