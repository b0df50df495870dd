package org.ebpf4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The {@link JitBench} programs (and {@link TailCallBench}'s chain33 and single) timed by this thread's CPU time instead of wall time: on the
 * shared 2-vCPU machines the wall clock also counts the time other processes hold the CPU (×2–3
 * under load), while the kernel's {@code BPF_PROG_TEST_RUN} figure stops its timer whenever it is
 * rescheduled (net/bpf/test_run.c bpf_test_timer_continue), so CPU time is the like-for-like
 * comparison. Reports the best of several rounds after warm-up, in ns per run.
 *
 * <p>{@code ./bench/jmh} builds the classpath; then
 * {@code java -cp "target/classes:target/test-classes:$(cat target/test.classpath)"
 * org.ebpf4j.bench.JitCpuTime [interp|jit ...] [benchmark ...]}, from the repository root.
 */
public final class JitCpuTime {
    private JitCpuTime() {}

    public static void main(String[] args) throws Exception {
        String[] engines = {"interp", "jit"};
        String[] benches = {"empty", "sieve", "packetParser", "helperLoop"};
        java.util.List<String> e = new java.util.ArrayList<>();
        java.util.List<String> b = new java.util.ArrayList<>();
        for (String a : args) {
            (a.equals("interp") || a.equals("jit") ? e : b).add(a);
        }
        if (!e.isEmpty()) {
            engines = e.toArray(String[]::new);
        }
        if (!b.isEmpty()) {
            benches = b.toArray(String[]::new);
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "%-14s %-7s %14s %14s%n", "benchmark", "engine", "cpu ns/run", "wall ns/run");
        for (String bench : benches) {
            for (String engine : engines) {
                if (bench.startsWith("chain33") || bench.startsWith("single")) {
                    TailCallBench t = new TailCallBench();
                    t.engine = engine;
                    t.path = bench.endsWith("generic") ? "generic" : "inline";
                    t.setup();
                    try {
                        double[] best = measure(mx, bench.startsWith("chain33") ? t::chain33 : t::single);
                        System.out.printf(Locale.ROOT, "%-14s %-7s %14.1f %14.1f%n", bench, engine, best[0], best[1]);
                    } finally {
                        t.tearDown();
                    }
                    continue;
                }
                JitBench s = new JitBench();
                s.engine = engine;
                s.setup();
                try {
                    LongSupplier run = switch (bench) {
                        case "empty" -> s::empty;
                        case "sieve" -> s::sieve;
                        case "packetParser" -> s::packetParser;
                        case "helperLoop" -> s::helperLoop;
                        default -> throw new IllegalArgumentException("no benchmark " + bench
                                + "; one of empty, sieve, packetParser, helperLoop, chain33[generic], single[generic]");
                    };
                    double[] best = measure(mx, run);
                    System.out.printf(Locale.ROOT, "%-14s %-7s %14.1f %14.1f%n", bench, engine, best[0], best[1]);
                } finally {
                    s.tearDown();
                }
            }
        }
    }

    /** Best CPU and best wall ns/run over 15 rounds of ~0.3 s, the first 5 being warm-up. */
    private static double[] measure(ThreadMXBean mx, LongSupplier run) {
        long n = 1;
        long sink = 0;
        for (long t0 = System.nanoTime(); System.nanoTime() - t0 < 20_000_000L; n *= 2) {   // calibrate
            for (long i = 0; i < n; i++) {
                sink += run.getAsLong();
            }
        }
        long perRound = Math.max(1, n * 15);
        double cpu = Double.MAX_VALUE;
        double wall = Double.MAX_VALUE;
        for (int round = 0; round < 15; round++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            for (long i = 0; i < perRound; i++) {
                sink += run.getAsLong();
            }
            long w1 = System.nanoTime();
            long c1 = mx.getCurrentThreadCpuTime();
            if (round >= 5) {
                cpu = Math.min(cpu, (c1 - c0) / (double) perRound);
                wall = Math.min(wall, (w1 - w0) / (double) perRound);
            }
        }
        if (sink == 42) {
            System.out.print("");
        }
        return new double[] {cpu, wall};
    }
}
