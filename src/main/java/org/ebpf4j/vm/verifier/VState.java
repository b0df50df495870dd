package org.ebpf4j.vm.verifier;

import java.util.ArrayList;
import java.util.List;

/**
 * One verifier state, {@code struct bpf_verifier_state}: the call frames, the acquired references
 * ({@code struct bpf_reference_state}: id and the instruction that acquired it), and for pruning the
 * checkpoint it descends from and, for checkpoints, how many paths below it are still being explored
 * ({@code branches}; a checkpoint with live branches is on the current path and may not prune).
 *
 * <p>Each state also keeps the instructions executed since its parent checkpoint (the kernel's
 * jmp_history plus first/last_insn_idx, here every instruction as a {@link History} entry), which
 * {@link Precision} walks backwards, and per frame the stack slots written in that stretch and, for
 * checkpoints, the slots read below them ({@link StackReads}).
 */
final class VState {
    record Ref(int id, int insn) {}

    /** r6-r9 and the frame pointer: what a caller still holds when its callee returns. */
    static final long CALLEE_SAVED = 0b11111000000L;

    final List<Frame> frames = new ArrayList<>();
    final List<Ref> refs = new ArrayList<>();
    /** Deepest stack use per subprogram start, shared by every state of one verification. */
    java.util.Map<Integer, Integer> depths = new java.util.HashMap<>();
    /** Next id to hand out (env->id_gen), shared likewise. */
    int[] idGen = {0};
    /** Next frame instance number, shared likewise. */
    int[] frameGen = {0};
    /** {@link History} entries since the parent checkpoint. */
    long[] hist = new long[16];
    int histLen;
    /** Jumps and stack accesses among them (the kernel's jmp_history_cnt, which forces a checkpoint past 40). */
    int histJumps;
    /** Per frame depth: 8-byte stack slots fully written since the parent checkpoint. */
    long[] written = new long[Cfg.MAX_CALL_FRAMES + 1];
    /** Checkpoints: per frame depth, slots some path from here read before writing them. */
    long[] stackRead = new long[Cfg.MAX_CALL_FRAMES + 1];
    /** Queued branches: the log position when they were queued (see {@link TypeLog#pathDone}). */
    int logPos;
    /** Set while the current state executes the last recorded instruction. */
    boolean executing;
    VState parent;
    int branches;
    int hits;
    long fingerprint;
    int misses;
    int insn;

    int newId() { return ++idGen[0]; }

    int newFrameInstance() { return ++frameGen[0]; }

    void record(long entry) {
        if (histLen == hist.length) {
            hist = java.util.Arrays.copyOf(hist, histLen * 2);
        }
        hist[histLen++] = entry;
    }

    /** Sets the stack slot the last recorded instruction accessed. */
    void recordStackSlot(int frame, int slot) {
        if (histLen > 0) {
            hist[histLen - 1] = History.withStack(hist[histLen - 1], frame, slot);
            histJumps++;
        }
    }

    Frame cur() { return frames.get(frames.size() - 1); }

    RegState reg(int r) { return cur().regs[r]; }

    VState copy() {
        VState s = new VState();
        for (Frame f : frames) {
            s.frames.add(f.copy());
        }
        s.refs.addAll(refs);
        s.parent = parent;
        s.insn = insn;
        s.depths = depths;
        s.idGen = idGen;
        s.frameGen = frameGen;
        s.hist = java.util.Arrays.copyOf(hist, Math.max(16, histLen));
        s.histLen = histLen;
        s.histJumps = histJumps;
        s.written = written.clone();
        return s;
    }

    /** Every register and spilled register of every frame (bpf_for_each_reg_in_vstate). */
    void forEachReg(java.util.function.Consumer<RegState> fn) {
        for (Frame f : frames) {
            for (RegState r : f.regs) {
                fn.accept(r);
            }
            for (int i = 0; i < f.spilled.length; i++) {
                if (f.spilled[i] != null && f.slotType[i * 8] == Frame.SPILL) {
                    fn.accept(f.spilled[i]);
                }
            }
        }
    }

    /**
     * states_equal(): whether this finished checkpoint covers {@code cur}. {@code live} gives the
     * live registers per instruction: the top frame's at the current one, a caller's (r6-r9) at its
     * return site.
     */
    boolean covers(VState cur, long[] live) {
        if (frames.size() != cur.frames.size() || refs.size() != cur.refs.size()) {
            return false;
        }
        IdMap ids = new IdMap();
        for (int i = 0; i < refs.size(); i++) {
            if (!ids.check(refs.get(i).id(), cur.refs.get(i).id())) {
                return false;
            }
        }
        for (int i = 0; i < frames.size(); i++) {
            boolean top = i == frames.size() - 1;
            long liveRegs = top ? live[insn] : live[frames.get(i + 1).callsite + 1] & CALLEE_SAVED;
            if (!frames.get(i).covers(cur.frames.get(i), ids, liveRegs, stackRead[i])) {
                return false;
            }
        }
        return true;
    }

    /** A hash of everything {@link #same} compares. */
    long fingerprint() {
        long h = refs.hashCode();
        for (Frame f : frames) {
            h = h * 31 + f.callsite;
            for (RegState r : f.regs) {
                h = h * 31 + r.type.ordinal();
                h = h * 31 + r.off;
                h = h * 31 + r.var.value();
                h = h * 31 + r.var.mask();
                h = h * 31 + r.smin;
                h = h * 31 + r.umax;
            }
            h = h * 31 + java.util.Arrays.hashCode(f.slotType);
        }
        return h;
    }

    boolean same(VState cur) {
        if (frames.size() != cur.frames.size() || !refs.equals(cur.refs)) {
            return false;
        }
        for (int i = 0; i < frames.size(); i++) {
            if (!frames.get(i).same(cur.frames.get(i))) {
                return false;
            }
        }
        return true;
    }
}
