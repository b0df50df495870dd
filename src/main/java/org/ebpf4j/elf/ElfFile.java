package org.ebpf4j.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A bounds-checked view of one ELF64 little-endian EM_BPF relocatable object: section headers,
 * the symbol table and the REL sections, as libbpf's {@code bpf_object__elf_init()} and
 * {@code bpf_object__elf_collect()} find them (libbpf uses libelf; we read the bytes directly).
 *
 * <p>Every length and offset read from the file is checked against the file size before it is
 * used, so a corrupt object yields an {@link ElfFormatException} naming where, never an
 * out-of-bounds access or an allocation larger than the file.
 */
public final class ElfFile {
    static final int EM_BPF = 247;
    private static final int EHDR_SIZE = 64, SHDR_SIZE = 64, SYM_SIZE = 24, REL_SIZE = 16;

    private final String name;
    private final byte[] data;
    private final List<ElfSection> sections;
    private final List<ElfSymbol> symbols;
    private final Map<Integer, List<ElfRelocation>> relocations;
    private final Map<String, ElfSection> byName = new HashMap<>();

    private ElfFile(String name, byte[] data) {
        this.name = name;
        this.data = data;
        this.sections = readSections();
        for (ElfSection s : sections) {
            byName.putIfAbsent(s.name(), s);
        }
        this.symbols = readSymbols();
        this.relocations = readRelocations();
    }

    /** Parses the container; the bytes are not copied, callers must not modify them. */
    public static ElfFile parse(byte[] data, String name) {
        return new ElfFile(name, data);
    }

    public String name() { return name; }

    public List<ElfSection> sections() { return sections; }

    public List<ElfSymbol> symbols() { return symbols; }

    public ElfSection section(int index) {
        if (index <= 0 || index >= sections.size()) {
            throw error(null, -1, "section index " + index + " out of range (" + sections.size() + " sections)");
        }
        return sections.get(index);
    }

    /** The first section called {@code sectionName}, or null. */
    public ElfSection section(String sectionName) { return byName.get(sectionName); }

    public ElfSymbol symbol(int index, ElfSection usedBy, long offset) {
        if (index < 0 || index >= symbols.size()) {
            throw error(usedBy.name(), offset, "symbol index " + index + " out of range (" + symbols.size() + " symbols)");
        }
        return symbols.get(index);
    }

    /** The relocations that apply to section {@code targetIndex}, sorted by offset; empty if none. */
    public List<ElfRelocation> relocationsFor(int targetIndex) {
        return relocations.getOrDefault(targetIndex, List.of());
    }

    /** A copy of the section's bytes; zeroes for SHT_NOBITS. */
    public byte[] bytes(ElfSection s) {
        if (s.isNoBits()) {
            if (s.size() < 0 || s.size() > data.length * 64L + (1 << 20)) {
                // A NOBITS size is not backed by the file: bound it so a corrupt header cannot OOM us.
                throw error(s.name(), 0, "NOBITS size " + s.size() + " is implausible");
            }
            return new byte[(int) s.size()];
        }
        return Arrays.copyOfRange(data, (int) s.offset(), (int) (s.offset() + s.size()));
    }

    ElfFormatException error(String section, long offset, String reason) {
        return new ElfFormatException(name, section, offset, reason);
    }

    // ---- header and section table ----------------------------------------------------------

    private List<ElfSection> readSections() {
        if (data.length < EHDR_SIZE) {
            throw error(null, 0, "file of " + data.length + " bytes is too short for an ELF header");
        }
        if (data[0] != 0x7f || data[1] != 'E' || data[2] != 'L' || data[3] != 'F') {
            throw error(null, 0, "not an ELF file (bad magic)");
        }
        if (data[4] != 2) {
            throw error(null, 4, "not a 64-bit ELF (EI_CLASS " + data[4] + "); BPF objects are ELF64");
        }
        if (data[5] == 2) {
            throw error(null, 5, "big-endian BPF object (EI_DATA=ELFDATA2MSB); only little-endian (-target bpfel) objects are supported");
        }
        if (data[5] != 1) {
            throw error(null, 5, "unknown ELF data encoding " + data[5]);
        }
        int machine = u16(6 + 12);
        if (machine != EM_BPF) {
            throw error(null, 18, "e_machine " + machine + " is not EM_BPF (247)");
        }
        long shoff = u64(0x28);
        int shentsize = u16(0x3a);
        int shnum = u16(0x3c);
        int shstrndx = u16(0x3e);
        if (shnum == 0) {
            throw error(null, 0x3c, "no section headers");
        }
        if (shentsize != SHDR_SIZE) {
            throw error(null, 0x3a, "e_shentsize " + shentsize + " is not " + SHDR_SIZE);
        }
        checkRange(null, shoff, (long) shnum * SHDR_SIZE, "section header table");
        if (shstrndx >= shnum) {
            throw error(null, 0x3e, "e_shstrndx " + shstrndx + " out of range (" + shnum + " sections)");
        }
        long[][] raw = new long[shnum][];
        for (int i = 0; i < shnum; i++) {
            int p = (int) (shoff + (long) i * SHDR_SIZE);
            raw[i] = new long[] {u32(p), u32(p + 4), u64(p + 8), u64(p + 24), u64(p + 32), u32(p + 40),
                u32(p + 44), u64(p + 56)};
            if (raw[i][1] != ElfSection.SHT_NOBITS && raw[i][1] != ElfSection.SHT_NULL) {
                checkRange("#" + i, raw[i][3], raw[i][4], "contents of section #" + i);
            }
        }
        long[] strtab = raw[shstrndx];
        List<ElfSection> out = new ArrayList<>(shnum);
        for (int i = 0; i < shnum; i++) {
            long[] r = raw[i];
            String secName = i == 0 ? "" : string(strtab, r[0], "section name of #" + i);
            out.add(new ElfSection(i, secName, (int) r[1], r[2], r[3], r[4], (int) r[5], (int) r[6], r[7]));
        }
        return Collections.unmodifiableList(out);
    }

