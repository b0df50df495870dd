package org.ebpf4j.vm.verifier;

/**
 * One call frame, {@code struct bpf_func_state}: eleven registers and a 512-byte stack whose bytes
 * are each STACK_INVALID, STACK_MISC, STACK_ZERO or part of a spilled register (STACK_SPILL, the
 * register itself kept per 8-byte slot), as include/linux/bpf_verifier.h describes them.
 */
final class Frame {
    static final int MAX_BPF_STACK = 512;
    static final byte INVALID = 0, MISC = 1, ZERO = 2, SPILL = 3;

    final RegState[] regs = new RegState[11];
    final byte[] slotType = new byte[MAX_BPF_STACK];
    final RegState[] spilled = new RegState[MAX_BPF_STACK / 8];
    /** The call instruction that created this frame (-1 for the main one). */
    int callsite = -1;
    /** The subprogram start this frame runs. */
    int subprog;
    /** Set for frames a helper (bpf_loop, for_each_map_elem) calls back into. */
    boolean callback;
    int frameNo;
    /**
     * Which call this frame is (unique per verification): stack-read marks ({@link StackReads})
     * travel up the checkpoint chain only while the checkpoint holds the same call.
     */
    int instance;

    Frame copy() {
        Frame f = new Frame();
        for (int i = 0; i < regs.length; i++) {
            f.regs[i] = regs[i].copy();
        }
        System.arraycopy(slotType, 0, f.slotType, 0, slotType.length);
        for (int i = 0; i < spilled.length; i++) {
            f.spilled[i] = spilled[i] == null ? null : spilled[i].copy();
        }
        f.callsite = callsite;
        f.subprog = subprog;
        f.callback = callback;
        f.frameNo = frameNo;
        f.instance = instance;
        return f;
    }

    static Frame entry(int frameNo, int subprog, int callsite) {
        Frame f = new Frame();
        for (int i = 0; i < 11; i++) {
            f.regs[i] = RegState.notInit();
        }
        RegState fp = RegState.pointer(RegType.STACK);
        fp.frameNo = frameNo;
        f.regs[10] = fp;
        f.frameNo = frameNo;
        f.subprog = subprog;
        f.callsite = callsite;
        return f;
    }

    /**
     * stacksafe() and regsafe() over this frame: whether explored {@code this} covers {@code cur},
     * looking only at the registers live here ({@link Liveness}) and at the 8-byte stack slots some
     * path from this state read before writing ({@code readSlots}, bit i = the slot at fp-512+8*i).
     */
    boolean covers(Frame cur, IdMap ids, long liveRegs, long readSlots) {
        if (callsite != cur.callsite) {
            return false;
        }
        for (int r = 0; r < 11; r++) {
            if ((liveRegs & (1L << r)) != 0 && !regs[r].covers(cur.regs[r], ids)) {
                return false;
            }
        }
        for (long m = readSlots; m != 0; m &= m - 1) {
            int slot = Long.numberOfTrailingZeros(m);
            if (!slotCovers(cur, slot, ids)) {
                return false;
            }
        }
        return true;
    }

    private boolean slotCovers(Frame cur, int slot, IdMap ids) {
        for (int b = slot * 8; b < slot * 8 + 8; b++) {
            byte o = slotType[b], c = cur.slotType[b];
            if (o == INVALID) {
                continue;
            }
            if (o == MISC && (c == MISC || c == ZERO || (c == SPILL && cur.spilled[b / 8].isScalar()))) {
                continue;
            }
            if (o == ZERO && c == ZERO) {
                continue;
            }
            if (o == SPILL && c == SPILL) {
                if (b % 8 == 0 && !spilled[b / 8].covers(cur.spilled[b / 8], ids)) {
                    return false;
                }
                continue;
            }
            if (o == SPILL && spilled[b / 8].isScalar() && !spilled[b / 8].precise
                    && (c == MISC || c == ZERO)) {
                continue;       // an imprecise spilled scalar is any number, as misc bytes are
            }
            return false;
        }
        return true;
    }

    boolean same(Frame cur) {
        if (callsite != cur.callsite) {
            return false;
        }
        for (int r = 0; r < 11; r++) {
            if (!regs[r].same(cur.regs[r])) {
                return false;
            }
        }
        for (int b = 0; b < MAX_BPF_STACK; b++) {
            if (slotType[b] != cur.slotType[b]) {
                return false;
            }
            if (slotType[b] == SPILL && b % 8 == 0 && !spilled[b / 8].same(cur.spilled[b / 8])) {
                return false;
            }
        }
        return true;
    }
}
