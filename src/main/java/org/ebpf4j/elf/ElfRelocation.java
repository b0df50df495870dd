package org.ebpf4j.elf;

/**
 * One {@code Elf64_Rel} of a REL section (BPF objects use REL, never RELA).
 *
 * @param offset byte offset inside the section the relocations apply to
 * @param type   an {@code R_BPF_*} constant
 * @param symbol index into the symbol table
 */
public record ElfRelocation(long offset, int type, int symbol) {
    /** Types of {@code Documentation/bpf/llvm_reloc.rst}. */
    public static final int R_BPF_NONE = 0, R_BPF_64_64 = 1, R_BPF_64_ABS64 = 2, R_BPF_64_ABS32 = 3,
            R_BPF_64_NODYLD32 = 4, R_BPF_64_32 = 10;
}
