package org.ebpf4j.elf;

/**
 * A global data section backing an internal map ({@code .data}, {@code .rodata.*}, {@code .bss},
 * …) with the variables it holds.
 *
 * @param name      ELF section name
 * @param mapName   the internal map libbpf creates for it
 * @param origin    DATA, RODATA or BSS
 * @param size      size in bytes
 * @param variables the symbols defined in it, by offset
 */
public record DataSection(String name, String mapName, MapSpec.Origin origin, long size,
                          java.util.List<Variable> variables) {

    /** One global or static variable of a data section. */
    public record Variable(String name, long offset, long size, boolean global) {}

    public DataSection {
        variables = java.util.List.copyOf(variables);
    }
}
