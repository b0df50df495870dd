package org.ebpf4j.elf;

import static org.ebpf4j.isa.Opcodes.BPF_PSEUDO_CALL;
import static org.ebpf4j.isa.Opcodes.BPF_PSEUDO_FUNC;
import static org.ebpf4j.isa.Opcodes.BPF_PSEUDO_KFUNC_CALL;
import static org.ebpf4j.isa.Opcodes.BPF_PSEUDO_MAP_FD;
import static org.ebpf4j.isa.Opcodes.BPF_PSEUDO_MAP_VALUE;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.isa.Insn;

/**
 * Links one entry program with the .text subprograms it reaches, as libbpf's
 * {@code bpf_object__reloc_code()} does: a subprogram is appended the first time a call or a
 * callback address reaches it (depth first, once per entry program, shared code copied into every
 * program that uses it), and the call's imm becomes the distance to the copy. Map and extern
 * references are marked as libbpf's {@code bpf_object__relocate_data()} marks them, with the fd
 * left for the loader.
 */
final class ProgramLinker {
    private final String file;
    private final Map<Integer, Insn[]> sectionInsns;
    private final Map<Integer, Map<Integer, SymbolTarget>> targets;
    private final Map<Integer, List<BpfFunction>> functions;
    private final int textIndex;
    private final Map<Integer, List<FuncInfo>> funcInfo;
    private final Map<Integer, List<LineInfo>> lineInfo;
    private final Map<Integer, List<CoreFixup>> coreFixups;

    private List<Insn> out;
    private List<Relocation> relocations;
    private Map<BpfFunction, Integer> placed;

    ProgramLinker(String file, Map<Integer, Insn[]> sectionInsns, Map<Integer, Map<Integer, SymbolTarget>> targets,
                  Map<Integer, List<BpfFunction>> functions, int textIndex, Map<Integer, List<FuncInfo>> funcInfo,
                  Map<Integer, List<LineInfo>> lineInfo, Map<Integer, List<CoreFixup>> coreFixups) {
        this.file = file;
        this.sectionInsns = sectionInsns;
        this.targets = targets;
        this.functions = functions;
        this.textIndex = textIndex;
        this.funcInfo = funcInfo;
        this.lineInfo = lineInfo;
        this.coreFixups = coreFixups;
    }

    ProgramSpec link(BpfFunction main, ProgramKind kind) {
        out = new ArrayList<>();
        relocations = new ArrayList<>();
        placed = new IdentityHashMap<>();
        append(main);
        relocCode(main);

        List<FuncInfo> fi = new ArrayList<>();
        List<LineInfo> li = new ArrayList<>();
        List<CoreFixup> cf = new ArrayList<>();
        for (Map.Entry<BpfFunction, Integer> e : placed.entrySet()) {
            BpfFunction fn = e.getKey();
            int shift = e.getValue() - fn.secInsnOff();
            int sec = fn.section().index();
            for (FuncInfo f : funcInfo.getOrDefault(sec, List.of())) {
                if (fn.contains(f.insnOff())) {
                    fi.add(new FuncInfo(f.insnOff() + shift, f.typeId()));
                }
            }
            for (LineInfo l : lineInfo.getOrDefault(sec, List.of())) {
                if (fn.contains(l.insnOff())) {
                    li.add(new LineInfo(l.insnOff() + shift, l.fileName(), l.lineText(), l.lineNum(), l.lineCol()));
                }
            }
            for (CoreFixup c : coreFixups.getOrDefault(sec, List.of())) {
                if (fn.contains(c.insnOff())) {
                    cf.add(new CoreFixup(c.insnOff() + shift, c.kind(), c.accessor(), c.oldValue(), c.newValue(),
                            c.poisoned()));
                }
            }
        }
        fi.sort(Comparator.comparingInt(FuncInfo::insnOff));
        li.sort(Comparator.comparingInt(LineInfo::insnOff));
        cf.sort(Comparator.comparingInt(CoreFixup::insnOff));
        relocations.sort(Comparator.comparingInt(Relocation::insn));
        return new ProgramSpec(main.name(), main.section().name(), kind, out, relocations, fi, li, cf);
    }

