package org.ebpf4j.vm;

/**
 * A run aborted: the program touched memory outside the arena, went deeper than the call-frame
 * limit, passed a bad callback, or a helper failed. On Linux the verifier would have kept such a
 * program out; here the run stops instead of the JVM. It is the only exception a run throws.
 * Stackless, since it reports a property of the BPF program, not a bug in ebpf4j.
 */
public final class ProgramFault extends RuntimeException {
    private final int insnIndex;

    public ProgramFault(int insnIndex, String reason, Throwable cause) {
        super("insn " + insnIndex + ": " + reason, cause, false, false);
        this.insnIndex = insnIndex;
    }

    public ProgramFault(int insnIndex, String reason) {
        this(insnIndex, reason, null);
    }

    /** Index of the slot that was executing when the run aborted. */
    public int insnIndex() { return insnIndex; }
}
