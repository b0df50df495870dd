package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

/**
 * The scalar transfer functions of kernel/bpf/verifier.c adjust_scalar_min_max_vals() and its
 * scalar(32)_min_max_{add,sub,mul,and,or,xor,lsh,rsh,arsh} helpers: given what is known of both
 * operands, what is known of the result. Where the kernel loses track (overflow, division) the
 * result becomes unknown. 32-bit operations work on the subregister bounds and zero-extend.
 */
final class ScalarAlu {
    private ScalarAlu() {}

    static void apply(int op, RegState dst, RegState src, boolean alu64) {
        if (!alu64) {
            dst.var = dst.var.cast(4);
            dst.umin = Integer.toUnsignedLong(dst.u32min);
            dst.umax = Integer.toUnsignedLong(dst.u32max);
            dst.smin = dst.s32min;
            dst.smax = dst.s32max;
            src = src.copy();
            src.var = src.var.cast(4);
            src.umin = Integer.toUnsignedLong(src.u32min);
            src.umax = Integer.toUnsignedLong(src.u32max);
            src.smin = src.s32min;
            src.smax = src.s32max;
        }
        boolean srcConst = src.isConst();
        if (dst.isConst() && srcConst && op != BPF_DIV && op != BPF_MOD) {
            long a = dst.var.value(), b = src.var.value();
            long r = switch (op) {
                case BPF_ADD -> a + b;
                case BPF_SUB -> a - b;
                case BPF_MUL -> a * b;
                case BPF_AND -> a & b;
                case BPF_OR -> a | b;
                case BPF_XOR -> a ^ b;
                case BPF_LSH -> alu64 ? a << b : (int) a << b;
                case BPF_RSH -> alu64 ? a >>> b : (int) ((int) a >>> b);
                case BPF_ARSH -> alu64 ? a >> b : (int) a >> b;
                default -> 0;
            };
            setResult(dst, alu64, r);
            return;
        }
        switch (op) {
            case BPF_ADD -> {
                long smin = dst.smin + src.smin, smax = dst.smax + src.smax;
                boolean sov = overflowAdd(dst.smin, src.smin, smin) || overflowAdd(dst.smax, src.smax, smax);
                long umin = dst.umin + src.umin, umax = dst.umax + src.umax;
                boolean uov = Long.compareUnsigned(umin, dst.umin) < 0 || Long.compareUnsigned(umax, dst.umax) < 0;
                dst.var = dst.var.add(src.var);
                dst.unboundAll();
                if (!sov) { dst.smin = smin; dst.smax = smax; }
                if (!uov) { dst.umin = umin; dst.umax = umax; }
            }
            case BPF_SUB -> {
                long smin = dst.smin - src.smax, smax = dst.smax - src.smin;
                boolean sov = overflowSub(dst.smin, src.smax, smin) || overflowSub(dst.smax, src.smin, smax);
                boolean uov = Long.compareUnsigned(dst.umin, src.umax) < 0;
                long umin = dst.umin - src.umax, umax = dst.umax - src.umin;
                dst.var = dst.var.sub(src.var);
                dst.unboundAll();
                if (!sov) { dst.smin = smin; dst.smax = smax; }
                if (!uov) { dst.umin = umin; dst.umax = umax; }
            }
            case BPF_MUL -> {
                dst.var = dst.var.mul(src.var);
                boolean small = dst.smin >= 0 && src.smin >= 0 && Long.compareUnsigned(dst.umax, U32) <= 0
                        && Long.compareUnsigned(src.umax, U32) <= 0;
                long umin = dst.umin * src.umin, umax = dst.umax * src.umax;
                dst.unboundAll();
                if (small) {
                    dst.umin = umin;
                    dst.umax = umax;
                    if (umax >= 0) { dst.smin = umin; dst.smax = umax; }
                }
            }
            case BPF_AND -> {
                boolean bothPos = dst.smin >= 0 && src.smin >= 0;
                long umax = RegState.umin64(dst.umax, src.umax);
                dst.var = dst.var.and(src.var);
                dst.unboundAll();
                dst.umin = dst.var.value();
                dst.umax = umax;
                if (bothPos || dst.umax >= 0) { dst.smin = dst.umin; dst.smax = dst.umax; }
            }
            case BPF_OR -> {
                boolean bothPos = dst.smin >= 0 && src.smin >= 0;
                long umin = RegState.umax64(dst.umin, src.umin);
                dst.var = dst.var.or(src.var);
                dst.unboundAll();
                dst.umin = umin;
                dst.umax = dst.var.value() | dst.var.mask();
                if (bothPos) { dst.smin = dst.umin; dst.smax = dst.umax; }
            }
            case BPF_XOR -> {
                boolean bothPos = dst.smin >= 0 && src.smin >= 0;
                dst.var = dst.var.xor(src.var);
                dst.unboundAll();
                dst.umin = dst.var.value();
                dst.umax = dst.var.value() | dst.var.mask();
                if (bothPos) { dst.smin = dst.umin; dst.smax = dst.umax; }
            }
            case BPF_LSH, BPF_RSH, BPF_ARSH -> shift(op, dst, src, alu64);
            default -> { dst.var = Tnum.UNKNOWN; dst.unboundAll(); }   // div, mod: unknown, as before 6.x's div tracking
        }
        finish(dst, alu64);
    }

