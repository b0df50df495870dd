package org.ebpf4j.kernel.prog;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.vm.VerifierException;

/**
 * The context part of the verifier: finds every load and store through the context pointer,
 * checks it against the program type ({@code check_ctx_access} → {@code is_valid_access}) and
 * rewrites it where the model keeps the field elsewhere ({@code convert_ctx_accesses} in
 * kernel/bpf/verifier.c). Engines then run plain loads: a {@code u32} load of
 * {@code skb->data} becomes a {@code u64} load of the real pointer (see
 * {@link org.ebpf4j.memory.SkBuffLayout}).
 *
 * <p>Which register holds the context is found by a small forward dataflow, since the structural
 * verifier tracks no pointer types: r1 at entry is the context; {@code mov} copies it; 8-byte
 * spills to the stack and fills back keep it; anything else written to a register ends it; a
 * helper call clobbers r0-r5; bpf-to-bpf calls pass it in r1-r5 to the callee. A register that
 * holds the context on some paths only, or was moved by arithmetic, is refused at a
 * dereference, as the kernel refuses it.
 */
public final class CtxRewriter {
    /** Rewritten instructions and the highest context byte any access reaches ({@code aux->max_ctx_offset}). */
    public record Result(List<Insn> insns, int maxCtxOffset) {}

    private static final int SLOTS = 64;   // 512 bytes of stack per frame, 8-byte slots

    private final List<Insn> insns;
    private final CtxAccess access;
    private final int n;
    // per slot: state at entry
    private final boolean[] seen;
    private final int[] mustReg, mayReg, modReg;
    private final long[] mustSlot, maySlot;

    private CtxRewriter(List<Insn> insns, CtxAccess access) {
        this.insns = insns;
        this.access = access;
        this.n = insns.size();
        seen = new boolean[n];
        mustReg = new int[n];
        mayReg = new int[n];
        modReg = new int[n];
        mustSlot = new long[n];
        maySlot = new long[n];
    }

    /** @throws VerifierException with the kernel's message for a refused context access */
    public static Result rewrite(List<Insn> insns, CtxAccess access) {
        return new CtxRewriter(insns, access).run();
    }

    private final ArrayDeque<Integer> work = new ArrayDeque<>();

    private void flow(int to, int must, int may, int mod, long sMust, long sMay) {
        if (to < 0 || to >= n) {
            return;
        }
        if (!seen[to]) {
            seen[to] = true;
            mustReg[to] = must;
            mayReg[to] = may;
            modReg[to] = mod;
            mustSlot[to] = sMust;
            maySlot[to] = sMay;
            work.add(to);
            return;
        }
        int nm = mustReg[to] & must, ny = mayReg[to] | may, nd = modReg[to] | mod;
        long sm = mustSlot[to] & sMust, sy = maySlot[to] | sMay;
        if (nm != mustReg[to] || ny != mayReg[to] || nd != modReg[to] || sm != mustSlot[to] || sy != maySlot[to]) {
            mustReg[to] = nm;
            mayReg[to] = ny;
            modReg[to] = nd;
            mustSlot[to] = sm;
            maySlot[to] = sy;
            work.add(to);
        }
    }

    private Result run() {
        flow(0, 1 << 1, 1 << 1, 0, 0, 0);
        for (int i = 0; i < n; i++) {       // callbacks start with nothing known to be the context
            Insn in = insns.get(i);
            if (in.opcode() == LD_IMM64 && in.src() == BPF_PSEUDO_FUNC) {
                flow(i + in.imm() + 1, 0, 0, 0, 0, 0);
            }
        }
        while (!work.isEmpty()) {
            step(work.poll());
        }
        return apply();
    }

    private static int slot(int off) {
        return off < 0 && off >= -SLOTS * 8 && off % 8 == 0 ? (-off / 8) - 1 : -1;
    }

