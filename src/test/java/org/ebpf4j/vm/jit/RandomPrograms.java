package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.ProgramImage;

/**
 * Random programs for differential testing (issue 8): structurally valid (they pass the
 * StructuralVerifier with the bpf_conformance relaxations), covering every instruction class and
 * form: ALU/ALU64 with K and X, sdiv/smod, movsx, byte swaps, ld_imm64, loads (also sign-extending)
 * and stores on the stack (directly off r10 and through a copied pointer) and on a context buffer,
 * every atomic, JMP/JMP32 with K and X, ja and gotol, may_goto, bounded loops, helper calls and
 * bpf-to-bpf calls, plus rare accesses outside the arena that must fault identically.
 *
 * <p>Discipline that keeps the two engines comparable: r6 holds the context pointer (identical in
 * both runs), r9 is the loop counter, r10 is never copied into a register that outlives one access
 * (the engines' stacks live at different addresses); each frame zeroes itself first (the engines'
 * stacks hold different leftovers) and snapshots itself last ({@link #SNAP}).
 */
final class RandomPrograms {
    /** Test helpers: MIX(r1..r5) returns a hash and logs its args; ZERO(p, len); SNAP(p, len, r0) returns r3. */
    static final int MIX = 2000, ZERO = 2001, SNAP = 2002;
    static final int CTX_SIZE = 256;
    private static final int[] SCALARS = {0, 1, 2, 3, 4, 5, 7, 8};
    private static final int[] SOURCES = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    private static final int CALL_PLACEHOLDER = -1000;

    private final Random rnd;
    private final long arenaSize;

    RandomPrograms(long seed, long arenaSize) {
        this.rnd = new Random(seed);
        this.arenaSize = arenaSize;
    }

    ProgramImage next(String name) {
        int subs = rnd.nextInt(4);                          // subprograms besides main
        List<List<Insn>> bodies = new ArrayList<>();
        for (int s = 0; s <= subs; s++) {
            bodies.add(subprogram(s, subs, 10 + rnd.nextInt(s == 0 ? 60 : 25)));
        }
        int[] starts = new int[subs + 1];
        List<Insn> out = new ArrayList<>();
        for (int s = 0; s <= subs; s++) {
            starts[s] = out.size();
            out.addAll(bodies.get(s));
        }
        for (int i = 0; i < out.size(); i++) {                // resolve bpf-to-bpf calls
            Insn in = out.get(i);
            if (in.isPseudoCall() && in.imm() <= CALL_PLACEHOLDER) {
                out.set(i, in.withImm(starts[CALL_PLACEHOLDER - in.imm()] - i - 1));
            }
        }
        return new ProgramImage(name, out);
    }

