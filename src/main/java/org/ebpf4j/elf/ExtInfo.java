package org.ebpf4j.elf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfExt;
import org.ebpf4j.isa.Insn;

/**
 * The {@code .BTF.ext} records of each executable section, converted to instruction indices
 * relative to the section (libbpf's {@code bpf_object__relocate()} later shifts them to program
 * offsets as it appends subprograms, see {@link ProgramLinker}).
 */
record ExtInfo(Map<Integer, List<FuncInfo>> funcInfo, Map<Integer, List<LineInfo>> lineInfo,
               Map<Integer, List<CoreFixup>> coreFixups) {

    /**
     * Converts the records and applies CO-RE relocations to {@code sectionInsns} in place (before
     * linking, so every copy of a subprogram carries them) against {@code target}.
     */
    static ExtInfo of(ElfFile elf, Btf btf, BtfExt ext, Btf target, Map<Integer, Insn[]> sectionInsns) {
        Map<Integer, List<FuncInfo>> fi = new HashMap<>();
        Map<Integer, List<LineInfo>> li = new HashMap<>();
        Map<Integer, List<CoreFixup>> cf = new HashMap<>();
        if (ext == null) {
            return new ExtInfo(fi, li, cf);
        }
        CoreApplier core = new CoreApplier(elf, btf, target);
        for (Map.Entry<Integer, Insn[]> e : sectionInsns.entrySet()) {
            ElfSection sec = elf.sections().get(e.getKey());
            int n = e.getValue().length;
            List<FuncInfo> f = new ArrayList<>();
            for (BtfExt.FuncInfo r : ext.funcInfo(sec.name())) {
                f.add(new FuncInfo(index(elf, sec, r.insnOff(), n, "func_info"), r.typeId()));
            }
            List<LineInfo> l = new ArrayList<>();
            for (BtfExt.LineInfo r : ext.lineInfo(sec.name())) {
                l.add(new LineInfo(index(elf, sec, r.insnOff(), n, "line_info"), r.fileName(), r.lineText(), r.line(), r.col()));
            }
            fi.put(sec.index(), f);
            li.put(sec.index(), l);
            List<BtfExt.CoreRelo> relos = ext.coreRelos(sec.name());
            if (!relos.isEmpty()) {
                cf.put(sec.index(), core.apply(sec, e.getValue(), relos));
            }
        }
        return new ExtInfo(fi, li, cf);
    }

    private static int index(ElfFile elf, ElfSection sec, long byteOff, int insnCount, String what) {
        if (byteOff < 0 || byteOff % 8 != 0 || byteOff / 8 >= insnCount) {
            throw elf.error(".BTF.ext", -1, what + " for section '" + sec.name() + "' at instruction offset "
                    + byteOff + " outside the section's " + insnCount + " instructions");
        }
        return (int) (byteOff / 8);
    }
}
