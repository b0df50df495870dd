package org.ebpf4j.vm;

import java.util.EnumSet;
import java.util.Set;

/**
 * Relaxations of the load-time checks. The default (no option) is the kernel's behaviour; the
 * options exist for ISA-level suites such as bpf_conformance, whose vectors were written for
 * userspace VMs and contain programs Linux would refuse (e.g. {@code lsh32 %r0, 60}).
 */
public enum VerifierOption {
    /**
     * Skip the checks the kernel makes on constant operands: {@code "div by zero"} for a K-form
     * div/mod by 0 and {@code "invalid shift %d"} for a K-form shift outside [0, width).
     */
    ALLOW_CONSTANT_TRAPS,
    /** Do not reject code no path reaches ({@code "unreachable insn %d"}). */
    ALLOW_UNREACHABLE,
    /** Treat r2 as initialised at entry ({@link Executable#run(long, long)} passes it). */
    ENTRY_R2_INITIALISED,
    /**
     * Do not check helper ids over the whole text: the type verifier checks them on the paths it
     * walks, as the kernel's check_helper_call() does, so a bad id in dead code (libbpf's CO-RE
     * poison call) is no error. PROG_LOAD uses this; not a relaxation for engines on their own.
     */
    HELPER_IDS_ON_PATHS,
    /**
     * Do not require the main program's exits to have written r0: whether its value is read
     * depends on the attach target, which the type verifier knows ({@code check_return_code}: an
     * LSM program on a void hook returns without R0 being read) and checks everywhere else.
     * Engines start r0 at 0. PROG_LOAD and the runtime's engines use this.
     */
    MAIN_EXIT_R0_UNCHECKED;

    /** What bpf_conformance vectors need. */
    public static final Set<VerifierOption> CONFORMANCE =
            Set.copyOf(EnumSet.of(ALLOW_CONSTANT_TRAPS, ALLOW_UNREACHABLE, ENTRY_R2_INITIALISED));
}
