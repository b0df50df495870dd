package org.ebpf4j.syscall;

import org.ebpf4j.map.BatchResult;
import org.ebpf4j.uapi.BpfException;

/**
 * A batch command that failed after processing part of the batch: Linux copies {@code count},
 * the keys/values done so far and {@code out_batch} back and then returns the errno (ENOENT
 * at the end of a lookup batch). The partial result travels with the exception.
 */
public final class BatchException extends BpfException {
    private final transient BatchResult result;

    public BatchException(BatchResult result, String message) {
        super(result.error(), message);
        this.result = result;
    }

    public BatchResult result() { return result; }
}