    private void step(int i) {
        Insn in = insns.get(i);
        int must = mustReg[i], may = mayReg[i], mod = modReg[i];
        long sMust = mustSlot[i], sMay = maySlot[i];
        int c = in.opcode();
        int cls = cls(c);
        int dst = in.dst(), src = in.src();
        int dbit = 1 << dst, sbit = 1 << src;
        switch (cls) {
            case BPF_ALU64, BPF_ALU -> {
                boolean srcCtx = source(c) == BPF_X;
                if (cls == BPF_ALU64 && op(c) == BPF_MOV && source(c) == BPF_X && in.off() == 0) {
                    must = (must & ~dbit) | ((must & sbit) != 0 ? dbit : 0);
                    may = (may & ~dbit) | ((may & sbit) != 0 ? dbit : 0);
                    mod = (mod & ~dbit) | ((mod & sbit) != 0 ? dbit : 0);
                } else if (cls == BPF_ALU64 && (op(c) == BPF_ADD || op(c) == BPF_SUB) && ((may | mod) & dbit) != 0) {
                    must &= ~dbit;
                    may &= ~dbit;
                    mod |= dbit;
                } else {
                    must &= ~dbit;
                    may &= ~dbit;
                    mod &= ~dbit;
                }
                if (srcCtx) {
                    // nothing else: reading a register does not change what it holds
                }
                flow(i + 1, must, may, mod, sMust, sMay);
            }
            case BPF_LD -> {
                must &= ~dbit;
                may &= ~dbit;
                mod &= ~dbit;
                flow(i + (c == LD_IMM64 ? 2 : 1), must, may, mod, sMust, sMay);
            }
            case BPF_LDX -> {
                int s = src == 10 && size(c) == BPF_DW ? slot(in.off()) : -1;
                must &= ~dbit;
                may &= ~dbit;
                mod &= ~dbit;
                if (s >= 0) {
                    if ((sMust & (1L << s)) != 0) {
                        must |= dbit;
                    }
                    if ((sMay & (1L << s)) != 0) {
                        may |= dbit;
                    }
                }
                flow(i + 1, must, may, mod, sMust, sMay);
            }
            case BPF_ST, BPF_STX -> {
                if (dst == 10) {
                    int s = slot(in.off());
                    int bytes = sizeBytes(c);
                    int lo = in.off(), hi = in.off() + bytes;
                    for (int k = 0; k < SLOTS; k++) {       // any overlapping slot stops holding the ctx
                        int so = -(k + 1) * 8;
                        if (lo < so + 8 && hi > so) {
                            sMust &= ~(1L << k);
                            sMay &= ~(1L << k);
                        }
                    }
                    if (cls == BPF_STX && mode(c) == BPF_MEM && size(c) == BPF_DW && s >= 0) {
                        if ((must & sbit) != 0) {
                            sMust |= 1L << s;
                        }
                        if ((may & sbit) != 0) {
                            sMay |= 1L << s;
                        }
                    }
                }
                if (cls == BPF_STX && mode(c) == BPF_ATOMIC) {
                    int clobber = in.imm() == BPF_CMPXCHG ? 1 : (in.imm() & BPF_FETCH) != 0 ? sbit : 0;
                    if (in.imm() == BPF_LOAD_ACQ) {
                        clobber = dbit;
                    }
                    must &= ~clobber;
                    may &= ~clobber;
                    mod &= ~clobber;
                }
                flow(i + 1, must, may, mod, sMust, sMay);
            }
            case BPF_JMP, BPF_JMP32 -> {
                int op = op(c);
                if (op == BPF_EXIT) {
                    return;
                }
                if (op == BPF_CALL) {
                    if (src == BPF_PSEUDO_CALL) {
                        int args = 0x3e;   // r1-r5
                        flow(i + in.imm() + 1, must & args, may & args, mod & args, 0, 0);
                    }
                    int clobber = 0x3f;   // r0-r5
                    flow(i + 1, must & ~clobber, may & ~clobber, mod & ~clobber, sMust, sMay);
                    return;
                }
                if (op == BPF_JA) {
                    int off = cls == BPF_JMP32 ? in.imm() : in.off();
                    flow(i + off + 1, must, may, mod, sMust, sMay);
                    return;
                }
                if (op == BPF_JCOND) {
                    flow(i + in.off() + 1, must, may, mod, sMust, sMay);
                    flow(i + 1, must, may, mod, sMust, sMay);
                    return;
                }
                flow(i + in.off() + 1, must, may, mod, sMust, sMay);
                flow(i + 1, must, may, mod, sMust, sMay);
            }
            default -> flow(i + 1, must, may, mod, sMust, sMay);
        }
    }

    private Result apply() {
        List<Insn> out = new ArrayList<>(insns);
        int maxOff = 0;
        for (int i = 0; i < n; i++) {
            if (!seen[i]) {
                continue;
            }
            Insn in = insns.get(i);
            int c = in.opcode();
            int cls = cls(c);
            int ptr;
            boolean write;
            if (cls == BPF_LDX && (mode(c) == BPF_MEM || mode(c) == BPF_MEMSX)) {
                ptr = in.src();
                write = false;
            } else if ((cls == BPF_STX || cls == BPF_ST) && (mode(c) == BPF_MEM || mode(c) == BPF_ATOMIC)) {
                ptr = in.dst();
                write = true;
            } else {
                continue;
            }
            int bit = 1 << ptr;
            if ((modReg[i] & bit) != 0 && (mayReg[i] & bit) == 0) {
                throw new VerifierException(i, "dereference of modified ctx ptr R" + ptr + " off=" + in.off() + " disallowed");
            }
            if ((mayReg[i] & bit) == 0) {
                continue;
            }
            if ((mustReg[i] & bit) == 0 || (modReg[i] & bit) != 0) {
                throw new VerifierException(i, "same insn cannot be used with different pointers");
            }
            if (mode(c) == BPF_ATOMIC) {
                throw new VerifierException(i, "BPF_ATOMIC stores into R" + ptr + " ctx is not allowed");
            }
            int size = sizeBytes(c);
            int off = in.off();
            CtxAccess.Access a = off < 0 ? null : access.check(off, size, write);
            if (a == null) {
                throw new VerifierException(i, "invalid bpf_context access off=" + off + " size=" + size);
            }
            maxOff = Math.max(maxOff, off + size);
            if (a.off() == off && a.size() == size) {
                continue;
            }
            if (write || mode(c) == BPF_MEMSX) {
                throw new VerifierException(i, "invalid bpf_context access off=" + off + " size=" + size);
            }
            int newCode = BPF_LDX | BPF_MEM | switch (a.size()) {
                case 1 -> BPF_B;
                case 2 -> BPF_H;
                case 4 -> BPF_W;
                default -> BPF_DW;
            };
            out.set(i, Insn.of(newCode, in.dst(), in.src(), a.off(), in.imm()));
        }
        return new Result(out, maxOff);
    }
}
