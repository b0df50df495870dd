package org.ebpf4j.vm.jit;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_short;
import static org.ebpf4j.isa.Opcodes.*;

import java.lang.classfile.CodeBuilder;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import org.ebpf4j.isa.Insn;

/**
 * BPF_ALU and BPF_ALU64 as JVM arithmetic on {@code long} locals, with the interpreter's (and
 * kernel/bpf/core.c's) corners: 32-bit results zero-extended, shift counts masked by the JVM's own
 * shift instructions (& 63 / & 31, as BPF), division and modulo through {@link org.ebpf4j.vm.AluOps} for
 * the zero cases, signed variants selected by {@code off == 1}, movsx by {@code off}, byte swaps
 * by {@code imm}.
 */
final class AluEmitter {
    private AluEmitter() {}

    private static final long M32 = 0xffffffffL;
    private static final ClassDesc CD_INTEGER = ClassDesc.of("java.lang.Integer");
    private static final ClassDesc CD_LONG = ClassDesc.of("java.lang.Long");

    static void emit(MethodGen m, int i, Insn in) {
        CodeBuilder cb = m.cb;
        int c = in.opcode();
        boolean is64 = cls(c) == BPF_ALU64;
        boolean x = source(c) == BPF_X;
        int d = in.dst();
        int s = in.src();
        long k = in.imm();                                   // sign-extended, as the interpreter's imm[]
        int op = op(c);
        if (op == BPF_END) {
            emitEnd(m, in, is64, x);
            return;
        }
        if (op == BPF_MOV) {
            emitMov(m, in, is64, x);
            return;
        }
        if (op == BPF_DIV || op == BPF_MOD) {
            boolean signed = in.off() == 1;
            m.load(d);
            if (x) {
                m.load(s);
            } else {
                cb.loadConstant(k);
            }
            String name = (signed ? "s" : "") + (op == BPF_DIV ? "div" : "mod") + (is64 ? "64" : "32");
            cb.invokestatic(Descs.ALU_OPS, name, Descs.LL_L).lstore(m.reg[d]);
            return;
        }
        if (is64) {
            m.load(d);
            if (op == BPF_NEG) {
                cb.lneg();
            } else if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) {
                shiftCount(m, x, s, k);
                switch (op) {
                    case BPF_LSH -> cb.lshl();
                    case BPF_RSH -> cb.lushr();
                    default -> cb.lshr();
                }
            } else {
                if (x) {
                    m.load(s);
                } else {
                    cb.loadConstant(k);
                }
                switch (op) {
                    case BPF_ADD -> cb.ladd();
                    case BPF_SUB -> cb.lsub();
                    case BPF_MUL -> cb.lmul();
                    case BPF_OR -> cb.lor();
                    case BPF_AND -> cb.land();
                    case BPF_XOR -> cb.lxor();
                    default -> throw unexpected(i, in);
                }
            }
            m.store(d);
            return;
        }
        m.load(d);
        cb.l2i();
        if (op == BPF_NEG) {
            cb.ineg();
        } else {
            if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) {
                shiftCount(m, x, s, k);
            } else if (x) {
                m.load(s);
                cb.l2i();
            } else {
                cb.loadConstant((int) k);
            }
            switch (op) {
                case BPF_ADD -> cb.iadd();
                case BPF_SUB -> cb.isub();
                case BPF_MUL -> cb.imul();
                case BPF_OR -> cb.ior();
                case BPF_AND -> cb.iand();
                case BPF_XOR -> cb.ixor();
                case BPF_LSH -> cb.ishl();
                case BPF_RSH -> cb.iushr();
                case BPF_ARSH -> cb.ishr();
                default -> throw unexpected(i, in);
            }
        }
        zext(cb);
        m.store(d);
    }

    /** The shift count as an int; the JVM shift masks it as BPF does. */
    private static void shiftCount(MethodGen m, boolean x, int s, long k) {
        if (x) {
            m.load(s);
            m.cb.l2i();
        } else {
            m.cb.loadConstant((int) k);
        }
    }

    /** int on the stack to a zero-extended long. */
    private static void zext(CodeBuilder cb) {
        cb.i2l().loadConstant(M32).land();
    }

    private static void emitMov(MethodGen m, Insn in, boolean is64, boolean x) {
        CodeBuilder cb = m.cb;
        int off = in.off();
        if (!x) {
            cb.loadConstant(is64 ? (long) in.imm() : in.imm() & M32);
        } else {
            m.load(in.src());
            if (off != 0) {                                   // movsx: the interpreter's V1/V2/V3
                cb.l2i();
                if (off == 8) {
                    cb.i2b();
                } else if (off == 16) {
                    cb.i2s();
                } else if (!is64) {
                    throw new IllegalStateException("movsx32 with off " + off + " is not an instruction");
                }
                if (is64) {
                    cb.i2l();
                } else {
                    zext(cb);
                }
            } else if (!is64) {
                cb.loadConstant(M32).land();
            }
        }
        m.store(in.dst());
    }

    /** BPF_END: to-LE truncates (x86 is little-endian); to-BE and ALU64 bswap swap 16/32/64 bits. */
    private static void emitEnd(MethodGen m, Insn in, boolean is64, boolean toBe) {
        CodeBuilder cb = m.cb;
        int bits = in.imm() == 16 ? 16 : in.imm() == 32 ? 32 : 64;
        int d = in.dst();
        if (!is64 && !toBe) {
            if (bits == 64) {
                return;
            }
            m.load(d);
            cb.loadConstant(bits == 16 ? 0xffffL : M32).land();
            m.store(d);
            return;
        }
        m.load(d);
        switch (bits) {
            case 16 -> cb.l2i().i2s()
                    .invokestatic(ClassDesc.of("java.lang.Short"), "reverseBytes", MethodTypeDesc.of(CD_short, CD_short))
                    .i2l().loadConstant(0xffffL).land();
            case 32 -> {
                cb.l2i().invokestatic(CD_INTEGER, "reverseBytes", MethodTypeDesc.of(CD_int, CD_int));
                zext(cb);
            }
            default -> cb.invokestatic(CD_LONG, "reverseBytes", MethodTypeDesc.of(CD_long, CD_long));
        }
        m.store(d);
    }

    static IllegalStateException unexpected(int i, Insn in) {
        return new IllegalStateException(String.format("insn %d: unexpected opcode 0x%02x after verification", i, in.opcode()));
    }
}
