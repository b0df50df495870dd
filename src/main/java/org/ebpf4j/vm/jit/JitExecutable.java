package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.BPF_JCOND;
import static org.ebpf4j.isa.Opcodes.BPF_JMP;

import org.ebpf4j.isa.Insn;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.verifier.VerifiedProgram;

/**
 * A program compiled by a {@link JitCompiler}: a hidden class implementing {@link CompiledProgram}.
 * The executable is made first and handed to the class as class data (generated code records it
 * as the running program at helper calls, for callbacks); {@link #compiled} is set right after the
 * class is defined, before the executable is published.
 */
final class JitExecutable implements Executable {
    final JitCompiler owner;
    final VerifiedProgram verified;
    final String className;
    /**
     * Whether a run needs its RunState and may_goto budget set up: only helpers see the former
     * (and only through a helper can a tail call bring in a program that counts loops), only
     * may_goto reads the latter. A program with neither skips that part of the per-run setup.
     */
    final boolean needsRunState;
    CompiledProgram compiled;

    JitExecutable(JitCompiler owner, VerifiedProgram verified, String className) {
        this.owner = owner;
        this.verified = verified;
        this.className = className;
        this.needsRunState = needsRunState(verified);
    }

    static boolean needsRunState(VerifiedProgram v) {
        HelperProto[] helperAt = v.helperAt();
        java.util.List<Insn> insns = v.image().insns();
        for (int i = 0; i < insns.size(); i++) {
            if (helperAt[i] != null || insns.get(i).opcode() == (BPF_JMP | BPF_JCOND)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public long run(long r1) { return owner.run(this, r1, 0); }

    @Override
    public long run(long r1, long r2) { return owner.run(this, r1, r2); }

    @Override
    public long runAsTailCall(org.ebpf4j.vm.RunState caller, long ctx) { return owner.runContinued(this, caller, ctx); }

    @Override
    public ProgramImage image() { return verified.image(); }

    @Override
    public String engineName() { return "jit"; }

    /** Index into the subprogram starts of a {@code BPF_PSEUDO_FUNC} value, or -1. */
    int subprogOf(long funcPtr) {
        long rel = funcPtr - JitSupport.FUNC_BASE;
        int n = verified.image().insns().size();
        if (rel < 0 || (rel & 7) != 0 || (rel >>> 3) >= n) {
            return -1;
        }
        int k = java.util.Arrays.binarySearch(verified.subprogStarts(), (int) (rel >>> 3));
        return k >= 0 ? k : -1;
    }

    @Override
    public String toString() { return "jit-compiled program " + image().name() + " (" + className + ")"; }
}
