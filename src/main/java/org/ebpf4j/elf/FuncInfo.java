package org.ebpf4j.elf;

/**
 * One {@code bpf_func_info} of a linked program: the function starting at {@code insnOff}
 * (in instructions, relative to the program start) has BTF FUNC type {@code typeId}.
 */
public record FuncInfo(int insnOff, int typeId) {}
