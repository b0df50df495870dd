package org.ebpf4j.kernel.prog;

import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_PROG_TEST_RUN failed with ENOSPC after running: an output buffer was too small. As on
 * Linux the run happened and the outputs were written as far as they fit; {@link #result()}
 * has them.
 */
public final class TestRunException extends BpfException {
    private final transient TestRunResult result;

    public TestRunException(String message, TestRunResult result) {
        super(Errno.ENOSPC, message);
        this.result = result;
    }

    public TestRunResult result() { return result; }
}
