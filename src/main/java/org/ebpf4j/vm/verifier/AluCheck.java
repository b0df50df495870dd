package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.VerifierException;

/**
 * ALU instructions on abstract registers, kernel/bpf/verifier.c check_alu_op() and
 * adjust_reg_min_max_vals(): scalars through {@link ScalarAlu}; pointer arithmetic through
 * adjust_ptr_min_max_vals()'s rules (which pointer types allow it, only add/sub of a sanely bounded
 * scalar, 64-bit only); pointer minus pointer gives a scalar to a privileged loader.
 */
final class AluCheck {
    private static final String[] ALU_STR = {"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=",
        "s>>=", "endian"};

    private AluCheck() {}

    static void apply(VState st, int insn, int code, int dst, int src, int off, int imm) {
        boolean alu64 = cls(code) == BPF_ALU64;
        int op = op(code);
        Frame f = st.cur();
        RegState d = f.regs[dst];
        if (op == BPF_MOV) {
            mov(st, f, code, dst, src, off, imm, alu64);
            return;
        }
        if (op == BPF_NEG || op == BPF_END) {
            if (d.type != RegType.SCALAR) {
                d.markUnknown();
                return;
            }
            d.id = 0;
            long v = d.var.value();
            long r;
            boolean wide;
            if (op == BPF_NEG) {
                r = alu64 ? -v : Integer.toUnsignedLong(-(int) v);
                wide = alu64;
            } else {
                boolean doSwap = alu64 || source(code) == BPF_TO_BE;
                long lo = imm == 64 ? v : v & ((1L << imm) - 1);
                r = doSwap ? swap(v, imm, true) : lo;
                wide = true;
            }
            ScalarAlu.unknownUnlessConst(d, wide, r);
            return;
        }
        RegState s = source(code) == BPF_X ? f.regs[src] : RegState.known(alu64 ? imm : Integer.toUnsignedLong(imm));
        if (source(code) == BPF_K && !alu64) {
            s = RegState.known(Integer.toUnsignedLong(imm));
        }
        if (d.type == RegType.BTF_ID && d.btfStruct == null) {
            d.markUnknown();          // a context argument of unknown BTF type used as a number
        }
        if (s.type == RegType.BTF_ID && s.btfStruct == null) {
            s = RegState.unknown();
        }
        if (d.type.isPointer() || s.type.isPointer()) {
            pointerAlu(st, insn, op, dst, src, d, s, alu64, source(code) == BPF_X);
            return;
        }
        if (d.type == RegType.SCALAR) {
            d.id = 0;   // a changed value no longer equals its former copies
        }
        ScalarAlu.apply(op, d, s, alu64);
    }

    private static long swap(long v, int bits, boolean swap) {
        if (!swap) {
            return v;
        }
        return switch (bits) {
            case 16 -> Short.toUnsignedLong(Short.reverseBytes((short) v));
            case 32 -> Integer.toUnsignedLong(Integer.reverseBytes((int) v));
            default -> Long.reverseBytes(v);
        };
    }

    private static void mov(VState st, Frame f, int code, int dst, int src, int off, int imm, boolean alu64) {
        if (source(code) == BPF_K) {
            f.regs[dst] = RegState.known(alu64 ? imm : Integer.toUnsignedLong(imm));
            return;
        }
        RegState s = f.regs[src];
        if (off != 0) {           // movsx: sign extension of the low 8/16/32 bits
            RegState r = s.copy();
            if (r.type != RegType.SCALAR) {
                r.markUnknown();
            } else if (r.isConst()) {
                long v = r.var.value();
                long x = off == 8 ? (byte) v : off == 16 ? (short) v : (int) v;
                r = RegState.known(alu64 ? x : Integer.toUnsignedLong((int) x));
            } else {
                r.markUnknown();
                if (!alu64) {
                    r.zext32();
                }
            }
            f.regs[dst] = r;
            return;
        }
        if (alu64) {
            if (s.type == RegType.SCALAR && s.id == 0 && !s.isConst()) {
                s.id = st.newId();    // assign_scalar_id_before_mov(): the copies are linked
            }
            f.regs[dst] = s.copy();
            return;
        }
        RegState r = s.copy();
        if (r.type != RegType.SCALAR) {
            r.markUnknown();          // a privileged loader may copy half a pointer; it is just a number then
        }
        r.id = 0;
        r.var = r.var.cast(4);
        r.zext32();
        f.regs[dst] = r;
    }

