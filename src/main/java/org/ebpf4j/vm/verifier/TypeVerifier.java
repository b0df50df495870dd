package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.VerifierException;

/**
 * The kernel verifier's abstract interpretation (kernel/bpf/verifier.c do_check()), run after
 * {@link StructuralVerifier} at PROG_LOAD: every path is walked with typed registers and stack
 * slots, conditional jumps fork the state (refining bounds on each side), and a path stops when it
 * reaches a state an already finished path covered (is_state_visited()). As in Linux 6.18, the
 * comparison looks only at live registers ({@link Liveness}), stack slots read later
 * ({@link StackReads}) and precise scalars ({@link Precision}); states are checkpointed only at the
 * kernel's prune points, with its frequency heuristics, and evicted when they keep missing. A loop
 * whose state repeats exactly is "infinite loop detected"; more than 1M processed instructions is
 * "BPF program is too large".
 *
 * <p>Call {@link #verify(VerifiedProgram, ProgContext)}; it throws {@link VerifierException} with
 * the kernel's words and instruction index, or returns the verification statistics and log.
 * One instance per load; no state is shared between loads.
 */
public final class TypeVerifier {
    /** BPF_COMPLEXITY_LIMIT_INSNS. */
    public static final int COMPLEXITY_LIMIT_INSNS = 1_000_000;
    /** BPF_COMPLEXITY_LIMIT_JMP_SEQ. */
    static final int COMPLEXITY_LIMIT_JMP_SEQ = 8192;

    /** What a successful verification reports (print_verification_stats()). */
    /**
     * What a successful verification reports (print_verification_stats()), and which instructions
     * some path reached ({@code insn_aux_data.seen}): the loader sanitizes the others as
     * sanitize_dead_code() does.
     */
    public record Result(int processedInsns, int totalStates, int peakStates, int maxStatesPerInsn,
                         Map<Integer, Integer> stackDepths, String log, java.util.BitSet seen, int maxRdwrAccess,
                         int maxRdonlyAccess) {}

    private final VerifiedProgram prog;
    private final ProgContext pc;
    private final Slots s;
    private final long[] live;
    private final boolean[] prunePoint;
    private final boolean[] forceCheckpoint;
    private final Precision precision;
    private final MemAccess mem;
    private final HelperCalls helpers;
    /** Finished checkpoints per instruction (explored_states with branches == 0): these may prune. */
    private final List<VState>[] states;
    /** Unfinished checkpoints per instruction, by fingerprint: an exact repeat is an infinite loop. */
    private final Map<Integer, Map<Long, List<VState>>> open = new HashMap<>();
    /** How many unfinished checkpoints each instruction has. */
    private final int[] openCount;
    private final ArrayDeque<VState> pending = new ArrayDeque<>();
    private final java.util.BitSet seen = new java.util.BitSet();
    private final TypeLog log;
    private int processed;
    private int totalStates;
    private int peakStates;
    private int liveStates;
    private int maxPerInsn;
    private int jmpsProcessed;
    private int prevJmpsProcessed;
    private int prevInsnProcessed;

    @SuppressWarnings("unchecked")
    private TypeVerifier(VerifiedProgram prog, ProgContext pc) {
        this.prog = prog;
        this.pc = pc;
        this.s = new Slots(prog.image().insns());
        Cfg cfg = new Cfg(s, prog.subprogStarts());
        this.live = Liveness.compute(s, cfg);
        this.prunePoint = new boolean[s.len + 2];
        this.forceCheckpoint = new boolean[s.len + 2];
        PrunePoints.mark(s, prunePoint, forceCheckpoint);
        this.states = new List[s.len];
        this.openCount = new int[s.len];
        this.precision = new Precision(s);
        this.mem = new MemAccess(pc, precision);
        this.helpers = new HelperCalls(mem);
        this.log = new TypeLog(pc.logLevel(), prog.image().insns());
    }

    Precision precision() { return precision; }

    /**
     * Verifies a program the structural pass accepted.
     *
     * @throws VerifierException the first complaint, in the kernel's words; {@link VerifierException#log()}
     *                           holds the log up to it when {@link ProgContext#logLevel()} asked for one
     */
    public static Result verify(VerifiedProgram prog, ProgContext pc) {
        return new TypeVerifier(prog, pc).run();
    }