    private List<Insn> subprogram(int self, int subs, int units) {
        List<Insn> p = new ArrayList<>();
        p.add(mov64X(6, 1));                                 // r6 = ctx
        for (int r : new int[] {0, 2, 3, 4, 5, 7, 8}) {
            p.addAll(constant(r));
        }
        p.add(mov64K(9, 0));
        // zero the frame: the engines' stacks hold different leftovers
        p.add(mov64X(1, 10));
        p.add(ins(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -512));
        p.add(mov64K(2, 512));
        p.add(ins(BPF_JMP | BPF_CALL, 0, 0, 0, ZERO));
        reinit(p);
        p.addAll(block(self, subs, units, true));
        p.add(mov64X(3, 0));                                 // SNAP returns r3: r0 survives
        p.add(mov64X(1, 10));
        p.add(ins(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -512));
        p.add(mov64K(2, 512));
        p.add(ins(BPF_JMP | BPF_CALL, 0, 0, 0, SNAP));
        p.add(ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
        return p;
    }

    /** A run of units; forward jumps land on a later unit boundary of the same block or its end. */
    private List<Insn> block(int self, int subs, int units, boolean loopsAllowed) {
        List<List<Insn>> us = new ArrayList<>();
        List<int[]> jumps = new ArrayList<>();             // {unit, index in unit, target unit}
        for (int u = 0; u < units; u++) {
            List<Insn> unit = new ArrayList<>();
            int pick = rnd.nextInt(100);
            if (pick < 30) {
                unit.add(alu());
            } else if (pick < 33) {
                unit.addAll(constant(pickScalar()));
            } else if (pick < 48) {
                stackAccess(unit);
            } else if (pick < 56) {
                ctxAccess(unit);
            } else if (pick < 63) {
                atomic(unit);
            } else if (pick < 80) {
                unit.add(jump());
                jumps.add(new int[] {u, 0, u + 1 + rnd.nextInt(units - u)});
            } else if (pick < 82) {
                unit.add(ins(BPF_JMP | BPF_JCOND, 0, 0, 0, 0));  // may_goto
                jumps.add(new int[] {u, 0, u + 1 + rnd.nextInt(units - u)});
            } else if (pick < 88) {
                for (int r = 1; r <= 5; r++) {
                    if (rnd.nextInt(3) == 0) {
                        unit.add(mov64X(r, SOURCES[rnd.nextInt(SOURCES.length)]));
                    }
                }
                unit.add(ins(BPF_JMP | BPF_CALL, 0, 0, 0, MIX));
                reinit(unit);
            } else if (pick < 92 && self < subs) {
                int callee = self + 1 + rnd.nextInt(subs - self);
                unit.add(mov64X(1, 6));
                unit.add(ins(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, CALL_PLACEHOLDER - callee));
                reinit(unit);
            } else if (pick < 97 && loopsAllowed) {
                List<Insn> body = block(self, subs, 1 + rnd.nextInt(6), false);
                unit.add(mov64K(9, 1 + rnd.nextInt(6)));
                unit.addAll(body);
                unit.add(ins(BPF_ALU64 | BPF_SUB | BPF_K, 9, 0, 0, 1));
                unit.add(ins(BPF_JMP | BPF_JNE | BPF_K, 9, 0, -(body.size() + 2), 0));
            } else if (pick < 98 && rnd.nextInt(4) == 0) {
                badAccess(unit);
            } else {
                unit.add(alu());
            }
            us.add(unit);
        }
        int[] start = new int[units + 1];
        for (int u = 0; u < units; u++) {
            start[u + 1] = start[u] + us.get(u).size();
        }
        for (int[] j : jumps) {
            int at = start[j[0]] + j[1];
            int rel = start[j[2]] - at - 1;
            Insn in = us.get(j[0]).get(j[1]);
            us.get(j[0]).set(j[1], in.opcode() == (BPF_JMP32 | BPF_JA) ? in.withImm(rel) : in.withOff(rel));
        }
        List<Insn> out = new ArrayList<>();
        us.forEach(out::addAll);
        return out;
    }

    // ---- units ----

    private Insn alu() {
        boolean is64 = rnd.nextBoolean();
        int cls = is64 ? BPF_ALU64 : BPF_ALU;
        int d = pickScalar();
        int s = SOURCES[rnd.nextInt(SOURCES.length)];
        int[] ops = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD,
                BPF_XOR, BPF_MOV, BPF_ARSH, BPF_END};
        int op = ops[rnd.nextInt(ops.length)];
        boolean x = rnd.nextBoolean();
        switch (op) {
            case BPF_NEG -> { return ins(cls | BPF_NEG, d, 0, 0, 0); }
            case BPF_END -> {
                int bits = new int[] {16, 32, 64}[rnd.nextInt(3)];
                return is64 ? ins(BPF_ALU64 | BPF_END, d, 0, 0, bits)
                        : ins(BPF_ALU | BPF_END | (x ? BPF_TO_BE : BPF_TO_LE), d, 0, 0, bits);
            }
            case BPF_DIV, BPF_MOD -> {
                int off = rnd.nextBoolean() ? 1 : 0;             // sdiv/smod
                return x ? ins(cls | op | BPF_X, d, s, off, 0) : ins(cls | op | BPF_K, d, 0, off, imm());
            }
            case BPF_MOV -> {
                if (x && rnd.nextInt(3) == 0) {                  // movsx
                    int[] offs = is64 ? new int[] {8, 16, 32} : new int[] {8, 16};
                    return ins(cls | BPF_MOV | BPF_X, d, s, offs[rnd.nextInt(offs.length)], 0);
                }
                return x ? ins(cls | BPF_MOV | BPF_X, d, s, 0, 0) : ins(cls | BPF_MOV | BPF_K, d, 0, 0, imm());
            }
            default -> {
                return x ? ins(cls | op | BPF_X, d, s, 0, 0) : ins(cls | op | BPF_K, d, 0, 0, imm());
            }
        }
    }

