package org.ebpf4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.ebpf4j.conformance.ConformanceRunner;
import org.ebpf4j.conformance.KnownDifferences;
import org.ebpf4j.conformance.Outcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ebpf4j conformance DIR}: runs every bpf_conformance vector under DIR. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Run every *.data ISA conformance vector under DIR (subfolders included).")
final class ConformanceCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "e.g. ../shared/bpf-conformance")
    Path dir;

    @Option(names = "--engine", defaultValue = "interp", description = "Engine: ${COMPLETION-CANDIDATES}")
    EngineChoice engine;

    @Option(names = "--quiet", description = "Print only failures and the closing line.")
    boolean quiet;

    @Override
    public Integer call() {
        if (!Files.isDirectory(dir)) {
            System.err.println("ebpf4j conformance: " + dir + " is not a directory"
                    + " (the vectors come from github.com/Alan-Jowett/bpf_conformance)");
            return 2;
        }
        List<Outcome> outcomes = new ConformanceRunner(engine.factory(), KnownDifferences.bundled()).runAll(dir);
        int passed = 0, failed = 0, skipped = 0;
        for (Outcome o : outcomes) {
            switch (o) {
                case Outcome.Pass p -> passed++;
                case Outcome.Fail f -> failed++;
                case Outcome.Skip s -> skipped++;
            }
            if (!quiet || o instanceof Outcome.Fail) {
                System.out.println(o.line());
            }
        }
        System.out.println(passed + " passed, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : ""));
        return failed == 0 ? 0 : 1;
    }
}
