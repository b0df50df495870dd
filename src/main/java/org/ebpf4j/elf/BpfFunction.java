package org.ebpf4j.elf;

/**
 * One function of an executable section, delimited by its STT_FUNC symbol as in libbpf's
 * {@code bpf_object__add_programs()}: entry programs outside .text, subprograms inside it.
 *
 * @param secInsnOff first instruction, relative to the section
 * @param insnCount  length in instructions
 */
record BpfFunction(String name, ElfSection section, int secInsnOff, int insnCount, boolean subprog) {
    boolean contains(int secInsn) { return secInsn >= secInsnOff && secInsn < secInsnOff + insnCount; }
}
