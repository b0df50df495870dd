package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

/**
 * A static, conservative stand-in for the kernel's register liveness (kernel/bpf/liveness.c and
 * the REG_LIVE_READ marks): per instruction, the registers that may be read before being written on
 * some path from it. State pruning ignores the others, so two paths that differ only in dead
 * registers meet, as they do in the kernel. Backward dataflow to a fixpoint over the CFG.
 */
final class Liveness {
    private Liveness() {}

    private static final long R0 = 1, R1_5 = 0b111110, FP = 1 << 10;

    /** live-in register masks per slot. */
    static long[] compute(Slots s, Cfg cfg) {
        long[] in = new long[s.len];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = s.len - 1; i >= 0; i--) {
                if (s.second[i]) {
                    continue;
                }
                long out = 0;
                for (int t : cfg.successors(i)) {
                    if (t < s.len) {
                        out |= in[t];
                    }
                }
                long nu = transfer(s, i, out) | FP;
                if (nu != in[i]) {
                    in[i] = nu;
                    changed = true;
                }
            }
        }
        return in;
    }

    private static long transfer(Slots s, int i, long out) {
        int c = s.code[i], dst = s.dst[i], src = s.src[i];
        long use = 0, def = 0;
        switch (cls(c)) {
            case BPF_ALU, BPF_ALU64 -> {
                def = 1L << dst;
                if (op(c) != BPF_MOV) {
                    use |= 1L << dst;
                }
                if (source(c) == BPF_X) {
                    use |= 1L << src;
                }
            }
            case BPF_LDX -> { use = 1L << src; def = 1L << dst; }
            case BPF_ST -> use = 1L << dst;
            case BPF_STX -> {
                use = (1L << dst) | (1L << src);
                if (mode(c) == BPF_ATOMIC) {
                    // only BPF_CMPXCHG reads r0 (the expected value); a plain store does not, and
                    // counting r0 live there kept every state holding an unrelated r0 from pruning
                    // (sieve_loop.bpf.o: a loop storing to the stack, entered with r0 uninitialized
                    // on one path and a helper's result on another)
                    if (s.imm[i] == BPF_CMPXCHG) {
                        use |= R0;
                    }
                    def = (s.imm[i] & BPF_FETCH) != 0 ? (s.imm[i] == BPF_CMPXCHG ? R0 : 1L << src) : 0;
                    if (s.imm[i] == BPF_LOAD_ACQ) {
                        def = 1L << dst;
                    }
                }
            }
            case BPF_LD -> {
                if (c == LD_IMM64) {
                    def = 1L << dst;
                } else {
                    use = (1L << 6) | (1L << src);
                    def = R0 | R1_5;
                }
            }
            default -> {
                int o = op(c);
                if (o == BPF_CALL) {
                    use = R1_5;
                    def = R0 | R1_5;
                } else if (o == BPF_EXIT) {
                    // only r0 is read: the exiting frame's r6-r9 die with it, and a caller's r6-r9
                    // survive the call through the call instruction itself (no def there), so their
                    // liveness is the caller's at the return site, which VState.covers() consults
                    use = R0;
                } else if (o != BPF_JA && o != BPF_JCOND) {
                    use = (1L << dst) | (source(c) == BPF_X ? 1L << src : 0);
                }
            }
        }
        return use | (out & ~def);
    }
}
