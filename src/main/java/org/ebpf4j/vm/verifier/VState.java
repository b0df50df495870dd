package org.ebpf4j.vm.verifier;

import java.util.ArrayList;
import java.util.List;

/**
 * One verifier state, {@code struct bpf_verifier_state}: the call frames, the acquired references
 * ({@code struct bpf_reference_state}: id and the instruction that acquired it), and for pruning the
 * checkpoint it descends from and, for checkpoints, how many paths below it are still being explored
 * ({@code branches}; a checkpoint with live branches is on the current path and may not prune).
 */
final class VState {
    record Ref(int id, int insn) {}

    final List<Frame> frames = new ArrayList<>();
    final List<Ref> refs = new ArrayList<>();
    /** Deepest stack use per subprogram start, shared by every state of one verification. */
    java.util.Map<Integer, Integer> depths = new java.util.HashMap<>();
    /** Next id to hand out (env->id_gen), shared likewise. */
    int[] idGen = {0};
    VState parent;
    int branches;
    int hits;
    long fingerprint;
    int misses;
    int insn;

    int newId() { return ++idGen[0]; }

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

    boolean covers(VState cur, long liveRegs, long preciseRegs) {
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
            if (!frames.get(i).covers(cur.frames.get(i), ids, top ? liveRegs : -1L, top ? preciseRegs : -1L)) {
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
