package org.ebpf4j.isa;

/**
 * The eleven BPF registers ({@code include/uapi/linux/bpf.h} BPF_REG_0..BPF_REG_10): R0 return
 * value, R1-R5 arguments, R6-R9 callee-saved, R10 the read-only frame pointer.
 */
public enum Reg {
    R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10;

    /** The register number as encoded in dst_reg/src_reg. */
    public int num() { return ordinal(); }

    /** @throws IllegalArgumentException for a number outside 0..10 */
    public static Reg of(int num) {
        if (num < 0 || num > 10) {
            throw new IllegalArgumentException("register number " + num + " outside r0..r10");
        }
        return values()[num];
    }
}
