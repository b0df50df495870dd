package org.ebpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.MapHandle;
import org.ebpf4j.api.Program;
import org.ebpf4j.host.HostBpf;
import org.ebpf4j.host.HostLoader;
import org.ebpf4j.host.HostObject;
import org.ebpf4j.host.HostUnavailableException;
import org.ebpf4j.host.TestRun;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.uapi.MapType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ebpf4j bench}: each bench program on our interpreter, our JIT and this machine's kernel
 * (BPF_PROG_TEST_RUN under its JIT) in one run, ns per run and the ratios (issue 8). Before
 * timing, each program runs once on every side and the return values must agree; a mismatch is
 * printed loudly and the program is not timed.
 *
 * <p>Every figure is BPF_PROG_TEST_RUN's {@code duration}: the kernel's through bpf(2), ours
 * through our own PROG_LOAD and PROG_TEST_RUN ({@code kernel.prog.TestRun}, which times the runs
 * inside the call as net/bpf/test_run.c does, on a clock that stops while the thread is not
 * running, as {@code bpf_test_timer} stops on reschedule), so the columns measure the same thing: the mean
 * of one call's runs on one context and one dummy socket. Our sides warm up for at least one
 * second first (C2 must have compiled the interpreter loop or the generated class). Each side
 * takes the best of {@value #ROUNDS} calls, so a noisy neighbour on a shared machine costs less.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Times the bench programs on the interpreter, the JIT and the host kernel's JIT.")
public final class BenchCommand implements Callable<Integer> {
    static final int ROUNDS = 3;
    /** Our sides warm up for at least this much of their thread's CPU time (whole calls). */
    static final long WARMUP_NS = 1_000_000_000L;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--repeat", description = "Runs per timed call (default ${DEFAULT-VALUE}).", defaultValue = "100000")
    int repeat;

    @Option(names = "--call-budget-ms", defaultValue = "2000", description = "Our sides run fewer than --repeat"
            + " runs per call when a call would take longer than this (0: no limit; default ${DEFAULT-VALUE}).")
    long callBudgetMs;

    @Option(names = "--only", description = "Run only the bench program with this name.")
    String only;

    @Option(names = "--dir", description = "Directory of the bench objects (default ${DEFAULT-VALUE}).",
            defaultValue = "examples/bench")
    Path dir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (repeat < 1) {
            throw new IllegalArgumentException("--repeat " + repeat + ": must be at least 1");
        }
        List<BenchPrograms.Bench> benches = BenchPrograms.ALL.stream()
                .filter(b -> only == null || b.name().equals(only)).toList();
        if (benches.isEmpty()) {
            throw new IllegalArgumentException("--only " + only + ": no such bench program (have "
                    + BenchPrograms.ALL.stream().map(BenchPrograms.Bench::name).toList() + ")");
        }
        HostBpf host = null;
        String hostWhy = null;
        try {
            host = HostBpf.open();
        } catch (HostUnavailableException e) {
            hostWhy = e.getMessage();
        }
        out.printf(Locale.ROOT, "ebpf4j bench: repeat %d, best of %d calls per side; every column = BPF_PROG_TEST_RUN"
                + " duration (ours: our PROG_TEST_RUN on the interpreter and the JIT)%n", repeat, ROUNDS);
        if (hostWhy != null) {
            out.println("kernel: " + hostWhy + " (benching ours alone)");
        }
        out.printf(Locale.ROOT, "%-14s %12s %12s %12s %14s %11s %11s  %s%n", "program", "interp ns/run",
                "jit ns/run", "kernel ns/run", "interp/kernel", "jit/kernel", "interp/jit", "retval");
        int mismatches = 0;
        for (BenchPrograms.Bench b : benches) {
            Row row = bench(b, host, hostWhy);
            mismatches += row.mismatch ? 1 : 0;
            out.println(row.line);
            for (String note : row.notes) {
                out.println("    " + note);
            }
            out.flush();
        }
        return mismatches == 0 ? 0 : 2;
    }

    private record Row(String line, List<String> notes, boolean mismatch) {}

    /** One side's outcome: ns/run and the verification retval, or why it did not run. */
    private record Side(double nsPerRun, long retval, String unavailable) {
        static Side na(String why) { return new Side(Double.NaN, 0, why); }

        boolean ran() { return unavailable == null; }
    }

    private Row bench(BenchPrograms.Bench b, HostBpf host, String hostWhy) {
        Path file = dir.resolve(b.object());
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(b.name() + ": bench object " + file + " not found (run from the "
                    + "ebpf4j checkout or pass --dir)");
        }
        byte[] frame = BenchPrograms.frame(b.frameSize());
        List<String> notes = new ArrayList<>();
        Side interp = ours(file, b, frame, EngineChoice.interp, notes);
        Side jit = ours(file, b, frame, EngineChoice.jit, notes);
        Side kernel = host == null ? Side.na(hostWhy) : kernel(host, file, b, frame, notes);

        boolean mismatch = false;
        Long expect = kernel.ran() ? Long.valueOf(kernel.retval) : null;
        for (Side s : List.of(interp, jit)) {
            if (s.ran() && expect != null && (int) s.retval != (int) (long) expect) {
                mismatch = true;
            }
        }
        if (interp.ran() && jit.ran() && interp.retval != jit.retval) {
            mismatch = true;
        }
        if (mismatch) {
            notes.add("!!! RETVAL MISMATCH: interp " + retvalText(interp) + ", jit " + retvalText(jit) + ", kernel "
                    + retvalText(kernel) + " -- not timed");
            return new Row(String.format(Locale.ROOT, "%-14s %12s %12s %12s %14s %11s %11s  %s", b.name(),
                    "MISMATCH", "MISMATCH", "MISMATCH", "-", "-", "-", "mismatch"), notes, true);
        }
        long retval = kernel.ran() ? kernel.retval : interp.ran() ? interp.retval : jit.retval;
        String line = String.format(Locale.ROOT, "%-14s %12s %12s %12s %14s %11s %11s  %d", b.name(),
                ns(interp), ns(jit), ns(kernel), ratio(interp, kernel), ratio(jit, kernel), ratio(interp, jit),
                (int) retval);
        for (var s : List.of(interp, jit, kernel)) {
            if (!s.ran() && !notes.contains(s.unavailable)) {
                notes.add(s.unavailable);
            }
        }
        return new Row(line, notes, false);
    }

    /**
     * Our side on one engine, through our own BPF_PROG_LOAD and BPF_PROG_TEST_RUN: the object is
     * loaded into a fresh runtime ({@link BpfObject}), one call of one run gives the retval, then
     * warm-up calls for at least {@value #WARMUP_NS} ns of the thread's CPU time (HotSpot must compile the interpreter
     * loop or the generated class), then the best {@code duration} of {@value #ROUNDS} calls:
     * TEST_RUN's own mean over the call's runs, timed inside the call as the kernel's is.
     *
     * <p>Each call gets a fresh dummy socket as on Linux, so hash_cookie inserts once per call
     * and sk_storage creates its storage once per call, on both sides alike. A call runs
     * {@code repeat} times unless that would take longer than {@code --call-budget-ms}; then the
     * warm-up finds the largest power of two that fits and the note says so.
     */
    private Side ours(Path file, BenchPrograms.Bench b, byte[] frame, EngineChoice engine, List<String> notes) {
        try (BpfObject o = ObjectRun.open(file, engine)) {
            Program p = o.program(b.program());
            if (engine == EngineChoice.jit && o.runtime().progIds().get(p.info().id()) instanceof BpfProg bp
                    && !bp.executable().engineName().equals("jit")) {
                notes.add("jit: " + bp.executable().engineName());
            }
            long retval = p.testRun(frame, 1).retval();
            Map<MapHandle, Set<String>> before = hashKeys(o);
            long budget = callBudgetMs <= 0 ? Long.MAX_VALUE : callBudgetMs * 1_000_000L;
            int runs = 1;
            // warm-up counted on this thread's CPU clock: on a loaded machine wall time would end it
            // before C2 got far (TEST_RUN's duration is on the same clock)
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            java.util.function.LongSupplier clock = mx.isCurrentThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled()
                    ? mx::getCurrentThreadCpuTime : System::nanoTime;
            long warmUntil = clock.getAsLong() + WARMUP_NS;
            long last;
            do {
                long t0 = System.nanoTime();
                p.testRun(frame, runs);
                last = System.nanoTime() - t0;
                forgetWarmUp(o, before);
                if (runs < repeat && last < budget / 2) {
                    runs = (int) Math.min(repeat, runs * 2L);
                }
            } while (clock.getAsLong() < warmUntil || runs < repeat && last < budget / 2);
            if (runs < repeat) {
                notes.add(String.format(Locale.ROOT, "%s: %d runs per call, not %d (a call of %d would pass the %d ms"
                        + " --call-budget-ms)", engine, runs, repeat, repeat, callBudgetMs));
            }
            long best = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS; round++) {
                best = Math.min(best, Integer.toUnsignedLong(p.testRun(frame, runs).duration()));
            }
            return new Side(best, retval, null);
        } catch (RuntimeException e) {
            return Side.na(engine + ": n/a: " + Main.describe(e));
        }
    }

    /** The keys of the object's hash maps (the only bench maps whose key set a run can grow). */
    private static Map<MapHandle, Set<String>> hashKeys(BpfObject o) {
        Map<MapHandle, Set<String>> keys = new HashMap<>();
        for (MapHandle m : o.maps()) {
            if (m.spec().type() == MapType.HASH || m.spec().type() == MapType.LRU_HASH) {
                keys.put(m, m.keys().stream().map(HexFormat.of()::formatHex).collect(Collectors.toSet()));
            }
        }
        return keys;
    }

    /**
     * Deletes what a warm-up call added to hash maps: each call brings a new dummy socket, so
     * hash_cookie inserts one cookie per call, and thousands of warm-up calls would fill its
     * 4096 entries and turn every later run into a failing insert, which the kernel's side
     * (a handful of calls) never sees; C2 would also compile for that path and deoptimize when
     * the timed calls take the other. After each call, so the warm-up runs what the timed calls run.
     */
    private static void forgetWarmUp(BpfObject o, Map<MapHandle, Set<String>> before) {
        before.forEach((m, had) -> {
            for (byte[] k : m.keys()) {
                if (!had.contains(HexFormat.of().formatHex(k))) {
                    m.delete(k);
                }
            }
        });
    }

    private Side kernel(HostBpf host, Path file, BenchPrograms.Bench b, byte[] frame, List<String> notes) {
        try (HostObject obj = new HostLoader(host).load(file)) {
            TestRun.Result first = obj.testRun(b.program(), frame, null, 1);
            long best = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS; round++) {
                best = Math.min(best, Integer.toUnsignedLong(obj.testRun(b.program(), frame, null, repeat).durationNs()));
            }
            return new Side(best, first.retval(), null);
        } catch (RuntimeException e) {
            return Side.na("kernel: n/a: " + Main.describe(e));
        }
    }

    private static String retvalText(Side s) {
        return s.ran() ? Long.toString((int) s.retval) : "(" + s.unavailable + ")";
    }

    private static String ns(Side s) {
        return s.ran() ? String.format(Locale.ROOT, "%.1f", s.nsPerRun) : "n/a";
    }

    private static String ratio(Side a, Side b) {
        return a.ran() && b.ran() && b.nsPerRun > 0 ? String.format(Locale.ROOT, "%.2f", a.nsPerRun / b.nsPerRun) : "-";
    }
}