    private Result run() {
        VState st = new VState();
        Frame main = Frame.entry(0, 0, -1);
        main.instance = st.newFrameInstance();
        main.regs[1] = RegState.pointer(RegType.CTX);
        st.frames.add(main);
        st.insn = 0;
        try {
            explore(st);
            StackCheck.combined(prog.subprogStarts(), s, st.depths);
        } catch (VerifierException e) {
            String text = log.text() + e.reason() + "\n" + TypeLog.stats(processed, maxPerInsn, totalStates, peakStates);
            throw new VerifierException(e.insnIndex(), e.errno(), e.reason(), text);
        }
        String text = log.text() + TypeLog.stats(processed, maxPerInsn, totalStates, peakStates);
        return new Result(processed, totalStates, peakStates, maxPerInsn, Map.copyOf(st.depths), text, seen, mem.maxRdwrAccess(),
                mem.maxRdonlyAccess());
    }

    private void explore(VState first) {
        VState cur = first;
        while (cur != null) {
            boolean alive = true;
            while (alive) {
                alive = step(cur);
            }
            endPath(cur);
            cur = pending.pollLast();
            log.pathDone(cur == null ? 0 : cur.logPos);
            if (cur != null) {
                log.branch(cur);
            }
        }
    }

    /** update_branch_counts(): a finished path releases its checkpoints up to the first one still in use. */
    private void endPath(VState st) {
        VState p = st.parent;
        while (p != null) {
            p.branches--;
            if (p.branches > 0) {
                break;
            }
            finished(p);
            p = p.parent;
        }
    }

    /** A checkpoint whose every path is explored may now prune others. */
    private void finished(VState ck) {
        open.get(ck.insn).get(ck.fingerprint).remove(ck);
        openCount[ck.insn]--;
        List<VState> list = states[ck.insn];
        if (list == null) {
            list = new ArrayList<>();
            states[ck.insn] = list;
        }
        list.add(ck);
        ck.hist = new long[0];   // walks (precision, stack reads) only go up from live states
        ck.histLen = 0;
    }

    private void fork(VState cur, VState other) {
        if (cur.parent != null) {
            cur.parent.branches++;
        }
        other.logPos = log.position();
        pending.addLast(other);
        if (pending.size() > COMPLEXITY_LIMIT_JMP_SEQ) {
            throw new VerifierException(cur.insn, Errno.E2BIG, "The sequence of " + pending.size() + " jumps is too complex.");
        }
    }

    /** Executes the instruction at cur.insn; false when the path ends. */
    private boolean step(VState cur) {
        int i = cur.insn;
        if (++processed > COMPLEXITY_LIMIT_INSNS) {
            throw new VerifierException(i, Errno.E2BIG, "BPF program is too large. Processed " + processed + " insn");
        }
        if (prunePoint[i] && isStateVisited(cur, i)) {
            log.pruned(i);
            return false;
        }
        log.insn(i, s, cur);
        seen.set(i);
        cur.record(History.of(i, cur.frames.size() - 1));
        cur.executing = true;
        try {
            return execute(cur, i);
        } finally {
            cur.executing = false;
        }
    }

    private boolean execute(VState cur, int i) {
        int c = s.code[i];
        if (s.isJump(i) || cls(c) == BPF_JMP || cls(c) == BPF_JMP32) {
            jmpsProcessed++;
            cur.histJumps++;
        }
        switch (cls(c)) {
            case BPF_ALU, BPF_ALU64 -> {
                markAluOperands(cur, c, s.dst[i], s.src[i]);
                AluCheck.apply(cur, i, c, s.dst[i], s.src[i], s.off[i], s.imm[i]);
                cur.insn = i + 1;
            }
            case BPF_LDX -> {
                int size = bytes(c);
                RegState v = mem.access(cur, i, s.src[i], s.off[i], size, false, null, -1);
                if (mode(c) == BPF_MEMSX && v.type == RegType.SCALAR) {
                    v = signExtended(v, size);
                }
                cur.cur().regs[s.dst[i]] = v;
                cur.insn = i + 1;
            }
            case BPF_ST -> {
                RegState v = RegState.known(s.imm[i]);
                mem.access(cur, i, s.dst[i], s.off[i], bytes(c), true, v, -1);
                cur.insn = i + 1;
            }
            case BPF_STX -> {
                stx(cur, i, c);
                cur.insn = i + 1;
            }
            case BPF_LD -> {
                ld(cur, i, c);
            }
            default -> {
                return jmp(cur, i, c);
            }
        }
        return true;
    }

