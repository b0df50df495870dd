package org.ebpf4j.vm;

/**
 * A program refused at load time. The message is {@code "insn N: <reason>"} with the reason in the
 * words kernel/bpf/verifier.c prints into the verifier log, so that the same program gets the same
 * complaint here and on Linux. The kernel returns EINVAL (E2BIG for size and call depth) with it.
 */
public final class VerifierException extends RuntimeException {
    private final int insnIndex;
    private final String log;

    public VerifierException(int insnIndex, String reason) {
        super("insn " + insnIndex + ": " + reason);
        this.insnIndex = insnIndex;
        this.log = reason + "\n";
    }

    /** Index of the 8-byte slot the complaint is about. */
    public int insnIndex() { return insnIndex; }

    /** The verifier log, as the kernel would have written it into {@code log_buf}. */
    public String log() { return log; }

    /** The reason alone, without the {@code "insn N: "} prefix. */
    public String reason() { return log.substring(0, log.length() - 1); }
}
