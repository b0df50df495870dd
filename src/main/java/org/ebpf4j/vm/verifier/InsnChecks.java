package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * The per-instruction checks of kernel/bpf/verifier.c do_check(): reserved fields as
 * check_alu_op(), check_atomic(), check_cond_jmp_op(), check_ld_imm(), check_ld_abs() and the
 * CALL/JA/EXIT branches test them, then register numbers and the read-only frame pointer as
 * check_reg_arg() does (source operand before destination), then the constant-operand traps.
 * Whether a register was written before it is read is {@link InitDataflow}'s job.
 */
final class InsnChecks {
    static final int FP = 10;
    private static final int BPF_MAY_GOTO = 0;
    private static final int BPF_ADDR_SPACE_CAST = 1;

    private final Slots s;
    private final HelperTable helpers;
    private final boolean checkConstants;
    private final boolean checkHelperIds;

    InsnChecks(Slots s, HelperTable helpers, boolean checkConstants, boolean checkHelperIds) {
        this.s = s;
        this.helpers = helpers;
        this.checkConstants = checkConstants;
        this.checkHelperIds = checkHelperIds;
    }

    void run() {
        for (int i = 0; i < s.len; i++) {
            if (!s.second[i]) {
                check(i);
            }
        }
    }

    private VerifierException fail(int i, String reason) { return new VerifierException(i, reason); }

    private void readReg(int i, int reg) {
        if (reg > FP) {
            throw fail(i, "R" + reg + " is invalid");
        }
    }

    private void writeReg(int i, int reg) {
        if (reg > FP) {
            throw fail(i, "R" + reg + " is invalid");
        }
        if (reg == FP) {
            throw new VerifierException(i, Errno.EACCES, "frame pointer is read only");
        }
    }

    private void check(int i) {
        int c = s.code[i];
        switch (cls(c)) {
            case BPF_ALU, BPF_ALU64 -> checkAlu(i, c);
            case BPF_LDX -> { readReg(i, s.src[i]); writeReg(i, s.dst[i]); }
            case BPF_STX -> checkStx(i, c);
            case BPF_ST -> {
                if (mode(c) != BPF_MEM || s.src[i] != 0) {
                    throw fail(i, "BPF_ST uses reserved fields");
                }
                readReg(i, s.dst[i]);
            }
            case BPF_JMP, BPF_JMP32 -> checkJmp(i, c);
            default -> checkLd(i, c);
        }
    }

    private void checkAlu(int i, int c) {
        int op = op(c);
        boolean alu64 = cls(c) == BPF_ALU64;
        int dst = s.dst[i], src = s.src[i], off = s.off[i], imm = s.imm[i];
        if (op == BPF_NEG) {
            if (source(c) != BPF_K || src != 0 || off != 0 || imm != 0) {
                throw fail(i, "BPF_NEG uses reserved fields");
            }
            writeReg(i, dst);
            return;
        }
        if (op == BPF_END) {
            if (src != 0 || off != 0 || (imm != 16 && imm != 32 && imm != 64)
                    || (alu64 && source(c) != BPF_TO_LE)) {
                throw fail(i, "BPF_END uses reserved fields");
            }
            writeReg(i, dst);
            return;
        }
        if (op == BPF_MOV) {
            if (source(c) == BPF_X) {
                if (!alu64) {
                    if ((off != 0 && off != 8 && off != 16) || imm != 0) {
                        throw fail(i, "BPF_MOV uses reserved fields");
                    }
                } else if (off == BPF_ADDR_SPACE_CAST) {
                    if (imm != 1 && imm != 1 << 16) {
                        throw fail(i, "addr_space_cast insn can only convert between address space 1 and 0");
                    }
                    throw fail(i, "addr_space_cast insn can only be used in a program that has an associated arena");
                } else if ((off != 0 && off != 8 && off != 16 && off != 32) || imm != 0) {
                    throw fail(i, "BPF_MOV uses reserved fields");
                }
                readReg(i, src);
            } else if (src != 0 || off != 0) {
                throw fail(i, "BPF_MOV uses reserved fields");
            }
            writeReg(i, dst);
            return;
        }
        boolean sdivForm = off == 1 && (op == BPF_DIV || op == BPF_MOD);
        if (source(c) == BPF_X) {
            if (imm != 0 || (off != 0 && !sdivForm)) {
                throw fail(i, "BPF_ALU uses reserved fields");
            }
            readReg(i, src);
        } else if (src != 0 || (off != 0 && !sdivForm)) {
            throw fail(i, "BPF_ALU uses reserved fields");
        }
        writeReg(i, dst);
        if (checkConstants && source(c) == BPF_K) {
            if ((op == BPF_DIV || op == BPF_MOD) && imm == 0) {
                throw fail(i, "div by zero");
            }
            int width = alu64 ? 64 : 32;
            if ((op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) && (imm < 0 || imm >= width)) {
                throw fail(i, "invalid shift " + imm);
            }
        }
    }

