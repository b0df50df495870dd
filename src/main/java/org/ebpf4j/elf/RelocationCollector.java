package org.ebpf4j.elf;

import static org.ebpf4j.elf.ElfRelocation.R_BPF_64_32;
import static org.ebpf4j.elf.ElfRelocation.R_BPF_64_64;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.isa.Insn;

/**
 * Classifies every relocation of an executable section, as libbpf's
 * {@code bpf_object__collect_prog_relos()} and {@code bpf_program__record_reloc()} do: a call to a
 * .text function, the address of a .text function, a map in {@code .maps}/{@code maps}, a global
 * variable in a data section, or an extern. Anything else is an error naming the section and the
 * instruction, as libbpf refuses it.
 */
final class RelocationCollector {
    /** Where each map definition symbol lives: section index → (offset in section → map name). */
    private final Map<Integer, Map<Long, String>> mapDefs;
    /** Data section index → internal map name. */
    private final Map<Integer, String> dataMaps;
    /** Extern name → what it resolves to (kconfig value slot or ksym). */
    private final Map<String, SymbolTarget> externs;
    private final ElfFile elf;
    private final int textIndex;

    RelocationCollector(ElfFile elf, int textIndex, Map<Integer, Map<Long, String>> mapDefs,
                        Map<Integer, String> dataMaps, Map<String, SymbolTarget> externs) {
        this.elf = elf;
        this.textIndex = textIndex;
        this.mapDefs = mapDefs;
        this.dataMaps = dataMaps;
        this.externs = externs;
    }

    /** Section instruction index → target, for one executable section. */
    Map<Integer, SymbolTarget> collect(ElfSection sec, Insn[] insns) {
        Map<Integer, SymbolTarget> out = new HashMap<>();
        List<ElfRelocation> relos = elf.relocationsFor(sec.index());
        for (int r = 0; r < relos.size(); r++) {
            ElfRelocation rel = relos.get(r);
            long off = rel.offset();
            if (off % 8 != 0 || off < 0 || off / 8 >= insns.length) {
                throw elf.error(sec.name(), off, "relocation #" + r + " at bad instruction offset");
            }
            int idx = (int) (off / 8);
            Insn insn = insns[idx];
            ElfSymbol sym = elf.symbol(rel.symbol(), sec, off);
            if (rel.type() != R_BPF_64_64 && rel.type() != R_BPF_64_32) {
                throw elf.error(sec.name(), off, "insn " + idx + ": unsupported relocation type " + rel.type()
                        + " against '" + sym.name() + "'");
            }
            out.put(idx, classify(sec, idx, insn, insns, sym));
        }
        return out;
    }

    private SymbolTarget classify(ElfSection sec, int idx, Insn insn, Insn[] insns, ElfSymbol sym) {
        String where = "insn " + idx + " relocation against '" + sym.name() + "'";
        long off = (long) idx * 8;
        if (insn.isCall() && insn.src() == org.ebpf4j.isa.Opcodes.BPF_PSEUDO_CALL || insn.isKfuncCall()) {
            if (sym.isExtern()) {
                return new SymbolTarget.Ksym(sym.name(), true, sym.isWeak());
            }
            if (sym.shndx() != textIndex || textIndex < 0) {
                throw elf.error(sec.name(), off, where + ": call to a function outside .text");
            }
            if (sym.value() % 8 != 0) {
                throw elf.error(sec.name(), off, where + ": call target not instruction-aligned");
            }
            return new SymbolTarget.Call(checkedIndex(sec, off, where, sym.value() / 8 + insn.imm() + 1));
        }
        if (!insn.isLdImm64()) {
            throw elf.error(sec.name(), off, where + ": ldimm64 expected, found opcode 0x" + Integer.toHexString(insn.opcode()));
        }
        if (idx + 1 >= insns.length) {
            throw elf.error(sec.name(), off, where + ": ld_imm64 in the last slot of the section");
        }
        if (sym.isExtern()) {
            SymbolTarget t = externs.get(sym.name());
            if (t == null) {
                throw elf.error(sec.name(), off, where + ": extern is neither a __kconfig nor a __ksym variable");
            }
            return t;
        }
        int shndx = sym.shndx();
        if (shndx == textIndex && textIndex >= 0) {
            long byteOff = sym.value() + insn.imm();
            if (sym.value() % 8 != 0 || insn.imm() % 8 != 0) {
                throw elf.error(sec.name(), off, where + ": function address not instruction-aligned");
            }
            return new SymbolTarget.FuncAddr(checkedIndex(sec, off, where, byteOff / 8));
        }
        Map<Long, String> defs = mapDefs.get(shndx);
        if (defs != null) {
            String name = defs.get(sym.value());
            if (name == null) {
                throw elf.error(sec.name(), off, where + ": no map defined at offset " + sym.value() + " of its section");
            }
            return new SymbolTarget.Map(name, Relocation.MapRefKind.MAP_FD, 0);
        }
        String data = dataMaps.get(shndx);
        if (data != null) {
            // RELO_DATA: libbpf sets insn[1].imm = insn[0].imm + sym->st_value
            return new SymbolTarget.Map(data, Relocation.MapRefKind.MAP_VALUE, (long) insn.imm() + sym.value());
        }
        String target = shndx > 0 && shndx < elf.sections().size() ? elf.sections().get(shndx).name() : "#" + shndx;
        throw elf.error(sec.name(), off, where + ": points to section '" + target
                + "', which is neither a map nor a global data section");
    }

    private int checkedIndex(ElfSection sec, long off, String where, long textInsn) {
        if (textInsn < 0 || textInsn > Integer.MAX_VALUE) {
            throw elf.error(sec.name(), off, where + ": target instruction " + textInsn + " out of range");
        }
        return (int) textInsn;
    }
}
