package org.ebpf4j.vm;

import org.ebpf4j.memory.Arena;

/**
 * What a helper sees of the run that called it: the arena, the virtual CPU, the running program,
 * and two ways back into the engine: {@link #callback} (bpf_loop, bpf_for_each_map_elem ...) and
 * {@link #requestTailCall} (bpf_tail_call). One instance per in-flight run; engines reuse it from
 * run to run on the same thread, so helpers must not keep it after they return, and must call
 * {@link #callback} from the thread that called them.
 */
public final class RunState {
    /** kernel/bpf/core.c: MAX_TAIL_CALL_CNT, the tail calls one run may make. */
    public static final int MAX_TAIL_CALL_CNT = 33;

    /** The engine behind a run: runs subprograms for {@link #callback}. */
    public interface Host {
        long callback(RunState state, long funcPtr, long r1, long r2, long r3, long r4, long r5);
    }

    private final Arena arena;
    private final Host host;
    private final int cpu;
    private Executable executable;
    private int tailCalls;
    private Executable pendingTailCall;
    private long ctxKey;
    private Object ctxObject;

    public RunState(Arena arena, Host host, int cpu) {
        this.arena = arena;
        this.host = host;
        this.cpu = cpu;
    }

    public Arena arena() { return arena; }

    /** The virtual CPU this run is on (bpf_get_smp_processor_id, per-CPU maps). */
    public int cpu() { return cpu; }

    /** The program currently running (after a tail call, the target). */
    public Executable executable() { return executable; }

    /** Tail calls taken so far in this run. */
    public int tailCallCount() { return tailCalls; }

    /**
     * Runs the subprogram whose address a {@code BPF_PSEUDO_FUNC} ld_imm64 produced, as a new call
     * frame of the current run, and returns its r0.
     *
     * @throws ProgramFault if {@code funcPtr} is not a subprogram of the running program or the
     *                      frame limit is exceeded
     */
    public long callback(long funcPtr, long r1, long r2, long r3, long r4, long r5) {
        return host.callback(this, funcPtr, r1, r2, r3, r4, r5);
    }

    /**
     * bpf_tail_call: once the helper returns, the engine replaces the current program with
     * {@code target} (no return to the caller; r1 = the ctx argument of the helper call), unless
     * {@link #MAX_TAIL_CALL_CNT} tail calls were already taken, in which case the call falls
     * through to the next instruction as on Linux.
     */
    public void requestTailCall(Executable target) { pendingTailCall = target; }

    /**
     * The kernel object a helper found behind the context pointer {@code ctx} earlier in this
     * run ({@link #rememberCtxObject}), or null. On Linux the context pointer of an skb program
     * <em>is</em> the {@code struct sk_buff}; here a helper maps the arena address to its hook run
     * once per run instead of once per call (bpf_skb_load_bytes in a byte loop). Valid for this run
     * only: {@link #begin} forgets it, and a context lives at least as long as the runs on it.
     */
    public Object ctxObject(long ctx) { return ctxKey == ctx ? ctxObject : null; }

    /** Remembers {@code o} as the object behind {@code ctx} for the rest of this run. */
    public void rememberCtxObject(long ctx, Object o) {
        ctxKey = ctx;
        ctxObject = o;
    }

    // ---- engine side ----

    /** Called by the engine when a run starts on this state. */
    public void begin(Executable exe) {
        executable = exe;
        tailCalls = 0;
        pendingTailCall = null;
        ctxObject = null;
    }

    /**
     * Called by an engine when a run starts on this state as the continuation of {@code caller}'s
     * run after a tail call into another engine ({@link Executable#runAsTailCall}): the tail calls
     * taken so far carry over, so the budget is the chain's, not the engine's.
     */
    public void continueRun(Executable exe, RunState caller) {
        executable = exe;
        tailCalls = caller.tailCalls;
        pendingTailCall = null;
        ctxObject = null;
    }

    /**
     * Called by an engine when a run started by {@link #continueRun} ends: {@code caller} sees the
     * tail calls taken here. It matters when the caller was a subprogram frame: its own caller
     * goes on, and its further tail calls count against the same budget (one tail_call_cnt per
     * run, shared by bpf-to-bpf frames on Linux 6.18, arch/x86/net/bpf_jit_comp.c tail_call_cnt_ptr).
     */
    public void endContinuedRun(RunState caller) {
        caller.tailCalls = Math.max(caller.tailCalls, tailCalls);
    }

    /** Whether a helper asked for a tail call that the engine has not taken yet. */
    public boolean tailCallPending() { return pendingTailCall != null; }

    /**
     * Called by the engine after a helper returns: the requested tail call if one is pending and
     * the budget allows it (counting it), else null. Clears the request either way.
     */
    public Executable takeTailCall() {
        Executable t = pendingTailCall;
        if (t == null) {
            return null;
        }
        pendingTailCall = null;
        return tryTailCall(t) ? t : null;
    }

    /**
     * Counts a tail call into {@code target} (a populated slot) if the budget allows, making it
     * the running program; false when {@link #MAX_TAIL_CALL_CNT} were already taken. Only
     * populated slots count, as in the x86-64 JIT this kernel runs ("Inc tail_call_cnt if the
     * slot is populated", arch/x86/net/bpf_jit_comp.c emit_bpf_tail_call_indirect; checked on
     * Linux 6.18: 40 calls to an empty slot or past max_entries, then one to a populated slot,
     * still jump).
     */
    public boolean tryTailCall(Executable target) {
        if (tailCalls >= MAX_TAIL_CALL_CNT) {
            return false;
        }
        tailCalls++;
        executable = target;
        return true;
    }
}
