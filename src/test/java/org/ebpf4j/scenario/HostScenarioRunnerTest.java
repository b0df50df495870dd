package org.ebpf4j.scenario;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ebpf4j.host.HostBpf;
import org.ebpf4j.host.HostUnavailableException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The host runner's own rules: its private subtree (and nothing else) holds the scenario's
 * cgroups and goes at close with its agents, stale subtrees of dead runs are swept, a path
 * cannot leave the subtree, ports below 20000 are shifted and shown as the scenario's own,
 * non-loopback addresses and sysctl writes are skipped. Skipped unless root on Linux with
 * cgroup2 at /sys/fs/cgroup/unified and bpf(2).
 */
class HostScenarioRunnerTest {
    @BeforeAll
    static void hostAvailable() throws Exception {
        assumeTrue(System.getProperty("os.name", "").toLowerCase().contains("linux"), "needs Linux");
        assumeTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0, "needs root");
        assumeTrue(Files.exists(HostScenarioRunner.UNIFIED.resolve("cgroup.subtree_control")), "needs cgroup2");
        try {
            HostBpf.open();
        } catch (HostUnavailableException e) {
            assumeTrue(false, "bpf(2) unavailable: " + e.getMessage());
        }
    }

    private static List<Outcome> run(HostScenarioRunner r, String yaml) {
        return r.run(Scenario.parse(yaml, "test"), o -> { });
    }

    @Test
    void subtreeAgentsAndPinsGoAtClose() throws Exception {
        Path root;
        ProcessHandle agent;
        try (HostScenarioRunner r = new HostScenarioRunner(Path.of("."))) {
            root = r.root;
            assertTrue(root.getFileName().toString().matches("ebpf4j-\\d+-\\d+"), root.toString());
            assertEquals(HostScenarioRunner.UNIFIED, root.getParent());
            List<Outcome> o = run(r, """
                    steps:
                      - cgroup: /a/b
                      - process: p
                        cgroup: /a/b
                      - prog: allow
                        attach_type: cgroup_inet_egress
                        asm: "mov %r0, 1\\nexit"
                      - link: l
                        prog: allow
                        cgroup: /a
                      - pin: l
                        path: /sys/fs/bpf/l
                    """);
            assertTrue(o.stream().allMatch(x -> x.passed() && !x.skipped()), o.toString());
            long pid = ((Number) o.get(1).value()).longValue();
            assertEquals(String.valueOf(pid), Files.readString(root.resolve("a/b/cgroup.procs")).strip(), "the agent is in /a/b");
            agent = ProcessHandle.of(pid).orElseThrow();
            assertTrue(Files.exists(Path.of("/sys/fs/bpf", root.getFileName().toString(), "l")));
        }
        assertFalse(Files.exists(root), "subtree removed");
        assertFalse(Files.exists(Path.of("/sys/fs/bpf", root.getFileName().toString())), "pins removed");
        assertFalse(agent.isAlive(), "agent ended");
    }

    @Test
    void cliRunsOnTheHostAndCountsSkippedSteps() {
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cl = org.ebpf4j.cli.Main.commandLine();
        cl.setOut(new java.io.PrintWriter(out));
        int rc = cl.execute("scenario", "--host", "examples/seed1-cgroup-storage/shared_storage.yaml");
        String last = out.toString().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.matches("\\d+ passed, 0 failed, 3 skipped"), out.toString());
        assertTrue(out.toString().contains(" skip trace"), out.toString());
        assertEquals(0, rc);
    }

    @Test
    void staleSubtreeOfADeadRunIsSwept() throws Exception {
        Path stale = HostScenarioRunner.UNIFIED.resolve("ebpf4j-4194305-0");   // above pid_max: never alive
        Files.createDirectories(stale.resolve("x"));
        try (HostScenarioRunner r = new HostScenarioRunner(Path.of("."))) {
            assertFalse(Files.exists(stale));
        } finally {
            if (Files.exists(stale.resolve("x"))) {
                Files.delete(stale.resolve("x"));
            }
            Files.deleteIfExists(stale);
        }
    }

    @Test
    void safetyRules() {
        try (HostScenarioRunner r = new HostScenarioRunner(Path.of("."))) {
            assertThrows(ScenarioException.class, () -> run(r, "steps:\n  - cgroup: /../../escape\n"));
            List<Outcome> o = run(r, """
                    steps:
                      - process: p
                      - socket: u
                        process: p
                      - bind: u
                        addr: 127.0.0.1:9
                      - send: u
                        to: 10.0.0.1:20000
                        data: x
                      - sysctl: net/core/somaxconn
                        process: p
                        write: "1"
                      - getsockname: u
                    """);
            assertEquals("127.0.0.1:9", o.get(2).value(), "shifted on the host, shown as the scenario's");
            assertTrue(o.get(3).skipped(), "non-loopback destination");
            assertTrue(o.get(4).skipped(), "sysctl write");
            assertEquals("127.0.0.1:9", o.get(5).value());
        }
    }

    /**
     * iter_sk_storage.yaml (spec-local-storage §4.5 LS-SK4) on the host: its iterator objects load
     * (attach_btf_id of iter/bpf_sk_storage_map, iter/bpf_map, iter/task from vmlinux) and its map
     * iterators run through BPF_LINK_CREATE + BPF_ITER_CREATE + read with the kernel's output.
     */
    @Test
    void iterSkStorageScenarioLoadsAndIteratesOnTheHost() throws Exception {
        Path file = Path.of("src/test/scenarios/iter_sk_storage.yaml");
        Scenario sc = Scenario.parse(Files.readString(file), file.toString());
        List<Outcome> o;
        try (HostScenarioRunner r = new HostScenarioRunner(file.toAbsolutePath().getParent())) {
            o = r.run(sc, x -> { });
        }
        List<Outcome> loads = o.stream().filter(x -> x.step().action().equals("load")).toList();
        assertEquals(2, loads.size());
        assertTrue(loads.stream().allMatch(x -> x.passed() && !x.skipped()), loads.toString());
        List<Outcome> iters = o.stream().filter(x -> x.step().action().equals("iter") && !x.skipped()).toList();
        assertTrue(iters.size() >= 5, "map iterators ran on the host: " + iters);
        assertEquals(List.of("0 7", "1 7", "2 7", "stop 2"), iters.get(0).value(), iters.get(0).toString());
        assertTrue(iters.stream().anyMatch(x -> "EACCES".equals(x.errno())), "oob_write refused at link_create: " + iters);
        assertTrue(iters.stream().allMatch(Outcome::passed), iters.toString());
        assertTrue(o.stream().filter(x -> x.step().action().equals("iter") && x.skipped())
                .allMatch(x -> x.step().str("map", null) == null || x.step().str("process", null) != null), o.toString());
    }
}
