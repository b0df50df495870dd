package org.ebpf4j.isa;

/** An instruction stream that cannot be a BPF program; names the instruction index and why. */
public class InvalidProgramException extends RuntimeException {
    private final int insnIndex;

    public InvalidProgramException(int insnIndex, String reason) {
        super("insn " + insnIndex + ": " + reason);
        this.insnIndex = insnIndex;
    }

    public int insnIndex() { return insnIndex; }
}
