package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.ebpf4j.isa.Insn;

/**
 * How a program's slots map onto JVM methods. Each subprogram becomes one method when its
 * estimated bytecode fits the budget; otherwise it is split into regions (contiguous slot ranges,
 * never cutting an ld_imm64), each a method that keeps registers in locals and hands them over in
 * a {@code long[]} at region boundaries. The budget defaults below HotSpot's HugeMethodLimit (8000
 * bytes; larger methods are never JIT-compiled) and so far below the class-file limit of 64 KiB.
 *
 * <p>The estimate is an upper bound per instruction (see {@link #cost}); a test checks that real
 * method sizes stay under the budget.
 */
final class Plan {
    /** Budget in estimated bytecode bytes per generated method. */
    static final int DEFAULT_BUDGET = 7000;
    /**
     * A straight-line run (no jump, call or exit; no jump target after its first slot) of at least
     * this many estimated bytes, in a subprogram of at least {@link #OUTLINE_MIN_METHOD}, becomes a
     * region of its own even when the subprogram fits the budget. clang unrolls constant-count
     * initialisation loops into such runs (sieve_loop: 56 stores to a .bss array); left in the
     * method with the hot loop they make C2's compile of it too big to inline the loop's calls
     * (PrintInlining: "NodeCountInliningCutoff" for the bpf_loop callback). A run is entered at
     * most once per pass, so the region hand-off costs little.
     */
    static final int OUTLINE_MIN_RUN = 1536;
    static final int OUTLINE_MIN_METHOD = 3000;

    final List<Insn> insns;
    final int[] starts;
    final int[] ends;
    /** Per subprogram: its regions' first slots (empty if compiled whole). */
    final int[][] regionStarts;
    /** Per subprogram and region: slots entered from outside the region (jump targets, fall-through). */
    final int[][][] entries;

    Plan(List<Insn> insns, int[] starts, int budget) {
        this.insns = insns;
        this.starts = starts;
        int n = starts.length;
        this.ends = new int[n];
        this.regionStarts = new int[n][];
        this.entries = new int[n][][];
        for (int s = 0; s < n; s++) {
            ends[s] = s + 1 < n ? starts[s + 1] : insns.size();
            long whole = 0;
            for (int i = starts[s]; i < ends[s]; i++) {
                whole += cost(insns.get(i), false);
            }
            java.util.BitSet cuts = whole >= OUTLINE_MIN_METHOD ? straightRuns(starts[s], ends[s]) : new java.util.BitSet();
            if (whole <= budget && cuts.isEmpty()) {
                regionStarts[s] = new int[0];
                entries[s] = new int[0][];
            } else {
                regionStarts[s] = partition(starts[s], ends[s], budget, cuts);
                entries[s] = findEntries(s);
            }
        }
    }

    boolean split(int sub) { return regionStarts[sub].length > 0; }

    int subprogOf(int insn) {
        int k = java.util.Arrays.binarySearch(starts, insn);
        return k >= 0 ? k : -k - 2;
    }

    /** Region (within its subprogram) of a slot of a split subprogram. */
    int regionOf(int sub, int insn) {
        int k = java.util.Arrays.binarySearch(regionStarts[sub], insn);
        return k >= 0 ? k : -k - 2;
    }

    int regionEnd(int sub, int region) {
        int[] rs = regionStarts[sub];
        return region + 1 < rs.length ? rs[region + 1] : ends[sub];
    }

