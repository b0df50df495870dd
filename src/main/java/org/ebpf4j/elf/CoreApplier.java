package org.ebpf4j.elf;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfExt;
import org.ebpf4j.btf.CoreRelocator;
import org.ebpf4j.btf.CoreResult;
import org.ebpf4j.isa.Insn;

/**
 * Writes CO-RE results into instructions as libbpf's {@code bpf_core_patch_insn()}
 * ({@code tools/lib/bpf/relo_core.c}) does: ALU imm, load/store offset (and size, when the
 * target field's size differs), or the 64-bit immediate of ld_imm64; a relocation that cannot be
 * satisfied poisons the instruction with a call to helper 0xbad2310 (both slots of an ld_imm64),
 * so it fails only if executed. A malformed relocation fails the object, as libbpf fails the load.
 */
final class CoreApplier {
    private final ElfFile elf;
    private final Btf local;
    private final CoreRelocator relocator;

    CoreApplier(ElfFile elf, Btf local, Btf target) {
        this.elf = elf;
        this.local = local;
        this.relocator = new CoreRelocator(local, target);
    }

    /** Patches {@code insns} (one section's) in place; returns what was done, by section instruction. */
    List<CoreFixup> apply(ElfSection sec, Insn[] insns, List<BtfExt.CoreRelo> relos) {
        List<CoreFixup> out = new ArrayList<>();
        for (BtfExt.CoreRelo r : relos) {
            long off = r.insnOff();
            if (off < 0 || off % 8 != 0 || off / 8 >= insns.length) {
                throw elf.error(".BTF.ext", -1, "CO-RE relocation for section '" + sec.name() + "' at instruction offset "
                        + off + " outside the section");
            }
            int idx = (int) (off / 8);
            String accessor = typeName(r.typeId()) + ": " + r.accessStr();
            String kind = r.kind().name().toLowerCase();
            Insn insn = insns[idx];
            boolean wide = insn.isLdImm64() && idx + 1 < insns.length;
            long old = wide ? insn.imm64(insns[idx + 1]) : isMem(insn) ? insn.off() : insn.imm();
            switch (relocator.relocate(r)) {
                case CoreResult.Failed f -> throw elf.error(sec.name(), off, "insn " + idx + ": " + f.reason()
                        + " (" + f.errno() + ")");
                case CoreResult.Poison p -> {
                    poison(insns, idx, wide);
                    out.add(new CoreFixup(idx, kind, accessor, old, old, true));
                }
                case CoreResult.Value v -> {
                    if (patch(sec, insns, idx, v)) {
                        out.add(new CoreFixup(idx, kind, accessor, old, v.newValue(), false));
                    } else {
                        poison(insns, idx, wide);
                        out.add(new CoreFixup(idx, kind, accessor, old, v.newValue(), true));
                    }
                }
            }
        }
        return out;
    }

    private static boolean isMem(Insn insn) {
        int cls = insn.cls();
        return (cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX) && mode(insn.opcode()) == BPF_MEM
                || cls == BPF_LDX && mode(insn.opcode()) == BPF_MEMSX;
    }

    /** False when the instruction must be poisoned instead (a load/store that cannot be resized). */
    private boolean patch(ElfSection sec, Insn[] insns, int idx, CoreResult.Value v) {
        Insn insn = insns[idx];
        long off = (long) idx * 8;
        if (isAlu(insn.opcode())) {
            if (source(insn.opcode()) != BPF_K) {
                throw elf.error(sec.name(), off, "insn " + idx + ": CO-RE relocation on an ALU instruction with a register source");
            }
            if (v.validate() && insn.imm() != v.origValue()) {
                throw elf.error(sec.name(), off, "insn " + idx + ": unexpected imm " + insn.imm() + " (expected " + v.origValue() + ")");
            }
            if (v.newValue() != (int) v.newValue()) {
                throw elf.error(sec.name(), off, "insn " + idx + ": CO-RE value " + v.newValue() + " does not fit an imm");
            }
            insns[idx] = insn.withImm((int) v.newValue());
            return true;
        }
        if (isMem(insn)) {
            if (v.validate() && insn.off() != v.origValue()) {
                throw elf.error(sec.name(), off, "insn " + idx + ": unexpected offset " + insn.off() + " (expected " + v.origValue() + ")");
            }
            if (v.newValue() > Short.MAX_VALUE || v.newValue() < Short.MIN_VALUE) {
                throw elf.error(sec.name(), off, "insn " + idx + ": CO-RE offset " + v.newValue() + " too big");
            }
            Insn patched = insn.withOff((int) v.newValue());
            if (v.newSize() != v.origSize()) {
                if (sizeBytes(insn.opcode()) != v.origSize()) {
                    throw elf.error(sec.name(), off, "insn " + idx + ": unexpected memory size " + sizeBytes(insn.opcode()));
                }
                if (v.failMemSizeAdjust()) {
                    return false;
                }
                int size = switch ((int) v.newSize()) {
                    case 1 -> BPF_B;
                    case 2 -> BPF_H;
                    case 4 -> BPF_W;
                    case 8 -> BPF_DW;
                    default -> throw elf.error(sec.name(), off, "insn " + idx + ": invalid new field size " + v.newSize());
                };
                patched = Insn.of(mode(insn.opcode()) | size | insn.cls(), insn.dst(), insn.src(), patched.off(), insn.imm());
            }
            insns[idx] = patched;
            return true;
        }
        if (insn.isLdImm64() && idx + 1 < insns.length) {
            if (v.validate() && insn.imm64(insns[idx + 1]) != v.origValue()) {
                throw elf.error(sec.name(), off, "insn " + idx + ": unexpected imm64 (expected " + v.origValue() + ")");
            }
            insns[idx] = insn.withImm((int) v.newValue());
            insns[idx + 1] = insns[idx + 1].withImm((int) (v.newValue() >>> 32));
            return true;
        }
        throw elf.error(sec.name(), off, "insn " + idx + ": CO-RE relocation on an unsupported instruction (opcode 0x"
                + Integer.toHexString(insn.opcode()) + ")");
    }

    private static void poison(Insn[] insns, int idx, boolean wide) {
        Insn call = Insn.of(BPF_JMP | BPF_CALL, 0, 0, 0, CoreResult.POISON_HELPER_ID);
        insns[idx] = call;
        if (wide) {
            insns[idx + 1] = call;
        }
    }

    private String typeName(int id) {
        if (id <= 0 || id >= local.typeCount()) {
            return "[" + id + "]";
        }
        String n = local.type(id).name();
        return n.isEmpty() ? "[" + id + "]" : n;
    }
}
