package org.ebpf4j.kernel.prog;

/**
 * What BPF_PROG_TEST_RUN writes back: {@code retval}, {@code duration} (mean ns per run,
 * saturated at U32_MAX), the output data and context (null where the attr had no buffer) and
 * the sizes the kernel stores in {@code data_size_out}/{@code ctx_size_out} (the full sizes,
 * even when the copy was cut short with ENOSPC).
 */
public record TestRunResult(int retval, int duration, byte[] dataOut, int dataSizeOut, byte[] ctxOut, int ctxSizeOut) {

    /** retval as the unsigned 32-bit value the kernel stores. */
    public long retvalUnsigned() { return Integer.toUnsignedLong(retval); }
}