    private static final long U32 = 0xffffffffL;

    private static void shift(int op, RegState dst, RegState src, boolean alu64) {
        int width = alu64 ? 64 : 32;
        if (!src.isConst() || Long.compareUnsigned(src.var.value(), width) >= 0) {
            // an unknown or out-of-range shift amount: the kernel gives up on the result
            dst.var = Tnum.UNKNOWN;
            dst.unboundAll();
            return;
        }
        int s = (int) src.var.value();
        switch (op) {
            case BPF_LSH -> {
                long umin = dst.umin, umax = dst.umax;
                dst.var = dst.var.lshift(s);
                dst.unboundAll();
                if (s == 0 || (umax >>> (width - s)) == 0) {
                    dst.umin = umin << s;
                    dst.umax = umax << s;
                }
            }
            case BPF_RSH -> {
                long umin = dst.umin, umax = dst.umax;
                dst.var = dst.var.rshift(s);
                dst.unboundAll();
                dst.umin = umin >>> s;
                dst.umax = umax >>> s;
            }
            default -> {
                long smin = dst.smin, smax = dst.smax;
                dst.var = dst.var.arshift(s, width);
                dst.unboundAll();
                dst.smin = smin >> s;
                dst.smax = smax >> s;
            }
        }
    }

    /** Recomputes the other half of the bounds and, for 32-bit operations, zero-extends. */
    private static void finish(RegState dst, boolean alu64) {
        if (!alu64) {
            // the 64-bit bounds computed above are the 32-bit ones; fold them into the subregister
            long umin = dst.umin, umax = dst.umax, smin = dst.smin, smax = dst.smax;
            dst.var = dst.var.cast(4);
            dst.unboundAll();
            if ((umin >>> 32) == (umax >>> 32)) {
                dst.u32min = (int) umin;
                dst.u32max = (int) umax;
            }
            if (smin >= Integer.MIN_VALUE && smax <= Integer.MAX_VALUE) {
                dst.s32min = (int) smin;
                dst.s32max = (int) smax;
            }
            dst.umin = 0;
            dst.umax = U32;
            dst.smin = 0;
            dst.smax = U32;
            dst.sync();
            dst.zext32();
            return;
        }
        dst.s32min = Integer.MIN_VALUE;
        dst.s32max = Integer.MAX_VALUE;
        dst.u32min = 0;
        dst.u32max = -1;
        dst.sync();
    }

    static void setResult(RegState dst, boolean alu64, long r) {
        dst.setConst(alu64 ? r : Integer.toUnsignedLong((int) r));
    }

    private static boolean overflowAdd(long a, long b, long r) { return ((a ^ r) & (b ^ r)) < 0; }

    private static boolean overflowSub(long a, long b, long r) { return ((a ^ b) & (a ^ r)) < 0; }

    /** BPF_NEG, BPF_END and sign-extending moves: exact for constants, else unknown (as the kernel). */
    static void unknownUnlessConst(RegState dst, boolean alu64, long constResult) {
        if (dst.isConst()) {
            setResult(dst, alu64, constResult);
        } else {
            dst.markUnknown();
            if (!alu64) {
                dst.zext32();
            }
        }
    }
}
