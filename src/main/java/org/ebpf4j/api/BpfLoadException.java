package org.ebpf4j.api;

import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * Loading an object failed: which map or program, the errno the kernel gave, and for programs
 * the verifier log (as libbpf prints it between "BEGIN PROG LOAD LOG" and "END").
 */
public final class BpfLoadException extends BpfException {
    private final String log;

    public BpfLoadException(Errno errno, String message, String log) {
        super(errno, message);
        this.log = log == null ? "" : log;
    }

    /** The verifier log of a failed program load ("" for maps). */
    public String log() { return log; }
}