    private void append(BpfFunction fn) {
        placed.put(fn, out.size());
        Insn[] sec = sectionInsns.get(fn.section().index());
        for (int i = 0; i < fn.insnCount(); i++) {
            out.add(sec[fn.secInsnOff() + i]);
        }
    }

    private void relocCode(BpfFunction fn) {
        int base = placed.get(fn);
        Map<Integer, SymbolTarget> secTargets = targets.getOrDefault(fn.section().index(), Map.of());
        for (int i = 0; i < fn.insnCount(); i++) {
            int idx = base + i;
            Insn insn = out.get(idx);
            SymbolTarget target = secTargets.get(fn.secInsnOff() + i);
            boolean wide = insn.isLdImm64();
            if (wide && i + 1 >= fn.insnCount()) {
                throw error(fn, i, "ld_imm64 without its second slot at the end of the function");
            }
            switch (target) {
                case SymbolTarget.Map m -> {
                    int src = m.kind() == Relocation.MapRefKind.MAP_FD ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_VALUE;
                    out.set(idx, insn.withSrc(src).withImm(0));
                    out.set(idx + 1, out.get(idx + 1).withImm(m.kind() == Relocation.MapRefKind.MAP_FD ? 0 : (int) m.offset()));
                    relocations.add(new Relocation.MapRef(idx, m.map(), m.kind(), m.offset()));
                }
                case SymbolTarget.Ksym k -> {
                    out.set(idx, k.call() ? insn.withSrc(BPF_PSEUDO_KFUNC_CALL).withImm(0) : insn.withImm(0));
                    relocations.add(new Relocation.KsymRef(idx, k.name(), k.call(), k.weak()));
                }
                case SymbolTarget.Call c -> callTo(fn, i, lookup(fn, i, textIndex, c.textInsn()), false);
                case SymbolTarget.FuncAddr a -> callTo(fn, i, lookup(fn, i, textIndex, a.textInsn()), true);
                case null -> {
                    if (insn.isPseudoCall()) {
                        // a call clang resolved itself: relative to this section (libbpf: prog->sec_insn_off + insn_idx + imm + 1)
                        long secTarget = (long) fn.secInsnOff() + i + insn.imm() + 1;
                        callTo(fn, i, lookup(fn, i, fn.section().index(), secTarget), false);
                    } else if (wide && insn.src() == BPF_PSEUDO_FUNC) {
                        throw error(fn, i, "ld_imm64 of a function address without a relocation");
                    }
                }
            }
            if (wide) {
                i++;
            }
        }
    }

    private void callTo(BpfFunction fn, int i, BpfFunction sub, boolean address) {
        if (!placed.containsKey(sub)) {
            append(sub);
            relocCode(sub);
        }
        int idx = placed.get(fn) + i;
        Insn insn = out.get(idx);
        int rel = placed.get(sub) - idx - 1;
        out.set(idx, address ? insn.withSrc(BPF_PSEUDO_FUNC).withImm(rel) : insn.withSrc(BPF_PSEUDO_CALL).withImm(rel));
    }

    private BpfFunction lookup(BpfFunction fn, int i, int sectionIndex, long secInsn) {
        for (BpfFunction f : functions.getOrDefault(sectionIndex, List.of())) {
            if (secInsn >= f.secInsnOff() && secInsn < f.secInsnOff() + f.insnCount()) {
                if (!f.subprog()) {
                    throw error(fn, i, "call to entry program '" + f.name() + "' is not supported (only .text subprograms can be called)");
                }
                return f;
            }
        }
        throw error(fn, i, "call or callback target (instruction " + secInsn + " of its section) is not inside any .text function");
    }

    private ElfFormatException error(BpfFunction fn, int i, String reason) {
        return new ElfFormatException(file, fn.section().name(), (long) (fn.secInsnOff() + i) * 8,
                "prog '" + fn.name() + "' insn " + i + ": " + reason);
    }
}
