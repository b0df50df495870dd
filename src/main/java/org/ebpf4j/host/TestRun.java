package org.ebpf4j.host;

/**
 * A BPF_PROG_TEST_RUN request. Null arrays are not passed; {@code dataSizeOut}/{@code ctxSizeOut}
 * size the output buffers (0: none).
 *
 * @param repeat   runs in the kernel's loop (0 is taken as 1 by the kernel)
 * @param flags    BPF_F_TEST_RUN_ON_CPU etc.
 */
public record TestRun(int progFd, byte[] dataIn, int dataSizeOut, byte[] ctxIn, int ctxSizeOut, int repeat,
                      int flags, int cpu) {
    public TestRun {
        dataIn = dataIn == null ? null : dataIn.clone();
        ctxIn = ctxIn == null ? null : ctxIn.clone();
        if (repeat < 0 || dataSizeOut < 0 || ctxSizeOut < 0) {
            throw new IllegalArgumentException("test run: repeat/data_size_out/ctx_size_out must be >= 0");
        }
    }

    /** Data in, a data-out buffer as large as the input, no context. */
    public static TestRun ofData(int progFd, byte[] data, int repeat) {
        return new TestRun(progFd, data, data == null ? 0 : data.length, null, 0, repeat, 0, 0);
    }

    @Override
    public byte[] dataIn() { return dataIn == null ? null : dataIn.clone(); }

    @Override
    public byte[] ctxIn() { return ctxIn == null ? null : ctxIn.clone(); }

    /**
     * What the kernel returned.
     *
     * @param retval     the program's return value of the last run (u32, as the kernel stores it)
     * @param durationNs the kernel's average ns per run over the repeats (its {@code duration})
     * @param dataOut    the packet after the last run, as long as the kernel reported
     * @param ctxOut     the context after the last run
     */
    public record Result(int retval, int durationNs, byte[] dataOut, byte[] ctxOut) {}
}
