package org.ebpf4j.vm;

import java.util.List;
import java.util.Objects;
import org.ebpf4j.isa.Insn;

/**
 * The instructions of one program as an engine receives them: relocations done, map pseudo
 * ld_imm64 forms already rewritten to plain constants by the loader (only
 * {@code BPF_PSEUDO_FUNC} may remain). Inert data: copying it or loading it twice is harmless.
 *
 * @param name  the program's name (ELF section/function or user-given), for messages
 * @param insns the 8-byte slots; an ld_imm64 is two slots
 */
public record ProgramImage(String name, List<Insn> insns) {
    public ProgramImage {
        Objects.requireNonNull(name, "name");
        insns = List.copyOf(Objects.requireNonNull(insns, "insns"));
    }

    public static ProgramImage of(String name, Insn... insns) {
        return new ProgramImage(name, List.of(insns));
    }
}
