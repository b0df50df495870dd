package org.ebpf4j.vm.helper;

import org.ebpf4j.vm.Executable;

/**
 * One PROG_ARRAY as {@code bpf_tail_call} reads it, bound once: what the kernel's JIT reaches
 * through the map pointer it embeds as an immediate (arch/x86/net/bpf_jit_comp.c
 * emit_bpf_tail_call_indirect loads {@code array->ptrs[index]} from the constant
 * {@code struct bpf_array *}). A JIT that knows at compile time which map a tail-call site uses
 * ({@link TailCallHelper#slots}) reads slots here instead of resolving the map address on every
 * call.
 */
public interface TailCallSlots {
    /**
     * The program in slot {@code index} (already truncated to u32), or null when the index is past
     * max_entries or the slot is empty. Program path: one volatile slot read, no allocation, no
     * exception; a slot update is seen by the next call.
     */
    Executable tailCallTarget(long index);
}