    /**
     * Region cuts around each long straight-line run of {@code [from, to)} (see
     * {@link #OUTLINE_MIN_RUN}): at its first slot and at the slot after it.
     */
    private java.util.BitSet straightRuns(int from, int to) {
        java.util.BitSet targets = new java.util.BitSet(insns.size());
        for (int i = from; i < to; i++) {
            Insn in = insns.get(i);
            int t = jumpTarget(i, in);
            if (t >= 0 && t < insns.size()) {
                targets.set(t);
            }
            if (in.isLdImm64()) {
                i++;
            }
        }
        java.util.BitSet cuts = new java.util.BitSet(insns.size());
        int runStart = -1;
        long runCost = 0;
        for (int i = from; i <= to; i++) {
            Insn in = i < to ? insns.get(i) : null;
            boolean straight = in != null && !isJmp(in.opcode());
            if (runStart >= 0 && (!straight || targets.get(i))) {
                if (runCost >= OUTLINE_MIN_RUN) {
                    cuts.set(runStart);
                    cuts.set(i);
                }
                runStart = -1;
            }
            if (straight && runStart < 0) {
                runStart = i;
                runCost = 0;
            }
            if (straight) {
                runCost += cost(in, false) + (in.isLdImm64() ? cost(insns.get(i + 1), false) : 0);
                if (in.isLdImm64()) {
                    i++;
                }
            }
        }
        cuts.clear(from);
        cuts.clear(to);
        return cuts;
    }

    private int[] partition(int from, int to, int budget, java.util.BitSet cuts) {
        List<Integer> out = new ArrayList<>();
        out.add(from);
        long acc = 0;
        for (int i = from; i < to; i++) {
            Insn in = insns.get(i);
            int c = cost(in, true) + (in.isLdImm64() ? cost(insns.get(i + 1), true) : 0);
            if ((acc + c > budget || cuts.get(i)) && acc > 0) {
                out.add(i);
                acc = 0;
            }
            acc += c;
            if (in.isLdImm64()) {
                i++;
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private int[][] findEntries(int sub) {
        int[] rs = regionStarts[sub];
        List<TreeSet<Integer>> sets = new ArrayList<>();
        for (int r = 0; r < rs.length; r++) {
            TreeSet<Integer> t = new TreeSet<>();
            t.add(rs[r]);                      // fall-through from the previous region, and the start
            sets.add(t);
        }
        for (int i = starts[sub]; i < ends[sub]; i++) {
            Insn in = insns.get(i);
            int target = jumpTarget(i, in);
            if (target >= 0) {
                int tr = regionOf(sub, target);
                if (tr != regionOf(sub, i)) {
                    sets.get(tr).add(target);
                }
            }
            if (in.isLdImm64()) {
                i++;
            }
        }
        int[][] out = new int[rs.length][];
        for (int r = 0; r < rs.length; r++) {
            out[r] = sets.get(r).stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    /** Target slot of a jump (conditional, unconditional, may_goto), or -1 for anything else. */
    static int jumpTarget(int i, Insn in) {
        int c = in.opcode();
        if (!isJump(in)) {
            return -1;
        }
        return c == (BPF_JMP32 | BPF_JA) ? i + in.imm() + 1 : i + in.off() + 1;
    }

    /** Whether control can pass from this slot to the next one. */
    static boolean fallsThrough(Insn in) {
        int c = in.opcode();
        return c != (BPF_JMP | BPF_EXIT) && c != (BPF_JMP | BPF_JA) && c != (BPF_JMP32 | BPF_JA);
    }

    /**
     * An upper bound of the bytecode one slot becomes. In a region, a jump may need a stub that
     * stores all ten registers (~65 bytes) and each slot may be an entry of the region's switch.
     */
    static int cost(Insn in, boolean region) {
        int c = in.opcode();
        int base = switch (cls(c)) {
            case BPF_ALU, BPF_ALU64 -> 24;
            case BPF_LD -> c == LD_IMM64 ? 8 : 16;
            case BPF_LDX -> 64;
            case BPF_ST, BPF_STX -> mode(c) == BPF_ATOMIC ? 40 : 64;
            default -> switch (op(c)) {
                case BPF_CALL -> 150;
                case BPF_EXIT -> 16;
                case BPF_JCOND -> 32;
                default -> 24;
            };
        };
        if (!region) {
            return base;
        }
        return base + 12 + (isJump(in) ? 80 : 0);
    }

    static boolean isJump(Insn in) {
        int c = in.opcode();
        return isJmp(c) && op(c) != BPF_CALL && op(c) != BPF_EXIT;
    }
}
