package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

/**
 * Where is_state_visited() runs, as check_cfg()'s visit_insn() marks it in kernel/bpf/verifier.c:
 * a conditional jump itself and its target, the target of a {@code goto}, the instruction after
 * every call, a subprogram call and its callee's first instruction, an ld_imm64 of a callback
 * (BPF_PSEUDO_FUNC) and what follows it, and a call to a helper that runs a callback (bpf_loop,
 * for_each_map_elem, ...), which like may_goto also forces a checkpoint (mark_force_checkpoint()).
 */
final class PrunePoints {
    private PrunePoints() {}

    /** Helpers that call back synchronously (is_sync_callback_calling_function()). */
    private static boolean callsCallback(int helperId) {
        return helperId == 164 || helperId == 181 || helperId == 201 || helperId == 207;  // for_each_map_elem, loop, find_vma, user_ringbuf_drain
    }

    static void mark(Slots s, boolean[] prune, boolean[] force) {
        for (int t = 0; t < s.len; t++) {
            if (s.second[t]) {
                continue;
            }
            int c = s.code[t];
            if (s.isPseudoFunc(t)) {
                prune[t] = true;
                prune[t + 2] = true;
                prune[t + s.imm[t] + 1] = true;
                continue;
            }
            if (cls(c) != BPF_JMP && cls(c) != BPF_JMP32) {
                continue;
            }
            switch (op(c)) {
                case BPF_EXIT -> { }
                case BPF_CALL -> {
                    prune[t + 1] = true;
                    if (s.isPseudoCall(t)) {
                        prune[t] = true;
                        prune[t + s.imm[t] + 1] = true;
                    } else if (s.isHelperCall(t) && callsCallback(s.imm[t])) {
                        prune[t] = true;
                        force[t] = true;
                    }
                }
                case BPF_JA -> prune[s.jumpTarget(t)] = true;
                default -> {
                    prune[t] = true;
                    if (op(c) == BPF_JCOND) {
                        force[t] = true;
                    }
                    prune[s.jumpTarget(t)] = true;
                }
            }
        }
    }
}