    // ---- symbols -------------------------------------------------------------------------------

    private List<ElfSymbol> readSymbols() {
        ElfSection symtab = null;
        for (ElfSection s : sections) {
            if (s.type() == ElfSection.SHT_SYMTAB) {
                if (symtab != null) {
                    throw error(s.name(), -1, "multiple SYMTAB sections");
                }
                symtab = s;
            }
        }
        if (symtab == null) {
            throw error(null, -1, "no symbol table (SHT_SYMTAB) section");
        }
        if (symtab.size() % SYM_SIZE != 0) {
            throw error(symtab.name(), 0, "size " + symtab.size() + " is not a multiple of " + SYM_SIZE);
        }
        if (symtab.link() <= 0 || symtab.link() >= sections.size()
                || sections.get(symtab.link()).type() != ElfSection.SHT_STRTAB) {
            throw error(symtab.name(), -1, "sh_link " + symtab.link() + " is not a string table");
        }
        ElfSection strs = sections.get(symtab.link());
        long[] strsRaw = {0, 0, 0, strs.offset(), strs.size()};
        int n = (int) (symtab.size() / SYM_SIZE);
        List<ElfSymbol> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int p = (int) (symtab.offset() + (long) i * SYM_SIZE);
            long nameOff = u32(p);
            int info = data[p + 4] & 0xff;
            int other = data[p + 5] & 0xff;
            int shndx = u16(p + 6);
            long value = u64(p + 8);
            long size = u64(p + 16);
            String symName = string(strsRaw, nameOff, "name of symbol #" + i);
            if (shndx != ElfSymbol.SHN_UNDEF && shndx < 0xff00 && shndx >= sections.size()) {
                throw error(symtab.name(), (long) i * SYM_SIZE, "symbol '" + symName + "' in section #" + shndx
                        + " which does not exist");
            }
            out.add(new ElfSymbol(i, symName, info >>> 4, info & 0xf, other & 0x3, shndx, value, size));
        }
        return Collections.unmodifiableList(out);
    }

    // ---- relocations ---------------------------------------------------------------------------

    private Map<Integer, List<ElfRelocation>> readRelocations() {
        Map<Integer, List<ElfRelocation>> out = new HashMap<>();
        for (ElfSection s : sections) {
            if (s.type() == ElfSection.SHT_RELA) {
                throw error(s.name(), -1, "RELA relocations are not used by BPF objects");
            }
            if (s.type() != ElfSection.SHT_REL) {
                continue;
            }
            if (s.size() % REL_SIZE != 0) {
                throw error(s.name(), 0, "size " + s.size() + " is not a multiple of " + REL_SIZE);
            }
            if (s.info() <= 0 || s.info() >= sections.size()) {
                throw error(s.name(), -1, "sh_info " + s.info() + " names no section");
            }
            int n = (int) (s.size() / REL_SIZE);
            List<ElfRelocation> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int p = (int) (s.offset() + (long) i * REL_SIZE);
                long rInfo = u64(p + 8);
                long symIdx = rInfo >>> 32;
                if (symIdx >= symbols.size()) {
                    throw error(s.name(), (long) i * REL_SIZE, "relocation #" + i + " names symbol " + symIdx
                            + " of " + symbols.size());
                }
                list.add(new ElfRelocation(u64(p), (int) (rInfo & 0xffffffffL), (int) symIdx));
            }
            list.sort((a, b) -> Long.compareUnsigned(a.offset(), b.offset()));
            if (out.putIfAbsent(s.info(), Collections.unmodifiableList(list)) != null) {
                throw error(s.name(), -1, "second REL section for section #" + s.info());
            }
        }
        return out;
    }

    // ---- primitive reads -----------------------------------------------------------------------

    private void checkRange(String section, long off, long len, String what) {
        if (off < 0 || len < 0 || off > data.length || len > data.length - off) {
            throw error(section, off, what + " [0x" + Long.toHexString(off) + ", +" + len
                    + ") lies outside the file of " + data.length + " bytes");
        }
    }

    private String string(long[] strtabRaw, long off, String what) {
        long base = strtabRaw[3], size = strtabRaw[4];
        checkRange(null, base, size, "string table of " + what);
        if (off < 0 || off >= size) {
            throw error(null, base + off, what + ": string offset " + off + " outside string table of " + size + " bytes");
        }
        int start = (int) (base + off);
        int end = start;
        int limit = (int) (base + size);
        while (end < limit && data[end] != 0) {
            end++;
        }
        if (end == limit) {
            throw error(null, start, what + ": string not NUL-terminated");
        }
        return new String(data, start, end - start, StandardCharsets.UTF_8);
    }

    int u16(int p) { return (data[p] & 0xff) | (data[p + 1] & 0xff) << 8; }

    long u32(int p) { return (u16(p) & 0xffffL) | (long) u16(p + 2) << 16; }

    long u64(int p) { return u32(p) | u32(p + 4) << 32; }
}
