package org.ebpf4j.btf;

import org.ebpf4j.uapi.Errno;

/**
 * The outcome of one CO-RE relocation ({@code struct bpf_core_relo_res} of libbpf's
 * {@code relo_core.h}, plus the hard failures {@code bpf_core_calc_relo_insn} returns).
 */
public sealed interface CoreResult {

    /**
     * The instruction's immediate/offset becomes {@code newValue}. {@code origValue} is what the
     * local BTF says the compiler put there; {@code validate} says whether libbpf checks the
     * instruction really holds it. For field offsets, {@code origSize}/{@code newSize} are the
     * field's byte sizes (loads/stores are resized when they differ) and
     * {@code failMemSizeAdjust} says a resize would change the value read (a signed int or a
     * non-pointer changed size): libbpf then poisons LDX/ST/STX instructions only.
     */
    record Value(long newValue, long origValue, boolean validate, long origSize, long newSize,
                 boolean failMemSizeAdjust) implements CoreResult {}

    /**
     * The relocation cannot be satisfied on this target (e.g. a field that does not exist):
     * libbpf replaces the instruction by a call to the invalid helper {@link #POISON_HELPER_ID},
     * so the program fails to verify only if that instruction is reachable.
     */
    record Poison(String reason) implements CoreResult {}

    /** The relocation is malformed or ambiguous: libbpf fails the whole object load with this errno. */
    record Failed(Errno errno, String reason) implements CoreResult {}

    /** Helper id libbpf writes into a poisoned instruction (bpf_core_poison_insn: 0xbad2310). */
    int POISON_HELPER_ID = 0xbad2310;
}
