package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.BitSet;
import java.util.List;
import org.ebpf4j.isa.Insn;

/**
 * Which map a tail-call site uses, or which callback a bpf_loop site runs, when the program says
 * so plainly: r2 loaded by an ld_imm64 (of a map address, or a {@code BPF_PSEUDO_FUNC} as the
 * JIT encodes it) earlier in the same basic block (what clang emits for
 * {@code bpf_tail_call(ctx, &map, i)} and {@code bpf_loop(n, cb, ctx, 0)}). The kernel's verifier records the same thing per call
 * site ({@code insn_aux_data.map_ptr_state}, kernel/bpf/verifier.c record_func_map) so that its
 * JIT can embed the map pointer. Here the JIT binds that map's slots at compile time and still
 * compares r2 at run time, so a wrong or missing answer only costs speed.
 */
final class TailSites {
    private TailSites() {}

    /**
     * Per slot: for each {@code sites} slot, the constant r2 holds there (a map address, never
     * 0), else 0.
     */
    static long[] constantR2(List<Insn> insns, int[] subprogStarts, BitSet sites) {
        int n = insns.size();
        BitSet leaders = leaders(insns, subprogStarts);
        long[] out = new long[n];
        long r2 = 0;
        for (int i = 0; i < n; i++) {
            if (leaders.get(i)) {
                r2 = 0;
            }
            Insn in = insns.get(i);
            if (sites.get(i)) {
                out[i] = r2;
            }
            int c = in.opcode();
            if (in.isLdImm64()) {
                if (in.dst() == 2) {
                    r2 = in.src() == BPF_PSEUDO_FUNC ? JitSupport.FUNC_BASE + ((long) (i + in.imm() + 1) << 3)
                            : i + 1 < n ? in.imm64(insns.get(i + 1)) : 0;
                }
                i++;
                continue;
            }
            switch (cls(c)) {
                case BPF_JMP, BPF_JMP32 -> {
                    if (op(c) == BPF_CALL || !Plan.fallsThrough(in)) {
                        r2 = 0;                 // calls clobber r1-r5; after exit/ja only a leader follows
                    }
                }
                case BPF_ST -> { }
                case BPF_STX -> {
                    if (mode(c) == BPF_ATOMIC && in.src() == 2) {
                        r2 = 0;                 // BPF_FETCH / xchg write the source register
                    }
                }
                default -> {
                    if (in.dst() == 2) {
                        r2 = 0;
                    }
                }
            }
        }
        return out;
    }

    /** Basic-block leaders: subprogram starts and jump targets. */
    private static BitSet leaders(List<Insn> insns, int[] subprogStarts) {
        int n = insns.size();
        BitSet leaders = new BitSet(n);
        for (int s : subprogStarts) {
            leaders.set(s);
        }
        for (int i = 0; i < n; i++) {
            Insn in = insns.get(i);
            int t = Plan.jumpTarget(i, in);
            if (t >= 0 && t < n) {
                leaders.set(t);
            }
            if (in.isLdImm64()) {
                i++;
            }
        }
        return leaders;
    }

    /**
     * Per slot: for each {@code sites} slot, the constant register {@code reg} (1-5) holds there
     * when the same basic block set it with {@code mov reg, imm} (64-bit: sign-extended; 32-bit:
     * zero-extended), as clang emits a helper's constant length argument; else -1 (unknown).
     * Every other instruction that may write {@code reg} forgets it, as do calls and leaders.
     */
    static long[] constantMovImm(List<Insn> insns, int[] subprogStarts, BitSet sites, int reg) {
        int n = insns.size();
        BitSet leaders = leaders(insns, subprogStarts);
        long[] out = new long[n];
        long v = -1;
        for (int i = 0; i < n; i++) {
            if (leaders.get(i)) {
                v = -1;
            }
            Insn in = insns.get(i);
            out[i] = sites.get(i) ? v : -1;
            int c = in.opcode();
            if (in.isLdImm64()) {
                if (in.dst() == reg) {
                    v = -1;
                }
                i++;
                continue;
            }
            switch (cls(c)) {
                case BPF_JMP, BPF_JMP32 -> {
                    if (op(c) == BPF_CALL || !Plan.fallsThrough(in)) {
                        v = -1;
                    }
                }
                case BPF_ST -> { }
                case BPF_STX -> {
                    if (mode(c) == BPF_ATOMIC && in.src() == reg) {
                        v = -1;
                    }
                }
                case BPF_ALU64, BPF_ALU -> {
                    if (in.dst() == reg) {
                        boolean movK = op(c) == BPF_MOV && source(c) == BPF_K && in.off() == 0;
                        v = !movK ? -1 : cls(c) == BPF_ALU64 ? (long) in.imm() : in.imm() & 0xffffffffL;
                    }
                }
                default -> {
                    if (in.dst() == reg) {
                        v = -1;
                    }
                }
            }
        }
        return out;
    }
}
