package org.ebpf4j.vm.helper;

import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.RunState;

/**
 * {@code bpf_tail_call(ctx, prog_array, index)} in the form the engines run inline. In the kernel
 * the helper is never called: the verifier rewrites the call into {@code BPF_JMP | BPF_TAIL_CALL}
 * (kernel/bpf/verifier.c do_misc_fixups) and the JIT emits the slot read, the counter check and a
 * jump (arch/x86/net/bpf_jit_comp.c emit_bpf_tail_call_indirect). Likewise both engines recognise a
 * helper of this type and do the same in their own code: only the slot read
 * ({@link #tailCallTarget}) is left to the map layer, the count of {@link RunState#MAX_TAIL_CALL_CNT}
 * ({@link RunState#tryTailCall}) and the jump are the engine's.
 *
 * <p>{@link #call} is the generic form for a caller that does not inline: it requests the tail call
 * through {@link RunState#requestTailCall}, which counts the same way.
 */
public interface TailCallHelper extends Helper {
    /** r0 after a tail call that falls through. The kernel's verifier makes r0 unreadable there (RET_VOID). */
    long FALL_THROUGH = -2;    // -ENOENT, what our helpers always returned

    /**
     * The program in slot {@code index} of the PROG_ARRAY at {@code mapAddr}, or null when the
     * index is past max_entries, the slot is empty or {@code mapAddr} is no prog array. Called on
     * the program path: no allocation, no exception. {@code index} is already truncated to u32.
     */
    Executable tailCallTarget(long mapAddr, long index);

    /**
     * The PROG_ARRAY at {@code mapAddr} bound for repeated slot reads, or null if there is none
     * there (or this helper cannot say). A JIT calls this at compile time for a tail-call site
     * whose map is a constant, and still compares the map address at run time before using it.
     * The answer stays valid while the map lives (a loaded program holds its maps).
     */
    default TailCallSlots slots(long mapAddr) { return null; }

    @Override
    default long call(RunState state, long ctx, long mapAddr, long index, long r4, long r5) {
        Executable t = tailCallTarget(mapAddr, index & 0xffffffffL);
        if (t == null) {
            return FALL_THROUGH;
        }
        state.requestTailCall(t);
        return 0;
    }
}
