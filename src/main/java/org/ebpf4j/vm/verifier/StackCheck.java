package org.ebpf4j.vm.verifier;

import java.util.Map;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.uapi.Errno;

/**
 * check_max_stack_depth(): along every chain of bpf-to-bpf calls (and callback references) the
 * frames' stack depths, each rounded up to 16 bytes as for a JIT-ed program, must add up to at
 * most 512: "combined stack size of %d calls is %d. Too large".
 */
final class StackCheck {
    private StackCheck() {}

    static void combined(int[] starts, Slots s, Map<Integer, Integer> depths) {
        walk(0, starts, s, depths, 0, 1);
    }

    private static void walk(int k, int[] starts, Slots s, Map<Integer, Integer> depths, int above, int frames) {
        int start = starts[k];
        int depth = above + roundUp(depths.getOrDefault(start, 0));
        if (depth > Frame.MAX_BPF_STACK) {
            throw new VerifierException(start, Errno.EACCES, "combined stack size of " + frames + " calls is " + depth
                    + ". Too large");
        }
        int end = k + 1 < starts.length ? starts[k + 1] : s.len;
        for (int i = start; i < end; i++) {
            if (s.second[i]) {
                continue;
            }
            if (s.isPseudoCall(i) || s.isPseudoFunc(i)) {
                int callee = Subprogs.of(starts, i + s.imm[i] + 1);
                if (frames < Cfg.MAX_CALL_FRAMES) {
                    walk(callee, starts, s, depths, depth, frames + 1);
                }
            }
        }
    }

    private static int roundUp(int d) { return (d + 15) & ~15; }
}
