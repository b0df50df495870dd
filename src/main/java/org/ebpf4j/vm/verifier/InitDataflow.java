package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayDeque;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.VerifierException;

/**
 * A forward must-be-written dataflow over the CFG: the part of the kernel's register state
 * tracking that says whether a register is NOT_INIT ("R%d !read_ok", check_reg_arg()). One bit per
 * register, meet = AND over predecessors. At entry r1 and r10 are set; a helper call clobbers r1-r5
 * and sets r0; a bpf-to-bpf callee starts with the r1-r5 its callers all set, plus r10; exit reads
 * r0. Callbacks (PSEUDO_FUNC targets) start with r1-r5 set, as the helpers that call them pass five
 * arguments. Helper argument reads are not checked: that needs argument types (later).
 */
final class InitDataflow {
    private static final int R0 = 1, R1_5 = 0b111110, FP = 1 << 10;
    private static final int UNKNOWN = -1;

    private final Slots s;
    private final Cfg cfg;
    private final int[] in;
    private final ArrayDeque<Integer> work = new ArrayDeque<>();

    /** Exits before this slot (the main program's) need not have written r0; 0 when all must. */
    private final int r0OptionalBelow;

    InitDataflow(Slots s, Cfg cfg) { this(s, cfg, 0); }

    /** {@code mainEnd}: the main program's exits below it may leave r0 unwritten (0: none). */
    InitDataflow(Slots s, Cfg cfg, int mainEnd) {
        this.s = s;
        this.cfg = cfg;
        this.r0OptionalBelow = mainEnd;
        this.in = new int[s.len];
        java.util.Arrays.fill(in, UNKNOWN);
    }

    void run(int entryMask) {
        flow(0, entryMask | FP);
        while (!work.isEmpty()) {
            int i = work.poll();
            step(i, in[i]);
        }
    }

    private void flow(int to, int mask) {
        if (to >= s.len) {
            return;
        }
        int old = in[to];
        int nu = old == UNKNOWN ? mask : old & mask;
        if (nu != old) {
            in[to] = nu;
            work.add(to);
        }
    }

    private void read(int i, int reg, int m) {
        if ((m & (1 << reg)) == 0) {
            throw new VerifierException(i, Errno.EACCES, "R" + reg + " !read_ok");
        }
    }

    private void step(int i, int m) {
        int c = s.code[i], dst = s.dst[i], src = s.src[i];
        int out = m;
        switch (cls(c)) {
            case BPF_ALU, BPF_ALU64 -> {
                int op = op(c);
                if (source(c) == BPF_X && op != BPF_NEG && op != BPF_END) {
                    read(i, src, m);
                }
                if (op != BPF_MOV) {
                    read(i, dst, m);
                }
                out |= 1 << dst;
            }
            case BPF_LDX -> { read(i, src, m); out |= 1 << dst; }
            case BPF_ST -> read(i, dst, m);
            case BPF_STX -> {
                int imm = s.imm[i];
                if (mode(c) == BPF_ATOMIC && imm == BPF_LOAD_ACQ) {
                    read(i, src, m);
                    out |= 1 << dst;
                } else {
                    read(i, src, m);
                    read(i, dst, m);
                    if (mode(c) == BPF_ATOMIC && imm == BPF_CMPXCHG) {
                        read(i, 0, m);
                    } else if (mode(c) == BPF_ATOMIC && (imm & BPF_FETCH) != 0) {
                        out |= 1 << src;
                    }
                }
            }
            case BPF_LD -> {
                if (c == LD_IMM64) {
                    out |= 1 << dst;
                } else {                      // LD_ABS/IND: r6 holds the skb; a hidden call
                    read(i, 6, m);
                    if (mode(c) == BPF_IND) {
                        read(i, src, m);
                    }
                    out = (m & ~R1_5) | R0;
                }
            }
            default -> out = jmp(i, c, m);
        }
        int callee = cfg.callee(i);
        if (callee >= 0 && s.isPseudoFunc(i)) {
            flow(callee, R1_5 | FP);
        }
        if (c == (BPF_JMP | BPF_EXIT)) {
            return;
        }
        if (s.isHelperCall(i) && (s.imm[i] <= 0 || s.imm[i] >= HelperSignatures.FUNC_MAX_ID)) {
            return;     // "invalid func" wherever a path reaches it (libbpf's CO-RE poison): no path goes on
        }
        for (int t : cfg.successors(i)) {
            flow(t, out);
        }
    }

    private int jmp(int i, int c, int m) {
        int op = op(c);
        switch (op) {
            case BPF_EXIT -> {
                if (i >= r0OptionalBelow) {
                    read(i, 0, m);
                }
                return m;
            }
            case BPF_CALL -> {
                if (s.isPseudoCall(i)) {
                    flow(cfg.callee(i), (m & R1_5) | FP);
                }
                return (m & ~R1_5) | R0;
            }
            case BPF_JA, BPF_JCOND -> { return m; }
            default -> {
                if (source(c) == BPF_X) {
                    read(i, s.src[i], m);
                }
                read(i, s.dst[i], m);
                return m;
            }
        }
    }

}
