package org.ebpf4j.vm;

/** Turns a program image into something runnable: the interpreter now, a JIT later. */
public interface Engine {
    /**
     * Checks the program structurally (see {@link org.ebpf4j.vm.verifier.StructuralVerifier}) and
     * prepares it to run.
     *
     * @throws VerifierException if the kernel would refuse the program's shape
     */
    Executable load(ProgramImage image);
}