    private static void pointerAlu(VState st, int insn, int op, int dst, int src, RegState d, RegState s, boolean alu64,
                                   boolean x) {
        if (d.type.isPointer() && s.type.isPointer()) {
            if (op == BPF_SUB && alu64) {
                d.markUnknown();      // ptr - ptr: a scalar for a privileged loader
                return;
            }
            throw new VerifierException(insn, Errno.EACCES, "R" + dst + " pointer " + ALU_STR[op >> 4] + " pointer prohibited");
        }
        if (!d.type.isPointer()) {       // scalar op pointer
            if (op == BPF_ADD && alu64) {
                RegState ptr = s.copy();
                adjust(st, insn, op, dst, ptr, d, alu64);
                st.cur().regs[dst] = ptr;
            } else {
                d.markUnknown();
            }
            return;
        }
        adjust(st, insn, op, dst, d, s, alu64);
    }

    /** adjust_ptr_min_max_vals(): {@code ptr op scalar}, result into {@code ptr}. */
    private static void adjust(VState st, int insn, int op, int dst, RegState ptr, RegState off, boolean alu64) {
        String tn = ptr.type.kernelName;
        if (!alu64) {
            throw new VerifierException(insn, Errno.EACCES, "R" + dst + " 32-bit pointer arithmetic prohibited");
        }
        if (ptr.type.maybeNull()) {
            throw new VerifierException(insn, Errno.EACCES, "R" + dst + " pointer arithmetic on " + tn
                    + " prohibited, null-check it first");
        }
        switch (ptr.type) {
            case MAP_PTR, PACKET_END, SOCKET, SOCK_COMMON, TCP_SOCK, FUNC ->
                throw new VerifierException(insn, Errno.EACCES, "R" + dst + " pointer arithmetic on " + tn + " prohibited");
            default -> { }
        }
        if (op != BPF_ADD && op != BPF_SUB) {
            if (op == BPF_AND || op == BPF_OR || op == BPF_XOR) {
                throw new VerifierException(insn, Errno.EACCES, "R" + dst + " bitwise operator " + ALU_STR[op >> 4]
                        + " on pointer prohibited");
            }
            throw new VerifierException(insn, Errno.EACCES, "R" + dst + " pointer arithmetic with " + ALU_STR[op >> 4]
                    + " operator prohibited");
        }
        saneOffset(insn, off, tn);
        if (off.isConst()) {
            long v = off.var.value();
            long nOff = op == BPF_ADD ? ptr.off + v : ptr.off - v;
            if (nOff >= MemAccess.BPF_MAX_VAR_OFF || nOff <= -MemAccess.BPF_MAX_VAR_OFF) {
                throw new VerifierException(insn, "value " + nOff + " makes " + tn + " pointer be out of bounds");
            }
            ptr.off = (int) nOff;
            return;
        }
        // a variable part: the pointer's var_off and bounds move with the scalar
        RegState v = ptr.copy();
        v.type = RegType.SCALAR;
        ScalarAlu.apply(op, v, off, true);
        ptr.var = v.var;
        ptr.smin = v.smin;
        ptr.smax = v.smax;
        ptr.umin = v.umin;
        ptr.umax = v.umax;
        ptr.s32min = v.s32min;
        ptr.s32max = v.s32max;
        ptr.u32min = v.u32min;
        ptr.u32max = v.u32max;
        if (ptr.type.isPacket()) {
            ptr.id = st.newId();
            ptr.range = 0;
        }
        RegState bound = ptr.copy();
        bound.type = RegType.SCALAR;
        saneOffset(insn, bound, tn);
    }

    /** check_reg_sane_offset(). */
    private static void saneOffset(int insn, RegState r, String tn) {
        if (r.isConst()) {
            long val = r.var.value();
            if (val >= MemAccess.BPF_MAX_VAR_OFF || val <= -MemAccess.BPF_MAX_VAR_OFF) {
                throw new VerifierException(insn, "math between " + tn + " pointer and " + val + " is not allowed");
            }
            return;
        }
        if (r.smin == Long.MIN_VALUE) {
            throw new VerifierException(insn, "math between " + tn + " pointer and register with unbounded min value is not allowed");
        }
        if (r.smin >= MemAccess.BPF_MAX_VAR_OFF || r.smin <= -MemAccess.BPF_MAX_VAR_OFF) {
            throw new VerifierException(insn, "value " + r.smin + " makes " + tn + " pointer be out of bounds");
        }
    }
}
