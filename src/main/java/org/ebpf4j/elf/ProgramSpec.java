package org.ebpf4j.elf;

import java.util.List;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

/**
 * One entry-point program of an object, linked as libbpf links it before BPF_PROG_LOAD: its own
 * instructions first, then every .text subprogram it reaches, appended in the order
 * {@code bpf_object__reloc_code()} meets them (depth first), with call and callback-address
 * immediates rewritten to the new relative offsets. Inert data: nothing here is loaded.
 *
 * @param name         the function's symbol name
 * @param sectionName  the ELF section (SEC() name, with any leading {@code ?})
 * @param kind         type, expected attach type, attach target and flags from the SEC() name
 * @param insns        the linked instructions; map references carry src_reg
 *                     BPF_PSEUDO_MAP_FD/VALUE with imm 0 (the fd is filled in at load)
 * @param relocations  what still needs a live object, ordered by instruction
 * @param funcInfo     func_info of the linked program (empty if the object has no .BTF.ext)
 * @param lineInfo     line_info of the linked program
 * @param coreFixups   CO-RE relocations applied to this program
 */
public record ProgramSpec(String name, String sectionName, ProgramKind kind, List<Insn> insns,
                          List<Relocation> relocations, List<FuncInfo> funcInfo, List<LineInfo> lineInfo,
                          List<CoreFixup> coreFixups) {

    public ProgramSpec {
        insns = List.copyOf(insns);
        relocations = List.copyOf(relocations);
        funcInfo = List.copyOf(funcInfo);
        lineInfo = List.copyOf(lineInfo);
        coreFixups = List.copyOf(coreFixups);
    }

    public ProgType progType() { return kind.progType(); }

    /** expected_attach_type, or null if the section name implies none. */
    public AttachType expectedAttachType() { return kind.expectedAttachType(); }

    public String attachTarget() { return kind.attachTarget(); }

    public boolean sleepable() { return kind.sleepable(); }
}
