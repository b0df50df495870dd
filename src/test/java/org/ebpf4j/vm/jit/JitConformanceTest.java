package org.ebpf4j.vm.jit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ebpf4j.conformance.ConformanceRunner;
import org.ebpf4j.conformance.KnownDifferences;
import org.ebpf4j.conformance.Outcome;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, differential proof (1): every bpf_conformance vector on the JIT, with the same known
 * differences as the interpreter; the deliberately wrong vectors under {@code negative/} are caught.
 */
class JitConformanceTest {

    static Path suite() {
        String env = System.getenv("EBPF4J_CONFORMANCE_DIR");
        Path p = env != null ? Path.of(env) : Path.of("..", "shared", "bpf-conformance");
        assumeTrue(Files.isDirectory(p.resolve("tests")), "conformance vectors not found at " + p.toAbsolutePath());
        return p;
    }

    @Test
    void everyVectorPassesOnTheJit() {
        Path root = suite();
        List<Outcome> outcomes = new ConformanceRunner(JitCompiler::new, KnownDifferences.bundled()).runAll(root);
        List<String> failed = outcomes.stream().filter(o -> o instanceof Outcome.Fail).map(Outcome::line).toList();
        assertEquals(List.of(), failed);
        long passed = outcomes.stream().filter(o -> o instanceof Outcome.Pass).count();
        assertTrue(passed >= 300, "only " + passed + " vectors passed");
        long negatives = outcomes.stream()
                .filter(o -> o.file().startsWith("negative/") && o instanceof Outcome.Pass).count();
        assertEquals(ConformanceRunner.vectors(root.resolve("negative")).size(), negatives);
    }

    @Test
    void everyVectorIsCompiledNotInterpreted() {
        // A fallback would pass the vectors above without testing the compiler: run the same
        // vectors split into tiny regions too, and require that none fell back.
        Path root = suite();
        List<Outcome> outcomes = new ConformanceRunner(
                (arena, helpers, options) -> new FallbackCheckingEngine(
                        new JitCompiler(arena, helpers, options, 2, 40)),
                KnownDifferences.bundled()).runAll(root);
        List<String> failed = outcomes.stream().filter(o -> o instanceof Outcome.Fail).map(Outcome::line).toList();
        assertEquals(List.of(), failed);
    }

    /** Fails the load (as a verifier complaint would not) if the JIT fell back to the interpreter. */
    private record FallbackCheckingEngine(JitCompiler jit) implements org.ebpf4j.vm.Engine {
        @Override
        public org.ebpf4j.vm.Executable load(org.ebpf4j.vm.ProgramImage image) {
            org.ebpf4j.vm.Executable e = jit.load(image);
            if (!e.engineName().equals("jit")) {
                throw new AssertionError(image.name() + ": " + e.engineName());
            }
            return e;
        }
    }
}
