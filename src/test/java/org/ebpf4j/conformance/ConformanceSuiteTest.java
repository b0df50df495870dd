package org.ebpf4j.conformance;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ebpf4j.vm.Interpreter;
import org.junit.jupiter.api.Test;

/**
 * The bpf_conformance vectors (issue 2 "Conformance"): every vector passes on our interpreter,
 * except the known differences where Linux behaves otherwise; every deliberately wrong vector
 * under {@code negative/} is caught.
 */
class ConformanceSuiteTest {

    /** {@code $EBPF4J_CONFORMANCE_DIR}, else {@code ../shared/bpf-conformance}. */
    static Path suite() {
        String env = System.getenv("EBPF4J_CONFORMANCE_DIR");
        Path p = env != null ? Path.of(env) : Path.of("..", "shared", "bpf-conformance");
        assumeTrue(Files.isDirectory(p.resolve("tests")),
                "conformance vectors not found at " + p.toAbsolutePath()
                        + ": get them from github.com/Alan-Jowett/bpf_conformance and set EBPF4J_CONFORMANCE_DIR");
        return p;
    }

    @Test
    void everyVectorPassesOnTheInterpreter() {
        Path root = suite();
        List<Outcome> outcomes = new ConformanceRunner(Interpreter::new, KnownDifferences.bundled()).runAll(root);
        List<String> failed = outcomes.stream().filter(o -> o instanceof Outcome.Fail).map(Outcome::line).toList();
        assertEquals(List.of(), failed);
        long passed = outcomes.stream().filter(o -> o instanceof Outcome.Pass).count();
        assertTrue(passed >= 300, "only " + passed + " vectors passed");
        long negatives = outcomes.stream()
                .filter(o -> o.file().startsWith("negative/") && o instanceof Outcome.Pass).count();
        assertEquals(ConformanceRunner.vectors(root.resolve("negative")).size(), negatives,
                "every negative vector must be caught");
    }

    @Test
    void everyKnownDifferenceNamesAnExistingVector() {
        Path root = suite();
        for (String file : KnownDifferences.bundled().all().keySet()) {
            assertTrue(Files.isRegularFile(root.resolve(file)), "known-differences.txt names missing " + file);
        }
    }

    @Test
    void aWrongResultIsAFailureNotAPass() {
        Path root = suite();
        // a copy of a real vector with its result changed must fail: the runner can fail
        Path tmp = root.resolve("tests/add.data");
        DataFile good = DataFile.parse(tmp, "-- asm\nmov32 %r0, 3\nexit\n-- result\n0x3\n");
        DataFile bad = DataFile.parse(tmp, "-- asm\nmov32 %r0, 3\nexit\n-- result\n0x4\n");
        try (var arena = new org.ebpf4j.memory.Arena(1 << 20)) {
            var engine = new Interpreter(arena, org.ebpf4j.vm.helper.HelperTable.base());
            var runner = new ConformanceRunner(Interpreter::new, KnownDifferences.none());
            assertInstanceOf(Outcome.Pass.class, runner.runParsed("x.data", false, good, arena, engine));
            assertInstanceOf(Outcome.Fail.class, runner.runParsed("x.data", false, bad, arena, engine));
        }
    }
}
