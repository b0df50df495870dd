package org.ebpf4j.uapi;

/**
 * A failed bpf(2)-level operation: carries the errno Linux would return and a message naming
 * what was wrong (field and value). Thrown only at the syscall boundary; program-path code
 * returns negative errnos instead.
 */
public class BpfException extends RuntimeException {
    private final Errno errno;

    public BpfException(Errno errno, String message) {
        super(message);
        this.errno = errno;
    }

    public Errno errno() { return errno; }

    @Override
    public String getMessage() {
        return errno.name() + ": " + super.getMessage();
    }
}
