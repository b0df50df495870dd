package org.ebpf4j.vm.interp;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.List;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.vm.helper.Helper;
import org.ebpf4j.vm.helper.TailCallHelper;
import org.ebpf4j.vm.verifier.VerifiedProgram;

/**
 * A verified program pre-decoded into primitive arrays, so the run loop does one switch per slot
 * and no decoding: {@code ins[i]} packs the internal op (bits 0-7), dst (8-11) and src (12-15);
 * {@code off[i]} is the memory offset, or for jumps and calls the absolute target slot;
 * {@code imm[i]} is the immediate sign-extended to 64 bits, or the whole ld_imm64 constant.
 *
 * <p>The internal op is the opcode byte, except for the variants the kernel selects by other
 * fields (sdiv/smod by off, movsx by off, byte swaps by imm, atomics by imm, local calls by src,
 * bpf_tail_call by its helper):
 * those get opcode bytes that are invalid in BPF (classes LD and ST with modes no instruction
 * uses), so that one dense switch over 0-255 does one thing per case and javac compiles it to a
 * jump table.
 */
final class Decoded {
    // free byte values in class BPF_LD (0x?0, 0x?8 beyond ABS/IND/IMM) and class BPF_ST (0x?2, 0x?a)
    static final int SDIV64_K = 0x58, SDIV64_X = 0x60, SMOD64_K = 0x68, SMOD64_X = 0x70,
            SDIV32_K = 0x78, SDIV32_X = 0x80, SMOD32_K = 0x88, SMOD32_X = 0x90,
            MOVSX64_8 = 0x98, MOVSX64_16 = 0xa0, MOVSX64_32 = 0xa8, MOVSX32_8 = 0xb0, MOVSX32_16 = 0xb8,
            LE16 = 0xc0, LE32 = 0xc8, LE64 = 0xd0, BE16 = 0xd8, BE32 = 0xe0, BE64 = 0xe8,
            BSWAP16 = 0xf0, BSWAP32 = 0xf8, BSWAP64 = 0x02,
            ATOMIC_ADD32 = 0x0a, ATOMIC_ADD64 = 0x12, ATOMIC_CMPXCHG32 = 0x1a, ATOMIC_CMPXCHG64 = 0x22,
            CALL_LOCAL = 0x2a, TAIL_CALL = 0x32;

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
    /**
     * Whether a run must set up the RunState (seen only by helpers, and only through a helper can
     * a tail call bring in a program that counts loops) and the may_goto budget; programs with
     * neither helper calls nor may_goto skip that setup.
     */
    final boolean needsRunState;

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
            long k = in.imm();
            int o = in.off();
            int op = switch (cls(c)) {
                case BPF_ALU, BPF_ALU64 -> aluOp(c, o, in.imm());
                case BPF_STX -> mode(c) != BPF_ATOMIC ? c : switch (in.imm()) {
                    case BPF_ADD -> size(c) == BPF_DW ? ATOMIC_ADD64 : ATOMIC_ADD32;
                    case BPF_CMPXCHG -> size(c) == BPF_DW ? ATOMIC_CMPXCHG64 : ATOMIC_CMPXCHG32;
                    default -> c;                      // the rest run out of line, decoded from imm
                };
                case BPF_JMP, BPF_JMP32 -> {
                    int jop = op(c);
                    if (jop == BPF_CALL) {
                        if (in.src() == BPF_PSEUDO_CALL) {
                            o = i + in.imm() + 1;
                            yield CALL_LOCAL;
                        }
                        helpers[i] = v.helperAt()[i].impl();
                        if (helpers[i] instanceof TailCallHelper) {
                            yield TAIL_CALL;                // inline, as the kernel's BPF_TAIL_CALL
                        }
                    } else if (jop != BPF_EXIT) {
                        o = c == (BPF_JMP32 | BPF_JA) ? i + in.imm() + 1 : i + o + 1;
                    }
                    yield c;
                }
                default -> c;
            };
            if (c == LD_IMM64) {
                k = in.imm64(insns.get(i + 1));
                if (in.src() == BPF_PSEUDO_FUNC) {
                    k = FUNC_BASE + ((long) (i + in.imm() + 1) << 3);
                }
            }
            ins[i] = op | in.dst() << 8 | in.src() << 12;
            off[i] = o;
            imm[i] = k;
            if (c == LD_IMM64) {
                i++;                                    // the second slot is never executed
            }
        }
        boolean needs = false;
        for (int i = 0; i < n && !needs; i++) {
            needs = helpers[i] != null || (ins[i] & 0xff) == (BPF_JMP | BPF_JCOND);
        }
        needsRunState = needs;
    }

    private static int aluOp(int c, int off, int imm) {
        boolean alu64 = cls(c) == BPF_ALU64;
        boolean x = source(c) == BPF_X;
        return switch (op(c)) {
            case BPF_DIV -> off != 1 ? c : alu64 ? (x ? SDIV64_X : SDIV64_K) : (x ? SDIV32_X : SDIV32_K);
            case BPF_MOD -> off != 1 ? c : alu64 ? (x ? SMOD64_X : SMOD64_K) : (x ? SMOD32_X : SMOD32_K);
            case BPF_MOV -> !x || off == 0 ? c : alu64
                    ? (off == 8 ? MOVSX64_8 : off == 16 ? MOVSX64_16 : MOVSX64_32)
                    : (off == 8 ? MOVSX32_8 : MOVSX32_16);
            case BPF_END -> {
                int w = imm == 16 ? 0 : imm == 32 ? 1 : 2;
                int[] ops = alu64 ? new int[] {BSWAP16, BSWAP32, BSWAP64}
                        : x ? new int[] {BE16, BE32, BE64} : new int[] {LE16, LE32, LE64};
                yield ops[w];
            }
            default -> c;
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
