package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

/**
 * Precision tracking, kernel/bpf/backtrack.c {@code mark_chain_precision()}: scalars start
 * imprecise, and a checkpoint compares only precise scalars by value, so two paths that differ in a
 * number nothing checks meet. When a check depends on a scalar's value (a jump decided by its
 * bounds, pointer arithmetic, a helper's size argument, a return range...), that register is marked
 * precise here and the marks travel backwards along the path: each executed instruction
 * ({@link History}) says which registers or stack slots the value came from
 * ({@code backtrack_insn()}), and at each checkpoint passed the corresponding registers are marked
 * too. A walk stops when nothing is left to mark or a checkpoint already had the mark. Where the
 * walk cannot follow (an atomic through the stack, a callback's arguments) every scalar of the path
 * becomes precise ({@code mark_all_scalars_precise()}): more precision only prunes less.
 */
final class Precision {
    private static final long R0 = 1, R1_5 = 0b111110;
    private static final int DEPTHS = Cfg.MAX_CALL_FRAMES + 1;

    private final Slots s;
    private final long[] regs = new long[DEPTHS];
    private final long[] stack = new long[DEPTHS];

    Precision(Slots s) { this.s = s; }

    /** mark_chain_precision() of register {@code regno} of the current frame. */
    void mark(VState cur, int regno) {
        int depth = cur.frames.size() - 1;
        RegState r = cur.cur().regs[regno];
        if (r.type != RegType.SCALAR || r.precise) {
            return;
        }
        clear();
        regs[depth] = 1L << regno;
        run(cur);
    }

    /** The precise marks a pruning state had (propagate_precision()): the same registers and slots in cur. */
    void propagate(VState old, VState cur, long[] live) {
        clear();
        boolean any = false;
        for (int d = 0; d < old.frames.size(); d++) {
            Frame of = old.frames.get(d);
            long liveRegs = d == old.frames.size() - 1 ? live[old.insn] : live[old.frames.get(d + 1).callsite + 1];
            for (int r = 0; r < 11; r++) {
                if ((liveRegs & (1L << r)) != 0 && of.regs[r].type == RegType.SCALAR && of.regs[r].precise) {
                    regs[d] |= 1L << r;
                    any = true;
                }
            }
            for (long m = old.stackRead[d]; m != 0; m &= m - 1) {
                int slot = Long.numberOfTrailingZeros(m);
                RegState sp = of.spilled[slot];
                if (of.slotType[slot * 8] == Frame.SPILL && sp != null && sp.isScalar() && sp.precise) {
                    stack[d] |= 1L << slot;
                    any = true;
                }
            }
        }
        if (any) {
            run(cur);
        }
    }

    private void clear() {
        java.util.Arrays.fill(regs, 0);
        java.util.Arrays.fill(stack, 0);
    }

    private void run(VState cur) {
        markIn(cur);
        VState st = cur;
        int nextDepth = cur.frames.size() - 1;
        // the instruction being executed asks; it is not part of where its operands came from
        int start = cur.executing ? cur.histLen - 2 : cur.histLen - 1;
        while (!empty()) {
            for (int k = start; k >= 0; k--) {
                long e = st.hist[k];
                int d = History.depth(e);
                int crossing = enterFrom(d, nextDepth, e);
                if (crossing < 0 || crossing == 0 && !backtrack(e, d)) {
                    allPrecise(cur);
                    return;
                }
                nextDepth = d;
                if (empty()) {
                    return;
                }
            }
            st = st.parent;
            if (st == null) {
                return;
            }
            markIn(st);
            nextDepth = st.frames.size() - 1;
            start = st.histLen - 1;
        }
    }

