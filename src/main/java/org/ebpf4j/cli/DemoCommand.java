package org.ebpf4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.Program;
import org.ebpf4j.kernel.prog.TestRunResult;
import org.ebpf4j.uapi.BpfException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ebpf4j demo}: the README's main job. Runs {@code examples/sieve/sieve.bpf.o} (an XDP
 * prime sieve; 502 primes below 3584) on the embedded runtime through the api, prints its result
 * and the time per run after warm-up, then loads and runs once every other example under
 * {@code examples/}, then runs every scenario file there (the seed examples, docs/scenarios.md);
 * exit 1 if one of them has a failed step.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run examples/sieve (result and ns per run), then the other examples under examples/.")
final class DemoCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--examples", defaultValue = "examples", description = "examples directory (default ${DEFAULT-VALUE})")
    Path examples;

    @Option(names = "--seconds", defaultValue = "2", description = "time spent measuring the sieve, after as long again of warm-up (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--engine", defaultValue = "jit", description = "Engine: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    EngineChoice engine;

    /** Runs the program in TEST_RUN batches of 50 until {@code budgetNs} has passed; returns the runs made. */
    private static long batches(Program p, byte[] frame, long budgetNs) {
        long end = System.nanoTime() + budgetNs;
        long n = 0;
        do {
            p.testRun(frame, 50);
            n += 50;
        } while (System.nanoTime() < end);
        return n;
    }

    private java.io.PrintWriter out() { return spec.commandLine().getOut(); }

    @Override
    public Integer call() throws IOException {
        Path sieve = examples.resolve("sieve/sieve.bpf.o");
        if (!Files.isRegularFile(sieve)) {
            spec.commandLine().getErr().println("ebpf4j demo: " + sieve + " not found (run from the repository root, or pass --examples DIR)");
            return 2;
        }
        try (BpfObject o = ObjectRun.open(sieve, engine)) {
            Program p = o.program("sieve");
            byte[] frame = new byte[64];
            long budget = (long) (seconds * 1e9);
            long warm = batches(p, frame, budget);                     // warm-up: let the JVM compile the engine
            long start = System.nanoTime();
            long runs = batches(p, frame, budget);
            long ns = (System.nanoTime() - start) / Math.max(1, runs);
            TestRunResult r = p.testRun(frame, 1);
            out().printf("sieve (examples/sieve/sieve.bpf.o, XDP, %s): %d primes below 3584%n", engine, r.retvalUnsigned());
            out().printf("  %d ns per run (%d runs measured after %d warm-up runs; Linux 6.18's JIT: about 13.6 us)%n",
                    ns, runs, warm);
        }
        List<Path> others;
        try (Stream<Path> s = Files.walk(examples)) {
            others = s.filter(x -> x.toString().endsWith(".bpf.o") && !x.equals(sieve)).sorted().toList();
        }
        for (Path obj : others) {
            try (BpfObject o = ObjectRun.open(obj, engine)) {
                for (Program p : o.programs()) {
                    try {
                        TestRunResult r = p.testRun(ObjectRun.attr(p, null, null, 1));
                        out().printf("%s %s (%s): retval %d%n", examples.relativize(obj), p.name(), p.spec().progType(),
                                r.retvalUnsigned());
                    } catch (BpfException e) {
                        // e.g. tp_btf: Linux has no BPF_PROG_TEST_RUN for it either (ENOTSUPP); such
                        // programs run below on the events they attach to
                        out().printf("%s %s (%s): no test run (%s): it runs on its event below%n",
                                examples.relativize(obj), p.name(), p.spec().progType(), e.errno().name());
                    }
                }
            } catch (BpfException e) {
                out().printf("%s: not loaded: %s%n", examples.relativize(obj), e.getMessage());
            }
        }
        Path seed4 = examples.resolve("seed4-cgrp-storage/cgrp_storage.bpf.o");
        if (Files.isRegularFile(seed4)) {   // tp_btf has no test_run: the seed 4 scenario runs it on modelled syscalls
            java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
            boolean ok = org.ebpf4j.examples.Seed4CgrpStorage.run(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8), seed4);
            out().print(buf.toString(java.nio.charset.StandardCharsets.UTF_8));
            out().println("seed4 cgrp_storage: " + (ok ? "counts as expected" : "COUNTS DIFFER"));
        }
        int failed = runScenarios();
        out().println();
        out().println("seed 5 (examples/seed5-inner-map-swap): replacing an inner map while a program reads it");
        out().flush();
        try {
            java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
            org.ebpf4j.examples.InnerMapSwap.Result r = org.ebpf4j.examples.InnerMapSwap.run(new java.io.PrintStream(buf, true,
                    java.nio.charset.StandardCharsets.UTF_8));
            out().print(buf.toString(java.nio.charset.StandardCharsets.UTF_8));
            if (!r.quiet()) {
                failed++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed++;
        }
        out().flush();
        return failed == 0 ? 0 : 1;
    }

    /**
     * Runs every scenario under {@code examples/} (the seed examples: what ran, in what order,
     * what it counted), printing each step's line; returns how many scenarios had a failed step.
     */
    private int runScenarios() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(examples)) {
            files = s.filter(x -> x.toString().endsWith(".yaml")).sorted().toList();
        }
        int failed = 0;
        for (Path f : files) {
            out().println();
            org.ebpf4j.scenario.Scenario sc;
            try (java.io.Reader r = Files.newBufferedReader(f)) {
                sc = org.ebpf4j.scenario.Scenario.parse(r, f.toString());
            }
            out().println("scenario " + examples.relativize(f) + ": " + sc.name());
            try (org.ebpf4j.scenario.ScenarioRunner runner = new org.ebpf4j.scenario.ScenarioRunner(f.toAbsolutePath().getParent())) {
                List<org.ebpf4j.scenario.Outcome> all = runner.run(sc, o -> out().println(o.line()));
                long ok = all.stream().filter(org.ebpf4j.scenario.Outcome::passed).count();
                out().println(ok + " passed, " + (all.size() - ok) + " failed");
                if (ok != all.size()) {
                    failed++;
                }
            } catch (org.ebpf4j.scenario.ScenarioException e) {
                out().println("  stopped: " + e.getMessage());
                failed++;
            }
        }
        return failed;
    }
}
