package org.ebpf4j.elf;

/** One {@code Elf64_Sym}, with its name resolved from the symbol string table. */
public record ElfSymbol(int index, String name, int bind, int type, int visibility, int shndx,
                        long value, long size) {

    public static final int STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
    public static final int STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
    public static final int SHN_UNDEF = 0, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2;

    /** An extern (a kconfig value, a ksym or a kfunc): undefined in this object. */
    public boolean isExtern() {
        return shndx == SHN_UNDEF && (bind == STB_GLOBAL || bind == STB_WEAK) && index != 0;
    }

    public boolean isWeak() { return bind == STB_WEAK; }
}
