package org.ebpf4j.vm.helper;

import org.ebpf4j.vm.RunState;

/**
 * The C function behind a {@code bpf_func_proto}: five 64-bit arguments in, r0 out. Helpers are
 * on the program path, so they report failure by returning {@code -errno}, never by throwing.
 */
@FunctionalInterface
public interface Helper {
    long call(RunState state, long r1, long r2, long r3, long r4, long r5);
}
