package org.ebpf4j.vm.interp;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.List;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.vm.helper.Helper;
import org.ebpf4j.vm.verifier.VerifiedProgram;

/**
 * A verified program pre-decoded into primitive arrays, so the run loop does one switch per slot
 * and no decoding: {@code ins[i]} packs the internal op (bits 0-11), dst (12-15) and src (16-19);
 * {@code off[i]} is the memory offset, or for jumps and calls the absolute target slot;
 * {@code imm[i]} is the immediate sign-extended to 64 bits, or the whole ld_imm64 constant.
 *
 * <p>The internal op is the opcode byte, with the variants the kernel selects by other fields
 * moved into bits 8-11 (sdiv/smod, movsx widths, byte-swap widths, atomic operations, local
 * calls), so that every case of the switch does one thing.
 */
final class Decoded {
    static final int V1 = 0x100, V2 = 0x200, V3 = 0x300;

    static final int ATOMIC_ADD = 1, ATOMIC_ADD_FETCH = 2, ATOMIC_OR = 3, ATOMIC_OR_FETCH = 4,
            ATOMIC_AND = 5, ATOMIC_AND_FETCH = 6, ATOMIC_XOR = 7, ATOMIC_XOR_FETCH = 8,
            ATOMIC_XCHG = 9, ATOMIC_CMPXCHG = 10, ATOMIC_LOAD_ACQ = 11, ATOMIC_STORE_REL = 12;

    /**
     * The value of a {@code BPF_PSEUDO_FUNC} ld_imm64: an address in the range where Linux puts
     * JITed BPF text, with the subprogram's slot index in it. Only {@link Context#callback}
     * gives it meaning.
     */
    static final long FUNC_BASE = 0xffff_ffff_c000_0000L;

    final int[] ins;
    final int[] off;
    final long[] imm;
    final Helper[] helpers;
    final VerifiedProgram verified;

    Decoded(VerifiedProgram v) {
        this.verified = v;
        List<Insn> insns = v.image().insns();
        int n = insns.size();
        ins = new int[n];
        off = new int[n];
        imm = new long[n];
        helpers = new Helper[n];
        for (int i = 0; i < n; i++) {
            Insn in = insns.get(i);
            int c = in.opcode();
            int op = c;
            long k = in.imm();
            int o = in.off();
            switch (cls(c)) {
                case BPF_ALU, BPF_ALU64 -> {
                    if ((op(c) == BPF_DIV || op(c) == BPF_MOD) && o == 1) {
                        op |= V1;
                    } else if (op(c) == BPF_MOV && source(c) == BPF_X && o != 0) {
                        op |= o == 8 ? V1 : o == 16 ? V2 : V3;
                    } else if (op(c) == BPF_END) {
                        op |= k == 16 ? V1 : k == 32 ? V2 : V3;
                    }
                }
                case BPF_STX -> {
                    if (mode(c) == BPF_ATOMIC) {
                        op |= atomicVariant(in.imm()) << 8;
                    }
                }
                case BPF_JMP, BPF_JMP32 -> {
                    int jop = op(c);
                    if (jop == BPF_CALL) {
                        if (in.src() == BPF_PSEUDO_CALL) {
                            op |= V1;
                            o = i + in.imm() + 1;
                        } else {
                            helpers[i] = v.helperAt()[i].impl();
                        }
                    } else if (jop != BPF_EXIT) {
                        o = c == (BPF_JMP32 | BPF_JA) ? i + in.imm() + 1 : i + o + 1;
                    }
                }
                case BPF_LD -> {
                    if (c == LD_IMM64) {
                        k = in.imm64(insns.get(i + 1));
                        if (in.src() == BPF_PSEUDO_FUNC) {
                            k = FUNC_BASE + ((long) (i + in.imm() + 1) << 3);
                        }
                    }
                }
                default -> { }
            }
            ins[i] = op | in.dst() << 12 | in.src() << 16;
            off[i] = o;
            imm[i] = k;
            if (c == LD_IMM64) {
                i++;                                    // the second slot is never executed
            }
        }
    }

    private static int atomicVariant(int imm) {
        return switch (imm) {
            case BPF_ADD -> ATOMIC_ADD;
            case BPF_ADD | BPF_FETCH -> ATOMIC_ADD_FETCH;
            case BPF_OR -> ATOMIC_OR;
            case BPF_OR | BPF_FETCH -> ATOMIC_OR_FETCH;
            case BPF_AND -> ATOMIC_AND;
            case BPF_AND | BPF_FETCH -> ATOMIC_AND_FETCH;
            case BPF_XOR -> ATOMIC_XOR;
            case BPF_XOR | BPF_FETCH -> ATOMIC_XOR_FETCH;
            case BPF_XCHG -> ATOMIC_XCHG;
            case BPF_CMPXCHG -> ATOMIC_CMPXCHG;
            case BPF_LOAD_ACQ -> ATOMIC_LOAD_ACQ;
            case BPF_STORE_REL -> ATOMIC_STORE_REL;
            default -> throw new IllegalStateException("atomic op " + imm + " passed the verifier");
        };
    }

    /** Slot index of a PSEUDO_FUNC value if it names a subprogram of this program, else -1. */
    int funcTarget(long funcPtr) {
        long rel = funcPtr - FUNC_BASE;
        if (rel < 0 || (rel & 7) != 0 || (rel >>> 3) >= ins.length) {
            return -1;
        }
        int idx = (int) (rel >>> 3);
        return verified.isSubprogStart(idx) ? idx : -1;
    }
}
