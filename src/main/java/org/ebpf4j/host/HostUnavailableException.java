package org.ebpf4j.host;

/**
 * The real kernel cannot be reached: no {@code syscall} symbol, a non-Linux host, or bpf(2)
 * refused (EPERM without CAP_BPF, ENOSYS, a seccomp filter). Callers skip host work and say why;
 * {@link #getMessage()} reads "host kernel unavailable: &lt;reason&gt;".
 */
public final class HostUnavailableException extends RuntimeException {
    public HostUnavailableException(String reason) {
        super("host kernel unavailable: " + reason);
    }

    public HostUnavailableException(String reason, Throwable cause) {
        super("host kernel unavailable: " + reason, cause);
    }
}