    /**
     * adjust_reg_min_max_vals(): a scalar added to a pointer decides where the pointer points, so it
     * becomes precise; a scalar combined into a precise one makes that one's value, likewise.
     */
    private void markAluOperands(VState cur, int c, int dst, int src) {
        int op = op(c);
        if (source(c) != BPF_X || op == BPF_MOV || op == BPF_NEG || op == BPF_END) {
            return;
        }
        RegState d = cur.reg(dst), sr = cur.reg(src);
        if (d.type.isPointer() && sr.type == RegType.SCALAR) {
            precision.mark(cur, src);
        } else if (d.type == RegType.SCALAR && sr.type.isPointer()) {
            precision.mark(cur, dst);
        } else if (d.type == RegType.SCALAR && sr.type == RegType.SCALAR && d.precise) {
            precision.mark(cur, src);
        }
    }

    private static RegState signExtended(RegState v, int size) {
        if (v.isConst()) {
            long x = v.var.value();
            return RegState.known(size == 1 ? (byte) x : size == 2 ? (short) x : (int) x);
        }
        RegState r = RegState.unknown();
        long half = 1L << (size * 8 - 1);
        r.smin = -half;
        r.smax = half - 1;
        r.sync();
        return r;
    }

    private static int bytes(int code) {
        return switch (size(code)) {
            case BPF_B -> 1;
            case BPF_H -> 2;
            case BPF_W -> 4;
            default -> 8;
        };
    }

    private void stx(VState cur, int i, int c) {
        int size = bytes(c);
        int dst = s.dst[i], src = s.src[i];
        RegState val = cur.reg(src);
        if (mode(c) != BPF_ATOMIC) {
            mem.access(cur, i, dst, s.off[i], size, true, val.copy(), src);
            return;
        }
        int imm = s.imm[i];
        if (imm == BPF_LOAD_ACQ) {
            cur.cur().regs[dst] = mem.access(cur, i, src, s.off[i], size, false, null, -1);
            return;
        }
        if (imm == BPF_STORE_REL) {
            mem.access(cur, i, dst, s.off[i], size, true, val.copy(), src);
            return;
        }
        RegState target = cur.reg(dst);
        switch (target.type) {
            case CTX, PACKET, PACKET_META, FLOW_KEYS, SOCKET, SOCK_COMMON, TCP_SOCK, BTF_ID ->
                throw MemAccess.eacces(i, "BPF_ATOMIC stores into R" + dst + " " + target.type.kernelName + " is not allowed");
            default -> { }
        }
        if (val.type.isPointer() && imm != BPF_XCHG && imm != BPF_CMPXCHG) {
            throw MemAccess.eacces(i, "R" + src + " leaks addr into mem");
        }
        RegState old = mem.access(cur, i, dst, s.off[i], size, false, null, -1);
        mem.access(cur, i, dst, s.off[i], size, true, RegState.unknown(), -1);
        if (imm == BPF_CMPXCHG) {
            cur.cur().regs[0] = old == null ? RegState.unknown() : old;
        } else if ((imm & BPF_FETCH) != 0) {
            cur.cur().regs[src] = old == null ? RegState.unknown() : old;
        }
    }