    private void checkStx(int i, int c) {
        if (mode(c) == BPF_ATOMIC) {
            int imm = s.imm[i];
            int size = size(c);
            switch (imm) {
                case BPF_ADD, BPF_ADD | BPF_FETCH, BPF_AND, BPF_AND | BPF_FETCH, BPF_OR,
                     BPF_OR | BPF_FETCH, BPF_XOR, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG -> {
                    if (size != BPF_W && size != BPF_DW) {
                        throw fail(i, "invalid atomic operand size");
                    }
                    readReg(i, s.src[i]);
                    readReg(i, s.dst[i]);
                    if ((imm & BPF_FETCH) != 0 && imm != BPF_CMPXCHG) {
                        writeReg(i, s.src[i]);
                    }
                }
                case BPF_LOAD_ACQ -> { readReg(i, s.src[i]); writeReg(i, s.dst[i]); }
                case BPF_STORE_REL -> { readReg(i, s.src[i]); readReg(i, s.dst[i]); }
                default -> throw fail(i, String.format("BPF_ATOMIC uses invalid atomic opcode %02x", imm));
            }
            return;
        }
        if (mode(c) != BPF_MEM || s.imm[i] != 0) {
            throw fail(i, "BPF_STX uses reserved fields");
        }
        readReg(i, s.src[i]);
        readReg(i, s.dst[i]);
    }

    private void checkJmp(int i, int c) {
        int op = op(c);
        boolean jmp32 = cls(c) == BPF_JMP32;
        int dst = s.dst[i], src = s.src[i], off = s.off[i], imm = s.imm[i];
        switch (op) {
            case BPF_CALL -> {
                if (source(c) != BPF_K || (src != BPF_PSEUDO_KFUNC_CALL && off != 0)
                        || (src != BPF_HELPER_CALL && src != BPF_PSEUDO_CALL && src != BPF_PSEUDO_KFUNC_CALL)
                        || dst != 0 || jmp32) {
                    throw fail(i, "BPF_CALL uses reserved fields");
                }
                if (checkHelperIds && src == BPF_HELPER_CALL && helpers.lookup(imm) == null) {
                    throw fail(i, "invalid func unknown#" + imm);
                }
            }
            case BPF_JA -> {
                if (source(c) != BPF_K || src != 0 || dst != 0 || (!jmp32 && imm != 0) || (jmp32 && off != 0)) {
                    throw fail(i, "BPF_JA uses reserved fields");
                }
            }
            case BPF_EXIT -> {
                // off is not checked: Linux 6.18 loads "exit" with off != 0 (bpf_conformance
                // negative/unused-exit-offset expects a refusal; we follow the kernel)
                if (source(c) != BPF_K || imm != 0 || src != 0 || dst != 0 || jmp32) {
                    throw fail(i, "BPF_EXIT uses reserved fields");
                }
            }
            case BPF_JCOND -> {
                if (src != BPF_MAY_GOTO || dst != 0 || imm != 0) {
                    throw fail(i, "invalid may_goto imm " + imm);
                }
            }
            default -> {
                if (source(c) == BPF_X) {
                    if (imm != 0) {
                        throw fail(i, "BPF_JMP/JMP32 uses reserved fields");
                    }
                    readReg(i, src);
                } else if (src != 0) {
                    throw fail(i, "BPF_JMP/JMP32 uses reserved fields");
                }
                readReg(i, dst);
            }
        }
    }

    private void checkLd(int i, int c) {
        if (mode(c) == BPF_IMM) {
            if (size(c) != BPF_DW) {
                // Only reachable for the code-0 second slot of an ld_imm64 entered by a jump.
                throw fail(i, "invalid BPF_LD_IMM insn");
            }
            if (s.off[i] != 0) {
                throw fail(i, "BPF_LD_IMM64 uses reserved fields");
            }
            writeReg(i, s.dst[i]);
            return;
        }
        // BPF_ABS / BPF_IND (the opcode table admits no other mode)
        if (s.dst[i] != 0 || s.off[i] != 0 || size(c) == BPF_DW || (mode(c) == BPF_ABS && s.src[i] != 0)) {
            throw fail(i, "BPF_LD_[ABS|IND] uses reserved fields");
        }
        if (mode(c) == BPF_IND) {
            readReg(i, s.src[i]);
        }
    }
}
