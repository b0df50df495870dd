package org.ebpf4j.elf;

/**
 * One entry of the section header table ({@code Elf64_Shdr}), with its name resolved.
 *
 * @param index position in the section header table (the st_shndx symbols use)
 */
public record ElfSection(int index, String name, int type, long flags, long offset, long size,
                         int link, int info, long entsize) {

    public static final int SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3,
            SHT_RELA = 4, SHT_NOBITS = 8, SHT_REL = 9;
    public static final long SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4;

    public boolean isExecutable() { return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0; }

    public boolean isWritable() { return (flags & SHF_WRITE) != 0; }

    /** True for .bss-like sections that occupy no bytes in the file. */
    public boolean isNoBits() { return type == SHT_NOBITS; }
}
