package org.ebpf4j.isa;

import static org.ebpf4j.isa.Opcodes.*;

/**
 * One 8-byte instruction slot, exactly as {@code struct bpf_insn}: opcode, dst_reg (low nibble),
 * src_reg (high nibble), a signed 16-bit offset and a signed 32-bit immediate. A 16-byte
 * {@code ld_imm64} is two slots; its second slot has opcode 0 and carries the upper 32 bits in imm.
 *
 * <p>Fields are kept raw (register numbers up to 15) so that invalid encodings survive a decode and
 * can be rejected by the verifier with the kernel's words.
 */
public record Insn(int opcode, int dst, int src, short off, int imm) {

    public Insn {
        if ((opcode & ~0xff) != 0 || (dst & ~0xf) != 0 || (src & ~0xf) != 0) {
            throw new IllegalArgumentException("instruction field out of range: opcode=" + opcode
                    + " dst=" + dst + " src=" + src);
        }
    }

    public static Insn of(int opcode, int dst, int src, int off, int imm) {
        return new Insn(opcode, dst, src, (short) off, imm);
    }

    /** Decodes one little-endian slot given as the 64-bit value read from memory. */
    public static Insn decode(long raw) {
        int opcode = (int) (raw & 0xff);
        int regs = (int) ((raw >>> 8) & 0xff);
        short off = (short) (raw >>> 16);
        int imm = (int) (raw >>> 32);
        return new Insn(opcode, regs & 0xf, regs >>> 4, off, imm);
    }

    /** The 64-bit value whose little-endian bytes are this slot. */
    public long encode() {
        return (opcode & 0xffL) | ((long) (dst | src << 4) << 8) | ((off & 0xffffL) << 16)
                | ((long) imm << 32);
    }

    public int cls() { return Opcodes.cls(opcode); }

    /** True for the first slot of a 16-byte ld_imm64. */
    public boolean isLdImm64() { return opcode == LD_IMM64; }

    /** The 64-bit immediate of an ld_imm64 whose second slot is {@code next}. */
    public long imm64(Insn next) {
        return (imm & 0xffffffffL) | ((long) next.imm << 32);
    }

    public boolean isExit() { return opcode == (BPF_JMP | BPF_EXIT); }

    public boolean isCall() { return opcode == (BPF_JMP | BPF_CALL); }

    public boolean isHelperCall() { return isCall() && src == BPF_HELPER_CALL; }

    public boolean isPseudoCall() { return isCall() && src == BPF_PSEUDO_CALL; }

    public boolean isKfuncCall() { return isCall() && src == BPF_PSEUDO_KFUNC_CALL; }

    public Insn withImm(int newImm) { return new Insn(opcode, dst, src, off, newImm); }

    public Insn withSrc(int newSrc) { return new Insn(opcode, dst, newSrc, off, imm); }

    public Insn withOff(int newOff) { return new Insn(opcode, dst, src, (short) newOff, imm); }
}
