package org.ebpf4j.elf;

/**
 * What one relocated instruction of an executable section refers to, as libbpf's
 * {@code bpf_program__record_reloc()} classifies it. Indices into .text are in instructions.
 */
sealed interface SymbolTarget {
    /** RELO_CALL: a bpf-to-bpf call to the .text instruction {@code textInsn}. */
    record Call(int textInsn) implements SymbolTarget {}

    /** RELO_SUBPROG_ADDR: ld_imm64 of a .text function's address (callbacks). */
    record FuncAddr(int textInsn) implements SymbolTarget {}

    /** RELO_LD64, RELO_DATA and kconfig RELO_EXTERN_LD64. */
    record Map(String map, Relocation.MapRefKind kind, long offset) implements SymbolTarget {}

    /** RELO_EXTERN_CALL / ksym RELO_EXTERN_LD64. */
    record Ksym(String name, boolean call, boolean weak) implements SymbolTarget {}
}
