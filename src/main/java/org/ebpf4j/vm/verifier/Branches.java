package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

/**
 * Conditional jumps on scalars, kernel/bpf/verifier.c is_branch_taken() (can the outcome be
 * decided from the ranges?) and regs_refine_cond_op() (what each branch learns), for JMP and
 * JMP32. A pseudo op {@link #JSET_FALSE} is the fall-through of JSET.
 */
final class Branches {
    private Branches() {}

    static final int JSET_FALSE = 0xf0;

    /** The op that holds on the fall-through path of {@code op}. */
    static int reverse(int op) {
        return switch (op) {
            case BPF_JEQ -> BPF_JNE;
            case BPF_JNE -> BPF_JEQ;
            case BPF_JGT -> BPF_JLE;
            case BPF_JGE -> BPF_JLT;
            case BPF_JLT -> BPF_JGE;
            case BPF_JLE -> BPF_JGT;
            case BPF_JSGT -> BPF_JSLE;
            case BPF_JSGE -> BPF_JSLT;
            case BPF_JSLT -> BPF_JSGE;
            case BPF_JSLE -> BPF_JSGT;
            case BPF_JSET -> JSET_FALSE;
            default -> JSET_FALSE == op ? BPF_JSET : op;
        };
    }

    /** The bounds a comparison of the given width sees: {umin, umax, smin, smax} and the tnum. */
    private record View(long umin, long umax, long smin, long smax, Tnum var) {
        static View of(RegState r, boolean is32) {
            if (is32) {
                return new View(Integer.toUnsignedLong(r.u32min), Integer.toUnsignedLong(r.u32max), r.s32min, r.s32max,
                        r.var.subreg());
            }
            return new View(r.umin, r.umax, r.smin, r.smax, r.var);
        }
    }

    /** 1 taken, 0 not taken, -1 unknown (is_scalar_branch_taken). */
    static int taken(RegState d, RegState s, int op, boolean is32) {
        View a = View.of(d, is32), b = View.of(s, is32);
        switch (op) {
            case BPF_JEQ, BPF_JNE -> {
                int eq;
                if (a.var.isConst() && b.var.isConst()) {
                    eq = a.var.value() == b.var.value() ? 1 : 0;
                } else if (Long.compareUnsigned(a.umin, b.umax) > 0 || Long.compareUnsigned(a.umax, b.umin) < 0
                        || a.smin > b.smax || a.smax < b.smin
                        || ((a.var.value() ^ b.var.value()) & ~(a.var.mask() | b.var.mask())) != 0) {
                    eq = 0;
                } else {
                    return -1;
                }
                return op == BPF_JEQ ? eq : 1 - eq;
            }
            case BPF_JSET -> {
                if ((a.var.value() & b.var.value()) != 0 && b.var.isConst()) {
                    return 1;
                }
                if (((a.var.value() | a.var.mask()) & (b.var.value() | b.var.mask())) == 0) {
                    return 0;
                }
                return -1;
            }
            case JSET_FALSE -> {
                int t = taken(d, s, BPF_JSET, is32);
                return t < 0 ? -1 : 1 - t;
            }
            case BPF_JGT -> { return ucmp(a.umin, b.umax) > 0 ? 1 : ucmp(a.umax, b.umin) <= 0 ? 0 : -1; }
            case BPF_JGE -> { return ucmp(a.umin, b.umax) >= 0 ? 1 : ucmp(a.umax, b.umin) < 0 ? 0 : -1; }
            case BPF_JLT -> { return ucmp(a.umax, b.umin) < 0 ? 1 : ucmp(a.umin, b.umax) >= 0 ? 0 : -1; }
            case BPF_JLE -> { return ucmp(a.umax, b.umin) <= 0 ? 1 : ucmp(a.umin, b.umax) > 0 ? 0 : -1; }
            case BPF_JSGT -> { return a.smin > b.smax ? 1 : a.smax <= b.smin ? 0 : -1; }
            case BPF_JSGE -> { return a.smin >= b.smax ? 1 : a.smax < b.smin ? 0 : -1; }
            case BPF_JSLT -> { return a.smax < b.smin ? 1 : a.smin >= b.smax ? 0 : -1; }
            case BPF_JSLE -> { return a.smax <= b.smin ? 1 : a.smin > b.smax ? 0 : -1; }
            default -> { return -1; }
        }
    }