    private boolean empty() {
        for (int d = 0; d < DEPTHS; d++) {
            if (regs[d] != 0 || stack[d] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Marks what is asked in state {@code st}; a register already precise there needs no further walk. */
    private void markIn(VState st) {
        for (int d = 0; d < DEPTHS; d++) {
            if (d >= st.frames.size()) {
                regs[d] = 0;
                stack[d] = 0;
                continue;
            }
            Frame f = st.frames.get(d);
            for (long m = regs[d]; m != 0; m &= m - 1) {
                int r = Long.numberOfTrailingZeros(m);
                RegState reg = f.regs[r];
                if (reg.type != RegType.SCALAR || reg.precise) {
                    regs[d] &= ~(1L << r);
                } else {
                    reg.precise = true;
                }
            }
            for (long m = stack[d]; m != 0; m &= m - 1) {
                int slot = Long.numberOfTrailingZeros(m);
                RegState sp = f.spilled[slot];
                if (f.slotType[slot * 8] != Frame.SPILL || sp == null || !sp.isScalar() || sp.precise) {
                    stack[d] &= ~(1L << slot);
                } else {
                    sp.precise = true;
                }
            }
        }
    }

    /**
     * Crossing a frame boundary backwards: from a callee's first instruction into the call (its
     * r1-r5 were the caller's; 1: the call itself is then not backtracked), or from the instruction
     * after a return into the callee's exit (r0; 0: backtrack the exit). -1: cannot follow.
     */
    private int enterFrom(int d, int next, long e) {
        if (next == d) {
            return 0;
        }
        if (next == d + 1) {               // e is the call that created frame `next`
            long args = regs[next] & R1_5;
            boolean helper = s.isHelperCall(History.insn(e));
            regs[next] = 0;
            stack[next] = 0;
            if (args != 0) {
                regs[d] |= helper ? R1_5 : args;   // a callback's arguments derive from all of the helper's
            }
            return 1;                          // the call's own effect (r0, clobbers) came after
        }
        if (next == d - 1) {               // e is a callee's exit, `next` the caller after the return
            long r0 = regs[next] & R0;
            regs[next] &= ~(R0 | R1_5);
            regs[d] = r0;
            stack[d] = 0;
            return 0;
        }
        return -1;
    }

    /** backtrack_insn(): what the instruction's result came from; false when it cannot tell. */
    private boolean backtrack(long e, int d) {
        int i = History.insn(e);
        int c = s.code[i], dst = s.dst[i], src = s.src[i];
        long dm = 1L << dst, sm = 1L << src;
        switch (cls(c)) {
            case BPF_ALU, BPF_ALU64 -> {
                if ((regs[d] & dm) == 0) {
                    return true;
                }
                if (op(c) == BPF_MOV) {
                    regs[d] &= ~dm;
                }
                if (source(c) == BPF_X && op(c) != BPF_END && op(c) != BPF_NEG) {
                    regs[d] |= sm;
                }
                return true;
            }
            case BPF_LDX -> {
                if ((regs[d] & dm) == 0) {
                    return true;
                }
                regs[d] &= ~dm;
                if (History.hasStack(e)) {
                    stack[History.stackFrame(e)] |= 1L << History.stackSlot(e);
                }
                return true;
            }
            case BPF_ST, BPF_STX -> {
                boolean atomic = cls(c) == BPF_STX && mode(c) == BPF_ATOMIC;
                if (atomic) {
                    long touched = sm | dm | R0;
                    return (regs[d] & touched) == 0 && !(History.hasStack(e)
                            && (stack[History.stackFrame(e)] & 1L << History.stackSlot(e)) != 0);
                }
                if (!History.hasStack(e)) {
                    return true;
                }
                int fr = History.stackFrame(e);
                long bit = 1L << History.stackSlot(e);
                if ((stack[fr] & bit) == 0) {
                    return true;
                }
                stack[fr] &= ~bit;
                if (cls(c) == BPF_STX) {
                    regs[d] |= sm;
                }
                return true;
            }
            case BPF_LD -> {
                if (c == LD_IMM64) {
                    regs[d] &= ~dm;
                } else {
                    regs[d] &= ~R0;        // LD_ABS/IND: r0 comes from the packet
                }
                return true;
            }
            default -> {
                int o = op(c);
                if (o == BPF_CALL) {
                    if (s.isHelperCall(i)) {
                        regs[d] &= ~R0;
                        return (regs[d] & R1_5) == 0;
                    }
                    return true;           // a subprogram call: handled at the frame boundary
                }
                if (o == BPF_EXIT || o == BPF_JA || o == BPF_JCOND) {
                    return true;
                }
                boolean x = source(c) == BPF_X;
                if (x && (regs[d] & (dm | sm)) != 0) {
                    regs[d] |= dm | sm;        // dst <op> src refined both
                }
                long linked = History.linked(e);
                if (linked != 0 && ((regs[d] & linked) != 0 || History.linkedStack(e) && !empty())) {
                    regs[d] |= linked;         // sync_linked_regs() refined all of them together
                }
                return true;
            }
        }
    }

    /** mark_all_scalars_precise(): every scalar of the path, current state and checkpoints. */
    private static void allPrecise(VState cur) {
        for (VState st = cur; st != null; st = st.parent) {
            st.forEachReg(r -> {
                if (r.type == RegType.SCALAR) {
                    r.precise = true;
                }
            });
        }
    }
}
