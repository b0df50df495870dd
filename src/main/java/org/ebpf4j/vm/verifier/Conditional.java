package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

/**
 * check_cond_jmp_op(): decides or forks a conditional jump. Scalars are compared through
 * {@link Branches} (and the refinement reaches every register linked to them by id,
 * sync_linked_regs()); a maybe-NULL pointer compared with 0 becomes non-NULL on one side and the
 * scalar 0 on the other (mark_ptr_or_null_regs(), releasing an acquired reference that was NULL);
 * a packet pointer compared with data_end proves a readable range (try_match_pkt_pointers()).
 */
final class Conditional {
    private Conditional() {}

    static boolean jump(TypeVerifier v, VState cur, int i, int c, Slots s) {
        boolean is32 = cls(c) == BPF_JMP32;
        int op = op(c);
        int dst = s.dst[i];
        int target = s.jumpTarget(i);
        boolean x = source(c) == BPF_X;
        RegState d = cur.reg(dst);
        RegState src = x ? cur.reg(s.src[i]) : RegState.known(is32 ? Integer.toUnsignedLong(s.imm[i]) : s.imm[i]);
        if (!x && is32) {
            src = RegState.known(s.imm[i]);   // JMP32 compares the low halves; the sign-extended imm has the right low half
        }
        // a pointer that cannot be NULL compared with 0
        boolean opaque = d.type == RegType.BTF_ID && d.btfStruct == null;   // may be any number
        if (d.type.isPointer() && !opaque && !d.type.maybeNull() && src.isConstZeroScalar() && !is32
                && (op == BPF_JEQ || op == BPF_JNE)) {
            if (x) {
                v.precision().mark(cur, s.src[i]);
            }
            cur.insn = op == BPF_JNE ? target : i + 1;
            return true;
        }
        if (d.type.maybeNull() && src.isConstZeroScalar() && !is32 && (op == BPF_JEQ || op == BPF_JNE)) {
            VState other = cur.copy();
            other.insn = target;
            // on the JEQ-taken side the pointer is NULL
            VState isNull = op == BPF_JEQ ? other : cur;
            VState notNull = op == BPF_JEQ ? cur : other;
            int id = d.id, ref = d.refObjId;   // d itself is rewritten by the first call when cur is the NULL side
            markPtrOrNull(isNull, id, ref, true);
            markPtrOrNull(notNull, id, ref, false);
            v.pushBranch(cur, other);
            cur.insn = i + 1;
            return true;
        }
        if (x && !is32 && (d.type.isPacket() || d.type == RegType.PACKET_END) && (src.type.isPacket()
                || src.type == RegType.PACKET_END)) {
            VState other = cur.copy();
            other.insn = target;
            packetRange(other, cur, d, src, op);
            v.pushBranch(cur, other);
            cur.insn = i + 1;
            return true;
        }
        if (d.type != RegType.SCALAR || src.type != RegType.SCALAR) {
            VState other = cur.copy();
            other.insn = target;
            v.pushBranch(cur, other);
            cur.insn = i + 1;
            return true;
        }
        int taken = Branches.taken(d, src, op, is32);
        if (taken >= 0) {
            // the bounds decided the jump: they must hold for any state pruned here later
            v.precision().mark(cur, dst);
            if (x) {
                v.precision().mark(cur, s.src[i]);
            }
            cur.insn = taken == 1 ? target : i + 1;
            return true;
        }
        recordLinked(cur, d, x ? src : null);
        VState other = cur.copy();
        other.insn = target;
        boolean otherOk = refine(other, dst, x ? s.src[i] : -1, src, op, is32);
        boolean curOk = refine(cur, dst, x ? s.src[i] : -1, src, Branches.reverse(op), is32);
        if (otherOk) {
            v.pushBranch(cur, other);
        }
        cur.insn = i + 1;
        return curOk;   // an impossible fall-through ends this path; the jump (if possible) was queued
    }

    /** Which registers share an id with the compared scalars: the jump refines them all (for {@link Precision}). */
    private static void recordLinked(VState cur, RegState d, RegState src) {
        int a = d.id, b = src == null ? 0 : src.id;
        if (a == 0 && b == 0 || cur.histLen == 0) {
            return;
        }
        long regs = 0;
        Frame f = cur.cur();
        for (int r = 0; r < 11; r++) {
            RegState o = f.regs[r];
            if (o.type == RegType.SCALAR && o.id != 0 && (o.id == a || o.id == b)) {
                regs |= 1L << r;
            }
        }
        boolean elsewhere = Long.bitCount(regs) < countLinked(cur, a, b);   // spilled, or in a caller's frame
        cur.hist[cur.histLen - 1] = History.withLinked(cur.hist[cur.histLen - 1], regs, elsewhere);
    }

