package org.ebpf4j.kernel.helpers;

import org.ebpf4j.map.ProgRef;
import org.ebpf4j.vm.Executable;

/** A PROG_ARRAY slot's program as {@code bpf_tail_call} needs it: something the engine can jump to. */
public interface TailCallTarget extends ProgRef {
    Executable executable();
}
