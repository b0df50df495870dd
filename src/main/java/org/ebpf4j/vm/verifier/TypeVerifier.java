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
 * reaches a state an already finished path covered (is_state_visited(), with
 * {@link Liveness} standing in for the kernel's liveness marks). A loop whose state repeats exactly
 * is "infinite loop detected"; more than 1M processed instructions is "BPF program is too large".
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
    public record Result(int processedInsns, int totalStates, int peakStates, int maxStatesPerInsn,
                         Map<Integer, Integer> stackDepths, String log) {}

    private final VerifiedProgram prog;
    private final ProgContext pc;
    private final Slots s;
    private final long[] live;
    private final long[] relevant;
    private final boolean[] prunePoint;
    private final MemAccess mem;
    private final HelperCalls helpers;
    /** Finished checkpoints per instruction: these may prune. */
    private final Map<Integer, List<VState>> visited = new HashMap<>();
    /** Unfinished checkpoints per instruction, by fingerprint: an exact repeat is an infinite loop. */
    private final Map<Integer, Map<Long, List<VState>>> inProgress = new HashMap<>();
    private final ArrayDeque<VState> pending = new ArrayDeque<>();
    private final TypeLog log;
    private int processed;
    private int totalStates;
    private int maxPerInsn;
    private int sinceCkInsns;
    private int sinceCkJmps;

    private TypeVerifier(VerifiedProgram prog, ProgContext pc) {
        this.prog = prog;
        this.pc = pc;
        this.s = new Slots(prog.image().insns());
        Cfg cfg = new Cfg(s, prog.subprogStarts());
        this.live = Liveness.compute(s, cfg);
        this.relevant = Liveness.precise(s, cfg, prog.subprogStarts(), ReturnRanges.of(pc.progType(), pc.attachType()) != null);
        this.prunePoint = new boolean[s.len];
        for (int i = 0; i < s.len; i++) {
            if (s.second[i]) {
                continue;
            }
            int[] succ = cfg.successors(i);
            if (s.isJump(i)) {
                for (int t : succ) {
                    if (t < s.len) {
                        prunePoint[t] = true;
                    }
                }
            }
        }
        this.mem = new MemAccess(pc);
        this.helpers = new HelperCalls(mem);
        this.log = new TypeLog(pc.logLevel(), prog.image().insns());
    }

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
        main.regs[1] = RegState.pointer(RegType.CTX);
        st.frames.add(main);
        st.insn = 0;
        try {
            explore(st);
            StackCheck.combined(prog.subprogStarts(), s, st.depths);
        } catch (VerifierException e) {
            String text = log.text() + e.reason() + "\n" + TypeLog.stats(processed, maxPerInsn, totalStates);
            throw new VerifierException(e.insnIndex(), e.errno(), e.reason(), text);
        }
        String text = log.text() + TypeLog.stats(processed, maxPerInsn, totalStates);
        return new Result(processed, totalStates, totalStates, maxPerInsn, Map.copyOf(st.depths), text);
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
        List<VState> same = inProgress.get(ck.insn).get(ck.fingerprint);
        same.remove(ck);
        visited.computeIfAbsent(ck.insn, k -> new ArrayList<>()).add(ck);
    }

    private void fork(VState cur, VState other) {
        if (cur.parent != null) {
            cur.parent.branches++;
        }
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
        sinceCkInsns++;
        if (prunePoint[i] && isStateVisited(cur, i)) {
            log.pruned(i);
            return false;
        }
        log.insn(i, s, cur);
        int c = s.code[i];
        switch (cls(c)) {
            case BPF_ALU, BPF_ALU64 -> {
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
                sinceCkJmps++;
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
                sinceCkJmps++;
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
            for (VState cb : helpers.call(cur, i, s.imm[i])) {
                fork(cur, cb);
            }
            cur.insn = i + 1;
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
        if (r0.type == RegType.NOT_INIT) {
            throw MemAccess.eacces(i, "R0 !read_ok");
        }
        if (f.callback) {
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
        ReturnRanges.check(i, r0, ReturnRanges.of(pc.progType(), pc.attachType()), "At program exit");
        return false;
    }

    /**
     * is_state_visited(): prune against a covering finished state, detect exact loops, add a
     * checkpoint. As in the kernel, while a loop is being walked (an unfinished state of this
     * instruction exists) checkpoints are added only every 20 jumps and 100 instructions. Unlike
     * the kernel, finished states are never evicted (with this heuristic eviction lost the states
     * a bounded loop's later branches needed; see the sieve_loop bench program).
     */
    private boolean isStateVisited(VState cur, int i) {
        Map<Long, List<VState>> open = inProgress.computeIfAbsent(i, k -> new HashMap<>());
        long fp = cur.fingerprint();
        for (VState old : open.getOrDefault(fp, List.of())) {
            if (old.same(cur)) {
                throw new VerifierException(i, "infinite loop detected at insn " + i);
            }
        }
        List<VState> done = visited.getOrDefault(i, List.of());
        for (VState old : done) {
            if (old.covers(cur, live[i], relevant[i])) {
                old.hits++;
                return true;
            }
            old.misses++;
        }
        boolean looping = !open.isEmpty() && open.values().stream().anyMatch(l -> !l.isEmpty());
        boolean first = done.isEmpty() && !looping;
        boolean add = looping ? sinceCkJmps >= 20 && sinceCkInsns >= 100 : sinceCkJmps >= 2 && sinceCkInsns >= 8;
        if (!add && !first) {
            return false;
        }
        VState ck = cur.copy();
        ck.branches = 1;
        ck.parent = cur.parent;
        ck.insn = i;
        ck.fingerprint = fp;
        cur.parent = ck;
        open.computeIfAbsent(fp, k -> new ArrayList<>()).add(ck);
        totalStates++;
        maxPerInsn = Math.max(maxPerInsn, done.size() + 1);
        sinceCkInsns = 0;
        sinceCkJmps = 0;
        return false;
    }
}
