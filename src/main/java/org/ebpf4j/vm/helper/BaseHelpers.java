package org.ebpf4j.vm.helper;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The helpers of kernel/bpf/helpers.c that need nothing but a clock, a random source and the CPU
 * id. Ids are bpf.h's {@code __BPF_FUNC_MAPPER} positions.
 */
public final class BaseHelpers {
    private BaseHelpers() {}

    public static final int BPF_FUNC_ktime_get_ns = 5;
    public static final int BPF_FUNC_get_prandom_u32 = 7;
    public static final int BPF_FUNC_get_smp_processor_id = 8;
    public static final int BPF_FUNC_tail_call = 12;
    public static final int BPF_FUNC_get_numa_node_id = 42;
    public static final int BPF_FUNC_jiffies64 = 118;
    public static final int BPF_FUNC_ktime_get_boot_ns = 125;
    public static final int BPF_FUNC_ktime_get_coarse_ns = 160;
    public static final int BPF_FUNC_loop = 181;

    /** CONFIG_HZ of the modelled kernel (the common distribution value). */
    public static final long HZ = 250;
    /**
     * include/linux/jiffies.h INITIAL_JIFFIES: jiffies start 5 minutes before wrapping 32 bits,
     * so {@code jiffies64} reads about 2^32 - 300 * HZ right after boot.
     */
    public static final long INITIAL_JIFFIES = (-300 * HZ) & 0xffffffffL;

    static void registerInto(HelperTable t) {
        // ktime_get_ns is CLOCK_MONOTONIC, which is what System.nanoTime reads on Linux.
        t.register(new HelperProto(BPF_FUNC_ktime_get_ns, "bpf_ktime_get_ns",
                (s, a, b, c, d, e) -> System.nanoTime()));
        t.register(new HelperProto(BPF_FUNC_get_prandom_u32, "bpf_get_prandom_u32",
                (s, a, b, c, d, e) -> ThreadLocalRandom.current().nextInt() & 0xffffffffL));
        t.register(new HelperProto(BPF_FUNC_get_smp_processor_id, "bpf_get_smp_processor_id",
                (s, a, b, c, d, e) -> s.cpu()));
        t.register(new HelperProto(BPF_FUNC_get_numa_node_id, "bpf_get_numa_node_id",
                (s, a, b, c, d, e) -> 0));
        t.register(new HelperProto(BPF_FUNC_jiffies64, "bpf_jiffies64",
                (s, a, b, c, d, e) -> INITIAL_JIFFIES + System.nanoTime() / (1_000_000_000L / HZ)));
        // CLOCK_BOOTTIME differs from CLOCK_MONOTONIC only by time suspended; a JVM sees none.
        t.register(new HelperProto(BPF_FUNC_ktime_get_boot_ns, "bpf_ktime_get_boot_ns",
                (s, a, b, c, d, e) -> System.nanoTime()));
        t.register(new HelperProto(BPF_FUNC_ktime_get_coarse_ns, "bpf_ktime_get_coarse_ns",
                (s, a, b, c, d, e) -> System.nanoTime()));
    }
}
