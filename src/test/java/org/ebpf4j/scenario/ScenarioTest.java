package org.ebpf4j.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.ebpf4j.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** The scenario format: the examples and test scenarios pass, failures are counted, bad files are named. */
class ScenarioTest {
    static Stream<Path> files() throws Exception {
        return Stream.concat(Files.walk(Path.of("examples")), Files.list(Path.of("src/test/scenarios")))
                .filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    private static String[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyScenarioPasses(Path file) {
        String[] r = cli("scenario", file.toString());
        String last = r[1].strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.matches("\\d+ passed, 0 failed"), file + ":\n" + r[1] + r[2]);
        assertEquals("0", r[0]);
    }

    @Test
    void failedExpectationsAreCountedAndJsonShowsActualOutcomes() throws Exception {
        Path f = Files.createTempFile("sc", ".yaml");
        Files.writeString(f, """
                name: wrong on purpose
                steps:
                  - process: p
                  - socket: s
                    process: p
                  - bind: s
                    addr: 127.0.0.1:7
                    expect: {errno: EADDRINUSE}
                  - getsockname: s
                    expect: {value: "127.0.0.1:7"}
                """);
        String[] r = cli("scenario", f.toString());
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("3 passed, 1 failed"), r[1]);
        assertTrue(r[1].contains("expected EADDRINUSE, got success"), r[1]);
        String[] j = cli("scenario", "--json", f.toString());
        List<JsonNode> lines = j[1].lines().map(l -> {
            try {
                return new ObjectMapper().readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertEquals(4, lines.size());
        assertFalse(lines.get(2).get("passed").asBoolean());
        assertEquals("127.0.0.1:7", lines.get(3).get("value").asText());
        assertEquals(9, lines.get(3).get("line").asInt());   // "  - getsockname: s" is the 9th line
        Files.delete(f);
    }

    @Test
    void badFilesNameTheStepAndLine() {
        ScenarioException e = assertThrows(ScenarioException.class, () -> run("""
                steps:
                  - process: p
                  - sned: s
                """));
        assertEquals("step 2 (line 3): unknown action 'sned' (see docs/scenarios.md)", e.getMessage());
        e = assertThrows(ScenarioException.class, () -> run("""
                steps:
                  - socket: s
                    process: nobody
                """));
        assertEquals("step 1 (line 2): no process named 'nobody'", e.getMessage());
        e = assertThrows(ScenarioException.class, () -> run("""
                steps:
                  - prog: x
                    attach_type: xdp
                    asm: "exit"
                """));
        assertTrue(e.getMessage().startsWith("step 1 (line 2): attach_type 'xdp' is not a cgroup attach type"), e.getMessage());
        String twoProgs = """
                steps:
                  - cgroup: /a
                  - prog: x
                    attach_type: cgroup_getsockopt
                    asm: "mov %r0, 1\\nexit"
                  - prog: y
                    attach_type: cgroup_getsockopt
                    asm: "mov %r0, 1\\nexit"
                """;
        e = assertThrows(ScenarioException.class, () -> run(twoProgs + """
                  - attach: y
                    cgroup: /a
                    before: x
                    after: x
                """));
        assertTrue(e.getMessage().startsWith("step 4 (line 9): 'before:' and 'after:' both name an anchor"), e.getMessage());
        e = assertThrows(ScenarioException.class, () -> run(twoProgs + """
                  - attach: y
                    cgroup: /a
                    after: x
                    anchor_by: name
                """));
        assertEquals("step 4 (line 9): anchor_by 'name' (fd, id)", e.getMessage());
        e = assertThrows(ScenarioException.class, () -> run(twoProgs + """
                  - query: /a
                    attach_type: cgroup_getsockopt
                    field: progz
                """));
        assertTrue(e.getMessage().startsWith("step 4 (line 9): query field 'progz'"), e.getMessage());
        e = assertThrows(ScenarioException.class, () -> run("stepz: []"));
        assertTrue(e.getMessage().contains("unknown top-level key 'stepz'"), e.getMessage());
        String[] r = cli("scenario", "/nonexistent.yaml");
        assertEquals("1", r[0]);
        assertEquals("ebpf4j scenario: /nonexistent.yaml: no such file", r[2].strip());
    }

    private static List<Outcome> run(String yaml) {
        try (ScenarioRunner r = new ScenarioRunner()) {
            return r.run(Scenario.parse(yaml, "test"), o -> { });
        }
    }
}