    private static int ucmp(long a, long b) { return Long.compareUnsigned(a, b); }

    /** regs_refine_cond_op(): narrows d and s given that {@code d op s} holds. */
    static void refine(RegState d, RegState s, int op, boolean is32) {
        switch (op) {
            case BPF_JLT -> { refine(s, d, BPF_JGT, is32); return; }
            case BPF_JLE -> { refine(s, d, BPF_JGE, is32); return; }
            case BPF_JSLT -> { refine(s, d, BPF_JSGT, is32); return; }
            case BPF_JSLE -> { refine(s, d, BPF_JSGE, is32); return; }
            default -> { }
        }
        long[] a = get(d, is32), b = get(s, is32);   // umin, umax, smin, smax
        Tnum av = is32 ? d.var.subreg() : d.var, bv = is32 ? s.var.subreg() : s.var;
        switch (op) {
            case BPF_JEQ -> {
                long umin = umax(a[0], b[0]), umax = umin(a[1], b[1]);
                long smin = Math.max(a[2], b[2]), smax = Math.min(a[3], b[3]);
                a[0] = b[0] = umin;
                a[1] = b[1] = umax;
                a[2] = b[2] = smin;
                a[3] = b[3] = smax;
                av = bv = av.intersect(bv);
            }
            case BPF_JNE -> {
                if (bv.isConst()) {
                    notEqual(a, bv.value(), is32);
                } else if (av.isConst()) {
                    notEqual(b, av.value(), is32);
                }
            }
            case BPF_JSET -> {
                if (bv.isConst() && Long.bitCount(bv.value()) == 1) {
                    av = av.or(bv);
                }
            }
            case JSET_FALSE -> {
                if (bv.isConst()) {
                    av = av.and(new Tnum(~bv.value(), 0));
                }
            }
            case BPF_JGT -> {
                if (b[0] != (is32 ? 0xffffffffL : -1L)) {
                    a[0] = umax(a[0], b[0] + 1);
                }
                if (a[1] != 0) {
                    b[1] = umin(b[1], a[1] - 1);
                }
            }
            case BPF_JGE -> {
                a[0] = umax(a[0], b[0]);
                b[1] = umin(b[1], a[1]);
            }
            case BPF_JSGT -> {
                long max = is32 ? Integer.MAX_VALUE : Long.MAX_VALUE, min = is32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
                if (b[2] != max) {
                    a[2] = Math.max(a[2], b[2] + 1);
                }
                if (a[3] != min) {
                    b[3] = Math.min(b[3], a[3] - 1);
                }
            }
            case BPF_JSGE -> {
                a[2] = Math.max(a[2], b[2]);
                b[3] = Math.min(b[3], a[3]);
            }
            default -> { }
        }
        put(d, a, av, is32);
        put(s, b, bv, is32);
    }

    private static void notEqual(long[] r, long v, boolean is32) {
        if (is32) {
            v &= 0xffffffffL;
        }
        long sv = is32 ? (int) v : v;
        if (r[0] == v && r[0] != r[1]) { r[0]++; }
        else if (r[1] == v && r[0] != r[1]) { r[1]--; }
        if (r[2] == sv && r[2] != r[3]) { r[2]++; }
        else if (r[3] == sv && r[2] != r[3]) { r[3]--; }
    }

    private static long umax(long a, long b) { return RegState.umax64(a, b); }

    private static long umin(long a, long b) { return RegState.umin64(a, b); }

    private static long[] get(RegState r, boolean is32) {
        return is32 ? new long[] {Integer.toUnsignedLong(r.u32min), Integer.toUnsignedLong(r.u32max), r.s32min, r.s32max}
                : new long[] {r.umin, r.umax, r.smin, r.smax};
    }

    private static void put(RegState r, long[] v, Tnum var, boolean is32) {
        if (r.type != RegType.SCALAR) {
            return;
        }
        if (is32) {
            r.u32min = (int) v[0];
            r.u32max = (int) v[1];
            r.s32min = (int) v[2];
            r.s32max = (int) v[3];
            r.var = r.var.withSubreg(var);
        } else {
            r.umin = v[0];
            r.umax = v[1];
            r.smin = v[2];
            r.smax = v[3];
            r.var = var;
        }
        r.sync();
    }
}