    private static int countLinked(VState cur, int a, int b) {
        int[] n = {0};
        cur.forEachReg(o -> {
            if (o.type == RegType.SCALAR && o.id != 0 && (o.id == a || o.id == b)) {
                n[0]++;
            }
        });
        return n[0];
    }

    /** Refines the registers in {@code st} for {@code d op s}; false when the branch cannot happen. */
    private static boolean refine(VState st, int dst, int srcReg, RegState k, int op, boolean is32) {
        RegState d = st.reg(dst);
        RegState s = srcReg >= 0 ? st.reg(srcReg) : k.copy();
        Branches.refine(d, s, op, is32);
        if (d.invalid() || s.invalid()) {
            return false;
        }
        link(st, d);
        if (srcReg >= 0) {
            link(st, s);
        }
        return true;
    }

    /** sync_linked_regs(): scalars sharing a non-zero id learn the same bounds. */
    private static void link(VState st, RegState r) {
        if (r.id == 0 || r.type != RegType.SCALAR) {
            return;
        }
        st.forEachReg(o -> {
            if (o != r && o.type == RegType.SCALAR && o.id == r.id) {
                o.var = r.var;
                o.smin = r.smin;
                o.smax = r.smax;
                o.umin = r.umin;
                o.umax = r.umax;
                o.s32min = r.s32min;
                o.s32max = r.s32max;
                o.u32min = r.u32min;
                o.u32max = r.u32max;
            }
        });
    }

    static void markPtrOrNull(VState st, int id, int ref, boolean isNull) {
        if (isNull && ref != 0) {
            st.refs.removeIf(r -> r.id() == ref);
        }
        st.forEachReg(r -> {
            if (r.type.maybeNull() && r.id == id) {
                if (isNull) {
                    r.markUnknown();
                    r.setConst(0);
                } else if (r.type == RegType.MAP_VALUE_OR_NULL && r.map != null && r.map.isMapInMap()) {
                    r.type = RegType.MAP_PTR;     // a map-in-map's value is the inner map
                    r.map = r.map.inner();
                    r.id = 0;
                } else {
                    r.type = r.type.nonNull();
                    if (r.refObjId == 0) {
                        r.id = 0;
                    }
                }
            }
        });
    }

    /**
     * try_match_pkt_pointers(): which side learns that pkt+off &lt;= end (range = off) or
     * pkt+off &lt; end (range = off + 1).
     */
    private static void packetRange(VState taken, VState fall, RegState d, RegState s, int op) {
        boolean dPkt = d.type.isPacket() && (s.type == RegType.PACKET_END
                || d.type == RegType.PACKET_META && s.type == RegType.PACKET);
        boolean sPkt = s.type.isPacket() && (d.type == RegType.PACKET_END
                || s.type == RegType.PACKET_META && d.type == RegType.PACKET);
        if (dPkt) {
            switch (op) {
                case BPF_JGT -> good(fall, d, false);    // pkt > end: the fall-through has pkt <= end
                case BPF_JLT -> good(taken, d, true);    // pkt < end
                case BPF_JGE -> good(fall, d, true);     // !(pkt >= end): pkt < end
                case BPF_JLE -> good(taken, d, false);   // pkt <= end
                default -> { }
            }
        } else if (sPkt) {
            switch (op) {
                case BPF_JGT -> good(taken, s, true);    // end > pkt
                case BPF_JLT -> good(fall, s, false);    // !(end < pkt): pkt <= end
                case BPF_JGE -> good(taken, s, false);   // end >= pkt
                case BPF_JLE -> good(fall, s, true);     // !(end <= pkt): pkt < end
                default -> { }
            }
        }
    }

    /** find_good_pkt_pointers(). */
    private static void good(VState st, RegState pkt, boolean rightOpen) {
        if (pkt.off < 0 || (pkt.off == 0 && rightOpen)) {
            return;
        }
        int range = pkt.off + (rightOpen ? 1 : 0);
        RegType type = pkt.type;
        int id = pkt.id;
        st.forEachReg(r -> {
            if (r.type == type && r.id == id && r.range < range) {
                r.range = range;
            }
        });
    }
}
