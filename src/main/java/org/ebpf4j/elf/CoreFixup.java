package org.ebpf4j.elf;

/**
 * One CO-RE relocation as it was applied to a program, for {@code dump} and for tests.
 *
 * @param insnOff   instruction index in the linked program
 * @param kind      relocation kind name as libbpf prints it ({@code byte_off}, {@code field_exists}, …)
 * @param accessor  the local type and access string, e.g. {@code struct task_struct: 0:2}
 * @param oldValue  value the compiler emitted
 * @param newValue  value after relocation against the target BTF (meaningless if poisoned)
 * @param poisoned  true if the relocation could not be resolved and the instruction was replaced
 *                  by libbpf's poison call (fails only if executed)
 */
public record CoreFixup(int insnOff, String kind, String accessor, long oldValue, long newValue, boolean poisoned) {}
