package org.ebpf4j.vm.verifier;

/**
 * What a program type and its loader allow of a helper the program calls, asked by
 * {@link TypeVerifier} at each call it reaches (check_helper_call(): {@code get_func_proto()} of
 * the program type, the GPL check, and in ebpf4j whether the helper is implemented at all).
 */
@FunctionalInterface
public interface HelperPolicy {
    /** Everything allowed (tests, and loads without a program-type table). */
    HelperPolicy ANY = id -> null;

    /** The verifier's complaint about calling helper {@code id} (as the kernel words it), or null when allowed. */
    String refusal(int id);
}
