package org.ebpf4j.elf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.ebpf4j.uapi.MapType;

/**
 * The internal array maps libbpf creates for global data ({@code bpf_object__init_internal_map()}
 * in {@code tools/lib/bpf/libbpf.c}): one single-entry ARRAY per {@code .data}, {@code .data.*},
 * {@code .rodata}, {@code .rodata.*}, {@code .bss}, {@code .bss.*} section and for
 * {@code .kconfig}, whose only value is the section's bytes.
 */
public final class InternalMaps {
    /** map_flags bits of {@code include/uapi/linux/bpf.h}. */
    public static final int BPF_F_RDONLY_PROG = 1 << 7, BPF_F_MMAPABLE = 1 << 10;
    /** BPF_OBJ_NAME_LEN: names are at most 15 characters. */
    static final int BPF_OBJ_NAME_LEN = 16;

    private InternalMaps() {}

    /** The section's kind of internal map, or null if libbpf does not make one from it. */
    static MapSpec.Origin originOf(ElfSection s) {
        if ((s.flags() & ElfSection.SHF_ALLOC) == 0) {
            return null;
        }
        String n = s.name();
        if (s.type() == ElfSection.SHT_PROGBITS) {
            if (n.equals(".data") || n.startsWith(".data.")) {
                return MapSpec.Origin.DATA;
            }
            if (n.equals(".rodata") || n.startsWith(".rodata.")) {
                return MapSpec.Origin.RODATA;
            }
        } else if (s.type() == ElfSection.SHT_NOBITS && (n.equals(".bss") || n.startsWith(".bss."))) {
            return MapSpec.Origin.BSS;
        }
        return null;
    }

    /**
     * libbpf's {@code internal_map_name()}: a name of the form {@code <obj>.data} fitting in
     * BPF_OBJ_NAME_LEN-1 characters. Sections whose name has a second dot ({@code .data.custom})
     * get no object prefix; otherwise the object name is cut to leave room for a suffix of at least
     * 7 characters. Characters the kernel refuses become {@code _}.
     *
     * @param objName the object name: the file's base name up to its first '.'
     */
    public static String name(String objName, String sectionName) {
        int sfxLen = Math.max(7, sectionName.length());
        int pfxLen = sectionName.indexOf('.', 1) >= 0 ? 0
                : Math.max(0, Math.min(BPF_OBJ_NAME_LEN - sfxLen - 1, objName.length()));
        String full = objName.substring(0, pfxLen) + sectionName.substring(0, Math.min(sfxLen, sectionName.length()));
        if (full.length() > BPF_OBJ_NAME_LEN - 1) {
            full = full.substring(0, BPF_OBJ_NAME_LEN - 1);
        }
        StringBuilder sb = new StringBuilder(full.length());
        for (char c : full.toCharArray()) {
            sb.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' ? c : '_');
        }
        return sb.toString();
    }

    /** The variables (non-section symbols) defined in a data section, by offset. */
    static List<DataSection.Variable> variables(ElfFile elf, ElfSection s) {
        List<DataSection.Variable> vars = new ArrayList<>();
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.shndx() == s.index() && (sym.type() == ElfSymbol.STT_OBJECT || sym.type() == ElfSymbol.STT_NOTYPE)
                    && !sym.name().isEmpty()) {
                vars.add(new DataSection.Variable(sym.name(), sym.value(), sym.size(), sym.bind() != ElfSymbol.STB_LOCAL));
            }
        }
        vars.sort(Comparator.comparingLong(DataSection.Variable::offset));
        return vars;
    }

    /**
     * The map for one data section. It is mmapable when any of its variables is global (libbpf's
     * {@code map_is_mmapable()} asks BTF whether a var is non-static; the ELF symbol binding
     * says the same); .rodata is read-only for programs.
     */
    static MapSpec map(String mapName, MapSpec.Origin origin, ElfSection s, byte[] bytes,
                       List<DataSection.Variable> vars, int btfValueTypeId) {
        int flags = origin == MapSpec.Origin.RODATA ? BPF_F_RDONLY_PROG : 0;
        if (vars.stream().anyMatch(DataSection.Variable::global)) {
            flags |= BPF_F_MMAPABLE;
        }
        return new MapSpec(mapName, origin, s.name(), MapType.ARRAY, 4, bytes.length, 1, flags,
                MapSpec.Pinning.NONE, 0, 0, 0, btfValueTypeId, null, bytes, List.of());
    }
}