    private Insn jump() {
        int kind = rnd.nextInt(12);
        if (kind == 0) {
            return ins(BPF_JMP | BPF_JA, 0, 0, 0, 0);
        }
        if (kind == 1) {
            return ins(BPF_JMP32 | BPF_JA, 0, 0, 0, 0);                 // gotol
        }
        int[] ops = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE,
                BPF_JSLT, BPF_JSLE};
        int cls = rnd.nextBoolean() ? BPF_JMP : BPF_JMP32;
        int op = ops[rnd.nextInt(ops.length)];
        int d = SOURCES[rnd.nextInt(SOURCES.length)];
        return rnd.nextBoolean() ? ins(cls | op | BPF_X, d, SOURCES[rnd.nextInt(SOURCES.length)], 0, 0)
                : ins(cls | op | BPF_K, d, 0, 0, imm());
    }

    private static final int[] SIZES = {BPF_B, BPF_H, BPF_W, BPF_DW};

    private void stackAccess(List<Insn> unit) {
        int size = SIZES[rnd.nextInt(4)];
        int bytes = sizeBytes(size);
        int off = -bytes - rnd.nextInt(512 - bytes + 1);          // [-512, -bytes]
        int base = 10;
        if (rnd.nextInt(3) == 0) {                                  // through a pointer copy
            base = pickScalar();
            int split = rnd.nextInt(64) - 32;
            unit.add(mov64X(base, 10));
            unit.add(ins(BPF_ALU64 | BPF_ADD | BPF_K, base, 0, 0, off - split));
            off = split;
        }
        memOp(unit, base, off, size, base);
        if (base != 10) {
            unit.addAll(constant(base));                           // the pointer must not outlive the access
        }
    }

    private void ctxAccess(List<Insn> unit) {
        int size = SIZES[rnd.nextInt(4)];
        memOp(unit, 6, rnd.nextInt(CTX_SIZE - sizeBytes(size) + 1), size, -1);
    }

    /** {@code avoid}: a register holding a stack pointer, which must not be stored. */
    private void memOp(List<Insn> unit, int base, int off, int size, int avoid) {
        int d = pickScalar();
        int s = SOURCES[rnd.nextInt(SOURCES.length)];
        if (s == avoid) {
            s = 0 == avoid ? 1 : 0;
        }
        switch (rnd.nextInt(4)) {
            case 0 -> unit.add(ins(BPF_LDX | BPF_MEM | size, d, base, off, 0));
            case 1 -> unit.add(size == BPF_DW ? ins(BPF_LDX | BPF_MEM | size, d, base, off, 0)
                    : ins(BPF_LDX | BPF_MEMSX | size, d, base, off, 0));
            case 2 -> unit.add(ins(BPF_ST | BPF_MEM | size, base, 0, off, imm()));
            default -> unit.add(ins(BPF_STX | BPF_MEM | size, base, s, off, 0));
        }
    }

    private void atomic(List<Insn> unit) {
        boolean onStack = rnd.nextBoolean();
        int base = onStack ? 10 : 6;
        int[] imms = {BPF_ADD, BPF_ADD | BPF_FETCH, BPF_OR, BPF_OR | BPF_FETCH, BPF_AND, BPF_AND | BPF_FETCH,
                BPF_XOR, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL};
        int imm = imms[rnd.nextInt(imms.length)];
        int size = imm == BPF_LOAD_ACQ || imm == BPF_STORE_REL ? SIZES[rnd.nextInt(4)] : rnd.nextBoolean() ? BPF_W : BPF_DW;
        int bytes = sizeBytes(size);
        int off = onStack ? -bytes * (1 + rnd.nextInt(512 / bytes)) : bytes * rnd.nextInt(CTX_SIZE / bytes);
        boolean rmw = imm != BPF_LOAD_ACQ && imm != BPF_STORE_REL;
        if (rnd.nextInt(25) == 0 && rmw) {
            off += onStack ? -1 : 1;                               // misaligned: faults in both engines
        }
        int s = pickScalar();
        if (imm == BPF_LOAD_ACQ) {
            unit.add(ins(BPF_STX | BPF_ATOMIC | size, s, base, off, imm));
        } else {
            unit.add(ins(BPF_STX | BPF_ATOMIC | size, base, s, off, imm));
        }
    }

    /** A load or store at an address outside the arena: NULL, just past its end, just before it, or far. */
    private void badAccess(List<Insn> unit) {
        long[] bad = {0, Arena.BASE + arenaSize, Arena.BASE - 8, Arena.BASE + arenaSize - 4, rnd.nextLong()};
        long addr = bad[rnd.nextInt(bad.length)];
        unit.addAll(List.of(lddw(7, addr)));
        memOp(unit, 7, 0, BPF_DW, -1);
        unit.addAll(constant(7));
    }

    // ---- pieces ----

    private void reinit(List<Insn> unit) {
        for (int r = 1; r <= 5; r++) {
            unit.addAll(constant(r));
        }
    }

    private List<Insn> constant(int r) {
        return switch (rnd.nextInt(4)) {
            case 0 -> List.of(lddw(r, rnd.nextLong()));
            case 1 -> List.of(ins(BPF_ALU | BPF_MOV | BPF_K, r, 0, 0, imm()));
            default -> List.of(mov64K(r, imm()));
        };
    }

    private int pickScalar() { return SCALARS[rnd.nextInt(SCALARS.length)]; }

    /** Immediates biased toward the corners: 0, ±1, widths, sign bits. */
    private int imm() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> rnd.nextBoolean() ? 1 : -1;
            case 2 -> new int[] {8, 16, 31, 32, 63, 64, 65}[rnd.nextInt(7)];
            case 3 -> rnd.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE;
            case 4 -> rnd.nextInt(256);
            default -> rnd.nextInt();
        };
    }

    private static Insn ins(int opcode, int dst, int src, int off, int imm) { return Insn.of(opcode, dst, src, off, imm); }

    private static Insn mov64K(int d, int imm) { return ins(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm); }

    private static Insn mov64X(int d, int s) { return ins(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0); }

    private static Insn[] lddw(int d, long v) {
        return new Insn[] {ins(LD_IMM64, d, 0, 0, (int) v), ins(0, 0, 0, 0, (int) (v >>> 32))};
    }
}
