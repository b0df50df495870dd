package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.VerifierException;

/**
 * Control flow: successors, reachability (kernel/bpf/verifier.c check_cfg(): "unreachable insn",
 * "jump into the middle of ldimm64 insn") and the static call-frame depth (check_func_call():
 * "the call stack of %d frames is too deep", MAX_CALL_FRAMES = 8; recursion therefore fails too).
 */
final class Cfg {
    static final int MAX_CALL_FRAMES = 8;

    private final Slots s;
    private final int[] starts;

    Cfg(Slots s, int[] starts) {
        this.s = s;
        this.starts = starts;
    }

    /** Flow successors of i within its subprogram (call edges excluded). */
    int[] successors(int i) {
        int c = s.code[i];
        if (c == (BPF_JMP | BPF_EXIT)) {
            return new int[0];
        }
        if (c == (BPF_JMP | BPF_JA) || c == (BPF_JMP32 | BPF_JA)) {
            return new int[] {s.jumpTarget(i)};
        }
        if (s.isJump(i)) {
            return new int[] {i + 1, s.jumpTarget(i)};
        }
        return new int[] {s.next(i)};
    }

    /** The subprogram a call or a PSEUDO_FUNC load at i refers to, or -1. */
    int callee(int i) {
        return s.isPseudoCall(i) || s.isPseudoFunc(i) ? i + s.imm[i] + 1 : -1;
    }

    void checkReachable(boolean allowUnreachable) {
        boolean[] seen = new boolean[s.len];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        seen[0] = true;
        work.add(0);
        while (!work.isEmpty()) {
            int i = work.poll();
            List<Integer> out = new ArrayList<>(3);
            for (int t : successors(i)) {
                out.add(t);
            }
            int callee = callee(i);
            if (callee >= 0) {
                out.add(callee);
            }
            for (int t : out) {
                if (t < s.len && !seen[t]) {
                    seen[t] = true;
                    if (!s.second[t]) {
                        work.add(t);
                    }
                }
            }
        }
        for (int i = 0; i < s.len; i++) {
            if (!seen[i] && !s.second[i] && !allowUnreachable) {
                throw new VerifierException(i, "unreachable insn " + i);
            }
            if (s.code[i] == LD_IMM64 && !s.second[i]) {
                if (seen[i + 1]) {
                    throw new VerifierException(i, "jump into the middle of ldimm64 insn " + i);
                }
                i++;
            }
        }
    }

    void checkCallDepth() {
        int n = starts.length;
        int[] height = new int[n];          // frames of the deepest chain starting here; 0 = unknown
        boolean[] onPath = new boolean[n];
        height(0, height, onPath, 1);
    }

    /** Deepest chain below subprogram k, failing once it would exceed the limit at depth d. */
    private int height(int k, int[] height, boolean[] onPath, int depth) {
        if (height[k] != 0 && depth + height[k] - 1 <= MAX_CALL_FRAMES) {
            return height[k];
        }
        onPath[k] = true;
        int end = k + 1 < starts.length ? starts[k + 1] : s.len;
        int h = 1;
        for (int i = starts[k]; i < end; i++) {
            if (s.second[i]) {
                continue;
            }
            int callee = callee(i);
            if (callee < 0) {
                continue;
            }
            if (depth + 1 > MAX_CALL_FRAMES) {
                throw new VerifierException(i, Errno.E2BIG, "the call stack of " + (depth + 1) + " frames is too deep");
            }
            int ck = Subprogs.of(starts, callee);
            if (onPath[ck]) {
                // recursion: the kernel keeps pushing frames until the limit
                throw new VerifierException(i, Errno.E2BIG, "the call stack of " + (MAX_CALL_FRAMES + 1) + " frames is too deep");
            }
            int ch = height(ck, height, onPath, depth + 1);
            h = Math.max(h, 1 + ch);
        }
        onPath[k] = false;
        height[k] = h;
        return h;
    }
}
