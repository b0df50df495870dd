package org.ebpf4j.kernel.prog;

/**
 * BPF_PROG_TEST_RUN's part of {@code union bpf_attr} ({@code attr->test}). Input buffers are the
 * arrays; an output buffer is present when its size is non-null ({@code data_out}/{@code ctx_out}
 * non-NULL) and its size is what user space put in {@code data_size_out}/{@code ctx_size_out}
 * (for data, 0 means "no limit", as in the kernel).
 *
 * @param duration the input value of {@code duration} (must be 0 for types that reject it)
 */
public record TestRunAttr(int progFd, byte[] dataIn, Integer dataSizeOut, byte[] ctxIn, Integer ctxSizeOut,
                          int repeat, int flags, int cpu, int batchSize, int duration) {

    /** BPF_F_TEST_RUN_ON_CPU. */
    public static final int BPF_F_TEST_RUN_ON_CPU = 1;
    /** BPF_F_TEST_XDP_LIVE_FRAMES. */
    public static final int BPF_F_TEST_XDP_LIVE_FRAMES = 1 << 1;
    /** BPF_F_TEST_SKB_CHECKSUM_COMPLETE. */
    public static final int BPF_F_TEST_SKB_CHECKSUM_COMPLETE = 1 << 2;

    /** Data in, data out (unlimited), no context, {@code repeat} runs. */
    public static TestRunAttr ofData(int progFd, byte[] dataIn, int repeat) {
        return new TestRunAttr(progFd, dataIn, 0, null, null, repeat, 0, 0, 0, 0);
    }

    /** Only a context in (raw_tp, syscall). */
    public static TestRunAttr ofCtx(int progFd, byte[] ctxIn) {
        return new TestRunAttr(progFd, null, null, ctxIn, null, 0, 0, 0, 0, 0);
    }

    public TestRunAttr withCtx(byte[] in, Integer outSize) {
        return new TestRunAttr(progFd, dataIn, dataSizeOut, in, outSize, repeat, flags, cpu, batchSize, duration);
    }

    public TestRunAttr withDataOut(Integer size) {
        return new TestRunAttr(progFd, dataIn, size, ctxIn, ctxSizeOut, repeat, flags, cpu, batchSize, duration);
    }

    public TestRunAttr withFlags(int f, int onCpu) {
        return new TestRunAttr(progFd, dataIn, dataSizeOut, ctxIn, ctxSizeOut, repeat, f, onCpu, batchSize, duration);
    }
}
