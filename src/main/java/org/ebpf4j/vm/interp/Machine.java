package org.ebpf4j.vm.interp;

import static org.ebpf4j.vm.AluOps.*;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.interp.Decoded.*;

import java.lang.invoke.VarHandle;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.memory.MemoryFault;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.helper.Helper;
import org.ebpf4j.vm.helper.TailCallHelper;

/**
 * The run loop: one switch on the pre-decoded op, registers in the context's {@code long[11]},
 * semantics of kernel/bpf/core.c ___bpf_prog_run() (the kernel's own interpreter), which is the
 * reference for every corner: ALU32 results zero-extended, shift counts masked, division by zero
 * giving 0 and modulo by zero leaving the dividend (truncated to 32 bits for ALU32), signed
 * overflow of sdiv/smod wrapping. Kept small enough for HotSpot to compile (HugeMethodLimit).
 */
final class Machine {
    private Machine() {}

    private static final long M32 = 0xffffffffL;

    /**
     * Runs from slot {@code pc} of {@code p} in frame {@code base} until that frame exits;
     * registers must be set up by the caller. Returns r0.
     */
    static long exec(Context ctx, Decoded p, int pc, final int base) {
        final long[] r = ctx.r;
        final Arena mem = ctx.arena;
        int[] ins = p.ins;
        int[] off = p.off;
        long[] imm = p.imm;
        int depth = base;
        try {
            for (;;) {
                final int w = ins[pc];
                final int dst = (w >>> 8) & 0xf;
                final int src = (w >>> 12) & 0xf;
                switch (w & 0xff) {
                    // ---- ALU64 ----
                    case BPF_ALU64 | BPF_ADD | BPF_K -> r[dst] += imm[pc];
                    case BPF_ALU64 | BPF_ADD | BPF_X -> r[dst] += r[src];
                    case BPF_ALU64 | BPF_SUB | BPF_K -> r[dst] -= imm[pc];
                    case BPF_ALU64 | BPF_SUB | BPF_X -> r[dst] -= r[src];
                    case BPF_ALU64 | BPF_MUL | BPF_K -> r[dst] *= imm[pc];
                    case BPF_ALU64 | BPF_MUL | BPF_X -> r[dst] *= r[src];
                    case BPF_ALU64 | BPF_DIV | BPF_K -> r[dst] = div64(r[dst], imm[pc]);
                    case BPF_ALU64 | BPF_DIV | BPF_X -> r[dst] = div64(r[dst], r[src]);
                    case BPF_ALU64 | BPF_MOD | BPF_K -> r[dst] = mod64(r[dst], imm[pc]);
                    case BPF_ALU64 | BPF_MOD | BPF_X -> r[dst] = mod64(r[dst], r[src]);
                    case SDIV64_K -> r[dst] = sdiv64(r[dst], imm[pc]);
                    case SDIV64_X -> r[dst] = sdiv64(r[dst], r[src]);
                    case SMOD64_K -> r[dst] = smod64(r[dst], imm[pc]);
                    case SMOD64_X -> r[dst] = smod64(r[dst], r[src]);
                    case BPF_ALU64 | BPF_OR | BPF_K -> r[dst] |= imm[pc];
                    case BPF_ALU64 | BPF_OR | BPF_X -> r[dst] |= r[src];
                    case BPF_ALU64 | BPF_AND | BPF_K -> r[dst] &= imm[pc];
                    case BPF_ALU64 | BPF_AND | BPF_X -> r[dst] &= r[src];
                    case BPF_ALU64 | BPF_XOR | BPF_K -> r[dst] ^= imm[pc];
                    case BPF_ALU64 | BPF_XOR | BPF_X -> r[dst] ^= r[src];
                    case BPF_ALU64 | BPF_LSH | BPF_K -> r[dst] <<= imm[pc];      // Java masks & 63
                    case BPF_ALU64 | BPF_LSH | BPF_X -> r[dst] <<= r[src];
                    case BPF_ALU64 | BPF_RSH | BPF_K -> r[dst] >>>= imm[pc];
                    case BPF_ALU64 | BPF_RSH | BPF_X -> r[dst] >>>= r[src];
                    case BPF_ALU64 | BPF_ARSH | BPF_K -> r[dst] >>= imm[pc];
                    case BPF_ALU64 | BPF_ARSH | BPF_X -> r[dst] >>= r[src];
                    case BPF_ALU64 | BPF_NEG -> r[dst] = -r[dst];
                    case BPF_ALU64 | BPF_MOV | BPF_K -> r[dst] = imm[pc];
                    case BPF_ALU64 | BPF_MOV | BPF_X -> r[dst] = r[src];
                    case MOVSX64_8 -> r[dst] = (byte) r[src];
                    case MOVSX64_16 -> r[dst] = (short) r[src];
                    case MOVSX64_32 -> r[dst] = (int) r[src];
                    case BSWAP16 -> r[dst] = Short.reverseBytes((short) r[dst]) & 0xffffL;
                    case BSWAP32 -> r[dst] = Integer.reverseBytes((int) r[dst]) & M32;
                    case BSWAP64 -> r[dst] = Long.reverseBytes(r[dst]);
                    // ---- ALU (32-bit, result zero-extended) ----
                    case BPF_ALU | BPF_ADD | BPF_K -> r[dst] = ((int) r[dst] + (int) imm[pc]) & M32;
                    case BPF_ALU | BPF_ADD | BPF_X -> r[dst] = ((int) r[dst] + (int) r[src]) & M32;
                    case BPF_ALU | BPF_SUB | BPF_K -> r[dst] = ((int) r[dst] - (int) imm[pc]) & M32;
                    case BPF_ALU | BPF_SUB | BPF_X -> r[dst] = ((int) r[dst] - (int) r[src]) & M32;
                    case BPF_ALU | BPF_MUL | BPF_K -> r[dst] = ((int) r[dst] * (int) imm[pc]) & M32;
                    case BPF_ALU | BPF_MUL | BPF_X -> r[dst] = ((int) r[dst] * (int) r[src]) & M32;
                    case BPF_ALU | BPF_DIV | BPF_K -> r[dst] = div32(r[dst], imm[pc]);
                    case BPF_ALU | BPF_DIV | BPF_X -> r[dst] = div32(r[dst], r[src]);
                    case BPF_ALU | BPF_MOD | BPF_K -> r[dst] = mod32(r[dst], imm[pc]);
                    case BPF_ALU | BPF_MOD | BPF_X -> r[dst] = mod32(r[dst], r[src]);
                    case SDIV32_K -> r[dst] = sdiv32(r[dst], imm[pc]);
                    case SDIV32_X -> r[dst] = sdiv32(r[dst], r[src]);
                    case SMOD32_K -> r[dst] = smod32(r[dst], imm[pc]);
                    case SMOD32_X -> r[dst] = smod32(r[dst], r[src]);
                    case BPF_ALU | BPF_OR | BPF_K -> r[dst] = (r[dst] | imm[pc]) & M32;
                    case BPF_ALU | BPF_OR | BPF_X -> r[dst] = (r[dst] | r[src]) & M32;
                    case BPF_ALU | BPF_AND | BPF_K -> r[dst] = r[dst] & imm[pc] & M32;
                    case BPF_ALU | BPF_AND | BPF_X -> r[dst] = r[dst] & r[src] & M32;
                    case BPF_ALU | BPF_XOR | BPF_K -> r[dst] = (r[dst] ^ imm[pc]) & M32;
                    case BPF_ALU | BPF_XOR | BPF_X -> r[dst] = (r[dst] ^ r[src]) & M32;
                    case BPF_ALU | BPF_LSH | BPF_K -> r[dst] = ((int) r[dst] << imm[pc]) & M32;   // & 31
                    case BPF_ALU | BPF_LSH | BPF_X -> r[dst] = ((int) r[dst] << r[src]) & M32;
                    case BPF_ALU | BPF_RSH | BPF_K -> r[dst] = ((int) r[dst] >>> imm[pc]) & M32;
                    case BPF_ALU | BPF_RSH | BPF_X -> r[dst] = ((int) r[dst] >>> r[src]) & M32;
                    case BPF_ALU | BPF_ARSH | BPF_K -> r[dst] = ((int) r[dst] >> imm[pc]) & M32;
                    case BPF_ALU | BPF_ARSH | BPF_X -> r[dst] = ((int) r[dst] >> r[src]) & M32;
                    case BPF_ALU | BPF_NEG -> r[dst] = -(int) r[dst] & M32;
                    case BPF_ALU | BPF_MOV | BPF_K -> r[dst] = imm[pc] & M32;
                    case BPF_ALU | BPF_MOV | BPF_X -> r[dst] = r[src] & M32;
                    case MOVSX32_8 -> r[dst] = (byte) r[src] & M32;
                    case MOVSX32_16 -> r[dst] = (short) r[src] & M32;
                    case LE16 -> r[dst] &= 0xffffL;
                    case LE32 -> r[dst] &= M32;
                    case LE64 -> { }
                    case BE16 -> r[dst] = Short.reverseBytes((short) r[dst]) & 0xffffL;
                    case BE32 -> r[dst] = Integer.reverseBytes((int) r[dst]) & M32;
                    case BE64 -> r[dst] = Long.reverseBytes(r[dst]);
                    // ---- loads and stores ----
                    case LD_IMM64 -> { r[dst] = imm[pc]; pc += 2; continue; }
                    case BPF_LDX | BPF_MEM | BPF_B -> r[dst] = mem.load8(r[src] + off[pc]);
                    case BPF_LDX | BPF_MEM | BPF_H -> r[dst] = mem.load16(r[src] + off[pc]);
                    case BPF_LDX | BPF_MEM | BPF_W -> r[dst] = mem.load32(r[src] + off[pc]);
                    case BPF_LDX | BPF_MEM | BPF_DW -> r[dst] = mem.load64(r[src] + off[pc]);
                    case BPF_LDX | BPF_MEMSX | BPF_B -> r[dst] = (byte) mem.load8(r[src] + off[pc]);
                    case BPF_LDX | BPF_MEMSX | BPF_H -> r[dst] = (short) mem.load16(r[src] + off[pc]);
                    case BPF_LDX | BPF_MEMSX | BPF_W -> r[dst] = (int) mem.load32(r[src] + off[pc]);
                    case BPF_ST | BPF_MEM | BPF_B -> mem.store8(r[dst] + off[pc], imm[pc]);
                    case BPF_ST | BPF_MEM | BPF_H -> mem.store16(r[dst] + off[pc], imm[pc]);
                    case BPF_ST | BPF_MEM | BPF_W -> mem.store32(r[dst] + off[pc], imm[pc]);
                    case BPF_ST | BPF_MEM | BPF_DW -> mem.store64(r[dst] + off[pc], imm[pc]);
                    case BPF_STX | BPF_MEM | BPF_B -> mem.store8(r[dst] + off[pc], r[src]);
                    case BPF_STX | BPF_MEM | BPF_H -> mem.store16(r[dst] + off[pc], r[src]);
                    case BPF_STX | BPF_MEM | BPF_W -> mem.store32(r[dst] + off[pc], r[src]);
                    case BPF_STX | BPF_MEM | BPF_DW -> mem.store64(r[dst] + off[pc], r[src]);
                    // ---- jumps ----
                    case BPF_JMP | BPF_JA, BPF_JMP32 | BPF_JA -> { pc = off[pc]; continue; }
                    case BPF_JMP | BPF_JEQ | BPF_K -> { if (r[dst] == imm[pc]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JEQ | BPF_X -> { if (r[dst] == r[src]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JNE | BPF_K -> { if (r[dst] != imm[pc]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JNE | BPF_X -> { if (r[dst] != r[src]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JGT | BPF_K -> { if (Long.compareUnsigned(r[dst], imm[pc]) > 0) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JGT | BPF_X -> { if (Long.compareUnsigned(r[dst], r[src]) > 0) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JGE | BPF_K -> { if (Long.compareUnsigned(r[dst], imm[pc]) >= 0) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JGE | BPF_X -> { if (Long.compareUnsigned(r[dst], r[src]) >= 0) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JLT | BPF_K -> { if (Long.compareUnsigned(r[dst], imm[pc]) < 0) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JLT | BPF_X -> { if (Long.compareUnsigned(r[dst], r[src]) < 0) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JLE | BPF_K -> { if (Long.compareUnsigned(r[dst], imm[pc]) <= 0) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JLE | BPF_X -> { if (Long.compareUnsigned(r[dst], r[src]) <= 0) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JSET | BPF_K -> { if ((r[dst] & imm[pc]) != 0) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JSET | BPF_X -> { if ((r[dst] & r[src]) != 0) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JSGT | BPF_K -> { if (r[dst] > imm[pc]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JSGT | BPF_X -> { if (r[dst] > r[src]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JSGE | BPF_K -> { if (r[dst] >= imm[pc]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JSGE | BPF_X -> { if (r[dst] >= r[src]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JSLT | BPF_K -> { if (r[dst] < imm[pc]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JSLT | BPF_X -> { if (r[dst] < r[src]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JSLE | BPF_K -> { if (r[dst] <= imm[pc]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JSLE | BPF_X -> { if (r[dst] <= r[src]) { pc = off[pc]; continue; } }
                    case BPF_JMP | BPF_JCOND -> {                     // may_goto: taken once the budget is spent
                        if (ctx.loops == 0) { pc = off[pc]; continue; }
                        ctx.loops--;
                    }
                    case BPF_JMP32 | BPF_JEQ | BPF_K, BPF_JMP32 | BPF_JEQ | BPF_X, BPF_JMP32 | BPF_JNE | BPF_K,
                         BPF_JMP32 | BPF_JNE | BPF_X, BPF_JMP32 | BPF_JGT | BPF_K, BPF_JMP32 | BPF_JGT | BPF_X,
                         BPF_JMP32 | BPF_JGE | BPF_K, BPF_JMP32 | BPF_JGE | BPF_X, BPF_JMP32 | BPF_JLT | BPF_K,
                         BPF_JMP32 | BPF_JLT | BPF_X, BPF_JMP32 | BPF_JLE | BPF_K, BPF_JMP32 | BPF_JLE | BPF_X,
                         BPF_JMP32 | BPF_JSET | BPF_K, BPF_JMP32 | BPF_JSET | BPF_X, BPF_JMP32 | BPF_JSGT | BPF_K,
                         BPF_JMP32 | BPF_JSGT | BPF_X, BPF_JMP32 | BPF_JSGE | BPF_K, BPF_JMP32 | BPF_JSGE | BPF_X,
                         BPF_JMP32 | BPF_JSLT | BPF_K, BPF_JMP32 | BPF_JSLT | BPF_X, BPF_JMP32 | BPF_JSLE | BPF_K,
                         BPF_JMP32 | BPF_JSLE | BPF_X -> {
                        int b = (int) ((w & BPF_X) != 0 ? r[src] : imm[pc]);
                        if (jmp32(w & 0xf0, (int) r[dst], b)) { pc = off[pc]; continue; }
                    }
                    // ---- atomics ----
                    case ATOMIC_ADD32 -> mem.getAndAdd32(r[dst] + off[pc], (int) r[src]);
                    case ATOMIC_ADD64 -> mem.getAndAdd64(r[dst] + off[pc], r[src]);
                    case ATOMIC_CMPXCHG32 ->
                            r[0] = mem.compareAndExchange32(r[dst] + off[pc], (int) r[0], (int) r[src]) & M32;
                    case ATOMIC_CMPXCHG64 ->
                            r[0] = mem.compareAndExchange64(r[dst] + off[pc], r[0], r[src]);
                    // ---- calls ----
                    case BPF_JMP | BPF_CALL -> {
                        Helper h = p.helpers[pc];
                        long ctxArg = r[1];
                        ctx.curProg = p;
                        ctx.curDepth = depth;
                        ctx.callSite = pc;
                        r[0] = h.call(ctx.state, ctxArg, r[2], r[3], r[4], r[5]);
                        if (ctx.state.tailCallPending()) {
                            Executable t = ctx.state.takeTailCall();
                            if (t instanceof InterpExecutable ie && ie.engine == ctx.engine) {
                                p = ie.decoded;
                                ins = p.ins;
                                off = p.off;
                                imm = p.imm;
                                r[1] = ctxArg;
                                pc = 0;
                                continue;
                            }
                            if (t != null) {                          // another engine's program
                                r[0] = t.runAsTailCall(ctx.state, ctxArg);
                                if (depth == base) {
                                    return r[0];
                                }
                                depth--;
                                p = ctx.retProg[depth];
                                pc = popFrame(ctx, depth);
                                ins = p.ins;
                                off = p.off;
                                imm = p.imm;
                                continue;
                            }
                        }
                    }
                    case TAIL_CALL -> {                               // kernel/bpf/core.c JMP_TAIL_CALL
                        Executable t = ((TailCallHelper) p.helpers[pc]).tailCallTarget(r[2], r[3] & M32);
                        if (t == null || !ctx.state.tryTailCall(t)) {
                            r[0] = TailCallHelper.FALL_THROUGH;
                            break;
                        }
                        if (t instanceof InterpExecutable ie && ie.engine == ctx.engine) {
                            p = ie.decoded;
                            ins = p.ins;
                            off = p.off;
                            imm = p.imm;
                            pc = 0;
                            continue;
                        }
                        r[0] = t.runAsTailCall(ctx.state, r[1]);      // another engine's program
                        if (depth == base) {
                            return r[0];
                        }
                        depth--;
                        p = ctx.retProg[depth];
                        pc = popFrame(ctx, depth);
                        ins = p.ins;
                        off = p.off;
                        imm = p.imm;
                        continue;
                    }
                    case CALL_LOCAL -> {
                        if (depth + 1 >= Context.MAX_FRAMES) {
                            throw new ProgramFault(pc, "the call stack of " + (depth + 2) + " frames is too deep");
                        }
                        int s = depth * 5;
                        long[] sv = ctx.saved;
                        sv[s] = r[6];
                        sv[s + 1] = r[7];
                        sv[s + 2] = r[8];
                        sv[s + 3] = r[9];
                        sv[s + 4] = r[10];
                        ctx.retPc[depth] = pc + 1;
                        ctx.retProg[depth] = p;
                        depth++;
                        r[10] -= Context.STACK;
                        pc = off[pc];
                        continue;
                    }
                    case BPF_JMP | BPF_EXIT -> {
                        if (depth == base) {
                            return r[0];
                        }
                        depth--;
                        p = ctx.retProg[depth];
                        pc = popFrame(ctx, depth);
                        ins = p.ins;
                        off = p.off;
                        imm = p.imm;
                        continue;
                    }
                    default -> rare(ctx, w, dst, src, off[pc], imm[pc], pc);
                }
                pc++;
            }
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        } catch (ProgramFault f) {
            throw f;
        } catch (RuntimeException e) {
            throw new ProgramFault(pc, "run aborted: " + e, e);
        }
    }

    /** Restores r6-r10 of the frame returned to; returns the slot to continue at. */
    private static int popFrame(Context ctx, int depth) {
        long[] r = ctx.r;
        long[] sv = ctx.saved;
        int s = depth * 5;
        r[6] = sv[s];
        r[7] = sv[s + 1];
        r[8] = sv[s + 2];
        r[9] = sv[s + 3];
        r[10] = sv[s + 4];
        return ctx.retPc[depth];
    }

    /** The atomics other than add and cmpxchg, and LD_ABS/IND: out of line to keep exec small. */
    private static void rare(Context ctx, int w, int dst, int src, int off, long imm, int pc) {
        int op = w & 0xff;
        if (cls(op) == BPF_STX && mode(op) == BPF_ATOMIC) {
            atomic(ctx, op, dst, src, off, (int) imm, pc);
            return;
        }
        if (isLdAbsInd(op)) {
            throw new ProgramFault(pc, "BPF_LD_[ABS|IND] is not implemented by the interpreter yet");
        }
        throw new ProgramFault(pc, String.format("unexpected op %02x after verification", w & 0xff));
    }

    private static void atomic(Context ctx, int op, int dst, int src, int off, int imm, int pc) {
        long[] r = ctx.r;
        Arena mem = ctx.arena;
        long addr = r[dst] + off;
        boolean dw = size(op) == BPF_DW;
        long v = r[src];
        switch (imm) {
            case BPF_ADD | BPF_FETCH -> r[src] = dw ? mem.getAndAdd64(addr, v) : mem.getAndAdd32(addr, (int) v) & M32;
            case BPF_OR -> { if (dw) mem.getAndOr64(addr, v); else mem.getAndOr32(addr, (int) v); }
            case BPF_OR | BPF_FETCH -> r[src] = dw ? mem.getAndOr64(addr, v) : mem.getAndOr32(addr, (int) v) & M32;
            case BPF_AND -> { if (dw) mem.getAndAnd64(addr, v); else mem.getAndAnd32(addr, (int) v); }
            case BPF_AND | BPF_FETCH -> r[src] = dw ? mem.getAndAnd64(addr, v) : mem.getAndAnd32(addr, (int) v) & M32;
            case BPF_XOR -> { if (dw) mem.getAndXor64(addr, v); else mem.getAndXor32(addr, (int) v); }
            case BPF_XOR | BPF_FETCH -> r[src] = dw ? mem.getAndXor64(addr, v) : mem.getAndXor32(addr, (int) v) & M32;
            case BPF_XCHG -> r[src] = dw ? mem.getAndSet64(addr, v) : mem.getAndSet32(addr, (int) v) & M32;
            case BPF_LOAD_ACQ -> {                     // dst = load_acquire(src + off)
                long got = mem.load(r[src] + off, sizeBytes(op));
                VarHandle.acquireFence();
                r[dst] = got;
            }
            case BPF_STORE_REL -> {                    // store_release(dst + off, src)
                VarHandle.releaseFence();
                mem.store(addr, sizeBytes(op), v);
            }
            default -> throw new ProgramFault(pc, String.format("unexpected atomic op %02x", imm));
        }
    }

    private static boolean isLdAbsInd(int op) {
        return cls(op) == BPF_LD && (mode(op) == BPF_ABS || mode(op) == BPF_IND);
    }

    private static boolean jmp32(int op, int a, int b) {
        return switch (op) {
            case BPF_JEQ -> a == b;
            case BPF_JNE -> a != b;
            case BPF_JGT -> Integer.compareUnsigned(a, b) > 0;
            case BPF_JGE -> Integer.compareUnsigned(a, b) >= 0;
            case BPF_JLT -> Integer.compareUnsigned(a, b) < 0;
            case BPF_JLE -> Integer.compareUnsigned(a, b) <= 0;
            case BPF_JSET -> (a & b) != 0;
            case BPF_JSGT -> a > b;
            case BPF_JSGE -> a >= b;
            case BPF_JSLT -> a < b;
            case BPF_JSLE -> a <= b;
            default -> false;
        };
    }

}
