package org.ebpf4j.vm.verifier;

import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.KfuncProto;

/**
 * What the structural verifier learnt and an engine needs: where subprograms start and which
 * helper each call site calls (looked up once, here).
 *
 * @param subprogStarts sorted slot indices; element 0 is 0
 * @param helperAt      per slot: the helper a {@code call} there invokes, or the kfunc (a
 *                      {@link org.ebpf4j.vm.helper.KfuncProto#asCallTarget}, id = its BTF id), else null
 * @param kfuncAt       per slot: the kfunc a {@code call} there invokes (flags for the type verifier), else null
 */
public record VerifiedProgram(ProgramImage image, int[] subprogStarts, HelperProto[] helperAt, KfuncProto[] kfuncAt) {
    /** A program without kfunc calls. */
    public VerifiedProgram(ProgramImage image, int[] subprogStarts, HelperProto[] helperAt) {
        this(image, subprogStarts, helperAt, new KfuncProto[helperAt.length]);
    }

    public boolean isSubprogStart(int insn) {
        return java.util.Arrays.binarySearch(subprogStarts, insn) >= 0;
    }
}
