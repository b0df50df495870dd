package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import org.ebpf4j.vm.VerifierException;

/**
 * The first linear pass, as kernel/bpf/verifier.c resolve_pseudo_ldimm64() does it: LDX mode and
 * imm, ld_imm64 pairing and pseudo source, then the opcode table. Marks second slots.
 */
final class LdImmPass {
    private LdImmPass() {}

    static void run(Slots s) {
        boolean[] table = OpcodeTable.build();
        for (int i = 0; i < s.len; i++) {
            int c = s.code[i];
            if (cls(c) == BPF_LDX && ((mode(c) != BPF_MEM && mode(c) != BPF_MEMSX) || s.imm[i] != 0)) {
                throw new VerifierException(i, "BPF_LDX uses reserved fields");
            }
            if (c == LD_IMM64) {
                int n = i + 1;
                if (n == s.len || s.code[n] != 0 || s.dst[n] != 0 || s.src[n] != 0 || s.off[n] != 0) {
                    throw new VerifierException(i, "invalid bpf_ld_imm64 insn");
                }
                int pseudo = s.src[i];
                if (pseudo != 0 && pseudo != BPF_PSEUDO_FUNC) {
                    // Map and BTF forms are the loader's to rewrite before an engine sees them.
                    throw new VerifierException(i, "unrecognized bpf_ld_imm64 insn");
                }
                s.second[n] = true;
                i++;
                continue;
            }
            if (!table[c]) {
                throw new VerifierException(i, String.format("unknown opcode %02x", c));
            }
        }
    }
}
