package org.ebpf4j.vm;

import org.ebpf4j.uapi.Errno;

/**
 * A program refused at load time. The message is {@code "insn N: <reason>"} with the reason in the
 * words kernel/bpf/verifier.c prints into the verifier log, so that the same program gets the same
 * complaint here and on Linux. {@link #errno()} is what bpf(BPF_PROG_LOAD) returns with it on
 * Linux 6.18: EINVAL mostly, EACCES for register-state complaints ("R%d !read_ok", "frame pointer
 * is read only"), E2BIG for size and call depth.
 */
public final class VerifierException extends RuntimeException {
    private final int insnIndex;
    private final String log;
    private final Errno errno;
    private final String reason;

    public VerifierException(int insnIndex, Errno errno, String reason) {
        super("insn " + insnIndex + ": " + reason);
        this.insnIndex = insnIndex;
        this.errno = errno;
        this.log = reason + "\n";
        this.reason = reason;
    }

    /**
     * A complaint together with the verifier log that led to it ({@code log} should end with the
     * reason and the statistics line, as the kernel's does).
     */
    public VerifierException(int insnIndex, Errno errno, String reason, String log) {
        super("insn " + insnIndex + ": " + reason);
        this.insnIndex = insnIndex;
        this.errno = errno;
        this.log = log;
        this.reason = reason;
    }

    /** An EINVAL complaint, the kernel's usual one. */
    public VerifierException(int insnIndex, String reason) {
        this(insnIndex, Errno.EINVAL, reason);
    }

    public Errno errno() { return errno; }

    /** Index of the 8-byte slot the complaint is about. */
    public int insnIndex() { return insnIndex; }

    /** The verifier log, as the kernel would have written it into {@code log_buf}. */
    public String log() { return log; }

    /** The reason alone, without the {@code "insn N: "} prefix. */
    public String reason() { return reason; }
}