    private void ld(VState cur, int i, int c) {
        int dst = s.dst[i];
        if (c == LD_IMM64) {
            RegState r;
            if (s.isPseudoFunc(i)) {
                r = RegState.pointer(RegType.FUNC);
                r.subprog = i + s.imm[i] + 1;
            } else if (pc.mapAt().containsKey(i)) {
                MapDesc m = pc.mapAt().get(i);
                Integer vo = pc.valueOffAt().get(i);
                r = RegState.pointer(vo == null ? RegType.MAP_PTR : RegType.MAP_VALUE);
                r.map = m;
                r.off = vo == null ? 0 : vo;
            } else if (s.src[i] == BPF_PSEUDO_BTF_ID) {
                r = RegState.pointer(RegType.BTF_ID);
            } else {
                long v = Integer.toUnsignedLong(s.imm[i]) | ((long) s.imm[i + 1] << 32);
                r = RegState.known(v);
            }
            cur.cur().regs[dst] = r;
            cur.insn = i + 2;
            return;
        }
        // LD_ABS / LD_IND: r6 must be the skb context; a hidden call clobbers r1-r5
        if (cur.reg(6).type != RegType.CTX) {
            throw new VerifierException(i, "at the time of BPF_LD_ABS|IND R6 != pointer to skb");
        }
        for (int r = 1; r <= 5; r++) {
            cur.cur().regs[r] = RegState.notInit();
        }
        cur.cur().regs[0] = MemAccess.loaded(bytes(c));
        cur.insn = i + 1;
    }

    private boolean jmp(VState cur, int i, int c) {
        int op = op(c);
        switch (op) {
            case BPF_JA -> {
                cur.insn = s.jumpTarget(i);
                return true;
            }
            case BPF_EXIT -> { return exit(cur, i); }
            case BPF_CALL -> { return call(cur, i); }
            case BPF_JCOND -> {             // may_goto: either way
                VState other = cur.copy();
                other.insn = s.jumpTarget(i);
                fork(cur, other);
                cur.insn = i + 1;
                return true;
            }
            default -> {
                return Conditional.jump(this, cur, i, c, s);
            }
        }
    }

    void pushBranch(VState cur, VState other) { fork(cur, other); }

    private boolean call(VState cur, int i) {
        if (s.isPseudoCall(i)) {
            int target = i + s.imm[i] + 1;
            Frame caller = cur.cur();
            Frame callee = Frame.entry(cur.frames.size(), target, i);
            callee.instance = cur.newFrameInstance();
            for (int r = 1; r <= 5; r++) {
                callee.regs[r] = caller.regs[r].copy();
            }
            cur.frames.add(callee);
            cur.insn = target;
            return true;
        }
        if (s.isHelperCall(i)) {
            if (s.imm[i] <= 0 || s.imm[i] >= HelperSignatures.FUNC_MAX_ID) {
                // e.g. libbpf's CO-RE poison (0xbad2310): fatal only where a path reaches it
                throw new VerifierException(i, "invalid func unknown#" + s.imm[i]);
            }
            String refusal = pc.helpers().refusal(s.imm[i]);
            if (refusal != null) {
                throw new VerifierException(i, refusal);
            }
            List<VState> callbacks = helpers.call(cur, i, s.imm[i]);
            cur.insn = i + 1;
            // as push_callback_call() in Linux 6.18: queue the callback's entry and go on with the
            // instruction after the call in the caller's frame (walking the callback first, as
            // kernels before 6.8 did, put checkpoints elsewhere and pruned less: sieve_loop.bpf.o)
            for (VState cb : callbacks) {
                fork(cur, cb);
            }
            return true;
        }
        if (s.src[i] == BPF_PSEUDO_KFUNC_CALL && prog.kfuncAt()[i] != null) {
            KfuncCalls.call(cur, i, prog.kfuncAt()[i], pc.kernelBtf());
            cur.insn = i + 1;
            return true;
        }
        throw new VerifierException(i, "calling this kind of function is not supported");
    }

