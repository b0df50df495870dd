package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.Arrays;
import java.util.TreeSet;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.helper.KfuncTable;

/**
 * Subprogram boundaries, the first checks the kernel makes (before even the opcode table, so they
 * look at raw slots, second halves of ld_imm64 included, as the kernel does):
 * kernel/bpf/verifier.c add_subprog_and_kfunc() checks that every kfunc call names a kfunc of
 * the table (off 0: module BTFs are not modelled) and collects the targets of
 * bpf-to-bpf calls and of {@code BPF_PSEUDO_FUNC} loads, then check_subprogs() confines every
 * jump to its own subprogram and demands that each one ends in exit or an unconditional jump, so
 * that no subprogram falls through into the next.
 */
final class Subprogs {
    private Subprogs() {}

    /**
     * Returns the sorted subprogram start indices; 0 is always the first. A kfunc call is
     * accepted only when {@code kfuncs} has its BTF id (the loader resolved it: add_kfunc_call).
     */
    static int[] find(Slots s, KfuncTable kfuncs) {
        TreeSet<Integer> starts = new TreeSet<>();
        starts.add(0);
        for (int i = 0; i < s.len; i++) {
            int c = s.code[i];
            if (c == (BPF_JMP | BPF_CALL) && s.src[i] == BPF_PSEUDO_KFUNC_CALL
                    && (s.off[i] != 0 || kfuncs.lookup(s.imm[i]) == null)) {
                throw new VerifierException(i, "calling kernel functions (kfunc btf_id " + s.imm[i]
                        + ") is not supported yet");
            }
            if (s.isPseudoCall(i) || s.isPseudoFunc(i)) {
                long target = (long) i + s.imm[i] + 1;
                if (target < 0 || target >= s.len) {
                    throw new VerifierException(i, "call to invalid destination");
                }
                starts.add((int) target);
            }
        }
        int[] out = starts.stream().mapToInt(Integer::intValue).toArray();
        checkBounds(s, out);
        return out;
    }

    private static void checkBounds(Slots s, int[] starts) {
        int sub = 0;
        int subStart = 0;
        int subEnd = starts.length > 1 ? starts[1] : s.len;
        for (int i = 0; i < s.len; i++) {
            int c = s.code[i];
            if (s.isJump(i)) {
                long target = c == (BPF_JMP32 | BPF_JA) ? (long) i + s.imm[i] + 1 : (long) i + s.off[i] + 1;
                if (target < subStart || target >= subEnd) {
                    throw new VerifierException(i, "jump out of range from insn " + i + " to " + target);
                }
            }
            if (i == subEnd - 1) {
                // An ld_imm64 cut off at the end ends in its first slot or a code-0 second one.
                if (c != (BPF_JMP | BPF_EXIT) && c != (BPF_JMP | BPF_JA) && c != (BPF_JMP32 | BPF_JA)) {
                    throw new VerifierException(i, "last insn is not an exit or jmp");
                }
                sub++;
                subStart = subEnd;
                subEnd = sub + 1 < starts.length ? starts[sub + 1] : s.len;
            }
        }
    }

    /** Index into {@code starts} of the subprogram containing insn i. */
    static int of(int[] starts, int i) {
        int k = Arrays.binarySearch(starts, i);
        return k >= 0 ? k : -k - 2;
    }
}
