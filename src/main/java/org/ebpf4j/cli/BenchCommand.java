package org.ebpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.elf.ObjectSpec;
import org.ebpf4j.host.HostBpf;
import org.ebpf4j.host.HostLoader;
import org.ebpf4j.host.HostObject;
import org.ebpf4j.host.HostUnavailableException;
import org.ebpf4j.host.TestRun;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.jit.JitCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ebpf4j bench}: each bench program on our interpreter, our JIT and this machine's kernel
 * (BPF_PROG_TEST_RUN under its JIT) in one run, ns per run and the ratios (issue 8). Before
 * timing, each program runs once on every side and the return values must agree; a mismatch is
 * printed loudly and the program is not timed.
 *
 * <p>Kernel figures are TEST_RUN's {@code duration} (its own average over {@code repeat} runs);
 * ours are wall-clock over {@code repeat} runs of one call, after warm-up calls filling at least
 * one second (C2 must have compiled the interpreter loop or the generated class). Each side takes
 * the best of {@value #ROUNDS} calls, so a noisy neighbour on a shared machine costs less.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Times the bench programs on the interpreter, the JIT and the host kernel's JIT.")
public final class BenchCommand implements Callable<Integer> {
    static final int ROUNDS = 3;
    /** Our sides warm up for at least this long (whole calls of {@code repeat} runs). */
    static final long WARMUP_NS = 1_000_000_000L;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--repeat", description = "Runs per timed call (default ${DEFAULT-VALUE}).", defaultValue = "100000")
    int repeat;

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
        out.printf(Locale.ROOT, "ebpf4j bench: repeat %d, best of %d calls per side; kernel = BPF_PROG_TEST_RUN duration%n",
                repeat, ROUNDS);
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
        ObjectSpec objSpec = ObjectReader.read(file);
        byte[] frame = BenchPrograms.frame(b.frameSize());
        List<String> notes = new ArrayList<>();
        Side interp = ours(objSpec, b, frame, false, notes);
        Side jit = ours(objSpec, b, frame, true, notes);
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

    private Side ours(ObjectSpec objSpec, BenchPrograms.Bench b, byte[] frame, boolean useJit, List<String> notes) {
        List<MapType> missing = BenchLocal.missingMapTypes(objSpec, b.program());
        if (!missing.isEmpty()) {
            return Side.na("n/a: needs " + String.join(", ", missing.stream().map(Enum::name).toList()));
        }
        try (BenchLocal local = new BenchLocal(useJit ? JitCompiler::new : Interpreter::new)) {
            Executable exe = local.load(objSpec, b.program());
            if (useJit && !exe.engineName().equals("jit")) {
                notes.add("jit: " + exe.engineName());
            }
            long ctx = local.packet(frame);
            local.newCall();
            long retval = exe.run(ctx);
            // warm-up: HotSpot must compile the interpreter loop / the generated class first,
            // each call on a new socket as a kernel TEST_RUN call, so that the first-run paths
            // (hash_cookie's insert of a new key) are compiled too; the hash maps are emptied
            // now and then and at the end (see BenchLocal.clearHashMaps)
            long warmUntil = System.nanoTime() + WARMUP_NS;
            int calls = 0;
            do {
                local.newCall();
                timedCall(exe, ctx, repeat);
                if (++calls % 1024 == 0) {
                    local.clearHashMaps();
                }
            } while (System.nanoTime() < warmUntil);
            local.clearHashMaps();
            long best = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS; round++) {
                local.newCall();
                best = Math.min(best, timedCall(exe, ctx, repeat));
            }
            return new Side((double) best / repeat, retval, null);
        } catch (RuntimeException e) {
            return Side.na((useJit ? "jit" : "interp") + ": n/a: " + Main.describe(e));
        }
    }

    private static long timedCall(Executable exe, long ctx, int n) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            exe.run(ctx);
        }
        return System.nanoTime() - t0;
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