    private boolean exit(VState cur, int i) {
        Frame f = cur.cur();
        RegState r0 = f.regs[0];
        // check_return_code: an LSM program on a void hook exits without R0 being read
        boolean ignoredReturn = !f.callback && cur.frames.size() == 1 && pc.ctx().voidReturn();
        if (r0.type == RegType.NOT_INIT && !ignoredReturn) {
            throw MemAccess.eacces(i, "R0 !read_ok");
        }
        if (f.callback) {
            precision.mark(cur, 0);
            ReturnRanges.check(i, r0, new ReturnRanges.Range(0, 1), "At callback return");
            return false;
        }
        if (cur.frames.size() > 1) {
            cur.frames.remove(cur.frames.size() - 1);
            Frame caller = cur.cur();
            caller.regs[0] = r0.copy();
            for (int r = 1; r <= 5; r++) {
                caller.regs[r] = RegState.notInit();
            }
            cur.insn = f.callsite + 1;
            return true;
        }
        if (!cur.refs.isEmpty()) {
            StringBuilder b = new StringBuilder();
            for (VState.Ref ref : cur.refs) {
                b.append("Unreleased reference id=").append(ref.id()).append(" alloc_insn=").append(ref.insn()).append('\n');
            }
            b.append("BPF_EXIT instruction in main prog would lead to reference leak");
            throw new VerifierException(i, b.toString());
        }
        if (ignoredReturn) {
            return false;
        }
        ReturnRanges.Range range = ReturnRanges.of(pc.progType(), pc.attachType());
        if (range != null) {
            precision.mark(cur, 0);     // check_return_code()
        }
        ReturnRanges.check(i, r0, range, "At program exit");
        return false;
    }

    /**
     * is_state_visited(): prune against a finished checkpoint that covers {@code cur} (taking over
     * its precision and stack-read marks, propagate_precision() / propagate_liveness()), detect an
     * exact repeat of an unfinished one (an infinite loop), then maybe add a checkpoint: as in the
     * kernel, after at least 2 jumps and 8 instructions since the last one, while looping (an
     * unfinished checkpoint here) only after 20 jumps or 100 instructions, always where the kernel
     * forces one. A finished checkpoint that keeps missing (more than 3 + 3 x hits) is evicted;
     * unlike the kernel, unfinished ones are kept (for the infinite-loop check) and count no misses
     * (evicting them as the kernel does made sieve_loop.bpf.o walk 60% more instructions here). A new
     * checkpoint takes over cur's precise marks; cur forgets them (the kernel's
     * mark_all_scalars_imprecise()), so they are recomputed only where needed.
     */
    private boolean isStateVisited(VState cur, int i) {
        boolean force = forceCheckpoint[i] || cur.histJumps > 40;
        boolean add = force || jmpsProcessed - prevJmpsProcessed >= 2 && processed - prevInsnProcessed >= 8;
        long fp = 0;
        if (openCount[i] > 0) {
            fp = cur.fingerprint();
            for (VState old : open.get(i).getOrDefault(fp, List.of())) {
                if (old.same(cur)) {
                    throw new VerifierException(i, "infinite loop detected at insn " + i);
                }
            }
            if (!force && jmpsProcessed - prevJmpsProcessed < 20 && processed - prevInsnProcessed < 100) {
                add = false;
            }
        }
        List<VState> list = states[i];
        if (list != null) {
            for (int k = 0; k < list.size(); k++) {
                VState old = list.get(k);
                if (old.covers(cur, live)) {
                    old.hits++;
                    precision.propagate(old, cur, live);
                    StackReads.propagate(old, cur);
                    return true;
                }
                if (add) {
                    old.misses++;
                }
                if (old.misses > old.hits * 3 + 3) {
                    list.remove(k--);         // unlikely to help: evict
                    liveStates--;
                }
            }
        }
        if (!add) {
            return false;
        }
        VState ck = cur.copy();
        ck.branches = 1;
        ck.parent = cur.parent;
        ck.insn = i;
        ck.fingerprint = openCount[i] > 0 ? fp : cur.fingerprint();
        ck.histJumps = 0;
        cur.parent = ck;
        cur.hist = new long[16];
        cur.histLen = 0;
        cur.histJumps = 0;
        cur.written = new long[cur.written.length];
        cur.forEachReg(r -> r.precise = false);
        open.computeIfAbsent(i, k -> new HashMap<>()).computeIfAbsent(ck.fingerprint, k -> new ArrayList<>()).add(ck);
        openCount[i]++;
        totalStates++;
        liveStates++;
        peakStates = Math.max(peakStates, liveStates);
        maxPerInsn = Math.max(maxPerInsn, openCount[i] + (list == null ? 0 : list.size()));
        prevInsnProcessed = processed;
        prevJmpsProcessed = jmpsProcessed;
        return false;
    }
}
