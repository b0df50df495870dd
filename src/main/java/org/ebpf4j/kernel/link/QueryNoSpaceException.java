package org.ebpf4j.kernel.link;

import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * PROG_QUERY's ENOSPC (spec §6): the call fails, but the kernel has already written the total
 * count and the first {@code prog_cnt} ids, which this carries.
 */
public final class QueryNoSpaceException extends BpfException {
    private final transient Attrs.ProgQueryOut partial;

    public QueryNoSpaceException(Attrs.ProgQueryOut partial, String message) {
        super(Errno.ENOSPC, message);
        this.partial = partial;
    }

    public Attrs.ProgQueryOut partial() { return partial; }
}
