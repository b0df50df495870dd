package org.ebpf4j.elf;

/**
 * A fix-up a program still needs when it is loaded into a runtime: what an instruction refers to
 * by name, which only a live object can turn into a number (a map fd, a BTF id). Subprogram calls
 * and callback addresses are already resolved in {@link ProgramSpec#insns()} and CO-RE results
 * already applied; they are not relocations any more.
 *
 * <p>Mirrors libbpf's {@code enum reloc_type} after {@code bpf_object__relocate_calls()}.
 */
public sealed interface Relocation {

    /** Index of the (first slot of the) instruction in the linked program. */
    int insn();

    /** How an ld_imm64 refers to a map (the src_reg libbpf sets). */
    enum MapRefKind {
        /** BPF_PSEUDO_MAP_FD: the map itself; imm becomes the map fd. */
        MAP_FD,
        /** BPF_PSEUDO_MAP_VALUE: a pointer into value 0 of an array map (global data); imm becomes the fd, the second slot's imm keeps {@code offset}. */
        MAP_VALUE
    }

    /** An ld_imm64 of a map (RELO_LD64) or of a global variable (RELO_DATA / kconfig RELO_EXTERN_LD64). */
    record MapRef(int insn, String map, MapRefKind kind, long offset) implements Relocation {}

    /**
     * A kernel symbol resolved by BTF id at load: a kfunc call (RELO_EXTERN_CALL, src_reg
     * BPF_PSEUDO_KFUNC_CALL) or a {@code __ksym} variable (ld_imm64 BPF_PSEUDO_BTF_ID).
     */
    record KsymRef(int insn, String name, boolean call, boolean weak) implements Relocation {}
}
