package org.ebpf4j.scenario;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.ebpf4j.host.HostBpf;
import org.ebpf4j.host.HostUnavailableException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential test: each scenario of src/test/scenarios and examples/ runs on the model
 * ({@link ScenarioRunner}) and on this machine's kernel ({@link HostScenarioRunner}), and every
 * step the host ran must have the same outcome (the errno, or the value) on both. The kernel is
 * the reference: a difference was either fixed in the model (SockoptsHostParityTest,
 * SockoptCtxAccessTest) or is normalised below with the reason. Skipped (with the reason) unless
 * this is Linux, as root, with cgroup2 at /sys/fs/cgroup/unified and bpf(2) allowed.
 */
class HostScenarioDiffTest {
    private static final Pattern ADDR_PORT = Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+|\\[[0-9a-f:]+\\]):(\\d+)");
    private static int[] ephemeral;
    private static String hostCongestion;

    @BeforeAll
    static void hostAvailable() throws Exception {
        assumeTrue(System.getProperty("os.name", "").toLowerCase().contains("linux"), "host scenarios need Linux");
        assumeTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0, "host scenarios need root");
        assumeTrue(Files.exists(HostScenarioRunner.UNIFIED.resolve("cgroup.subtree_control")),
                "host scenarios need cgroup2 at " + HostScenarioRunner.UNIFIED);
        try {
            HostBpf.open();
        } catch (HostUnavailableException e) {
            assumeTrue(false, "bpf(2) unavailable: " + e.getMessage());
        }
        // read only: where the kernel picks ephemeral ports, and its default congestion control
        String range = proc("net/ipv4/ip_local_port_range");
        List<Integer> r = Pattern.compile("\\d+").matcher(range).results().map(x -> Integer.parseInt(x.group())).toList();
        assumeTrue(r.size() == 2, "cannot read ip_local_port_range: '" + range + "'");
        ephemeral = new int[] {Math.min(32768, r.get(0)), Math.max(60999, r.get(1))};
        hostCongestion = proc("net/ipv4/tcp_congestion_control").trim();
    }

    /** A /proc/sys file read as a stream (Files.readString trusts procfs's size of 0 and reads too little). */
    private static String proc(String name) throws java.io.IOException {
        try (var in = Files.newInputStream(Path.of("/proc/sys", name))) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    static Stream<Path> files() throws Exception {
        return Stream.concat(Files.list(Path.of("src/test/scenarios")), Files.walk(Path.of("examples")))
                .filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    @ParameterizedTest
    @MethodSource("files")
    void sameOutcomesOnModelAndHost(Path file) throws Exception {
        String text = Files.readString(file);
        Scenario sc = Scenario.parse(text, file.toString());
        Set<Integer> literalPorts = new HashSet<>();   // ports the steps name (not their expectations)
        for (Step s : sc.steps()) {
            for (String k : List.of("addr", "to")) {
                Matcher m = ADDR_PORT.matcher(s.str(k, ""));
                while (m.find()) {
                    literalPorts.add(Integer.parseInt(m.group(2)));
                }
            }
        }
        List<Outcome> model;
        try (ScenarioRunner r = new ScenarioRunner(file.toAbsolutePath().getParent())) {
            model = r.run(sc, o -> { });
        }
        List<Outcome> host;
        try (HostScenarioRunner r = new HostScenarioRunner(file.toAbsolutePath().getParent())) {
            host = r.run(sc, o -> { });
        }
        List<String> diffs = new ArrayList<>();
        int compared = 0;
        boolean ranSkipped = false;
        for (int i = 0; i < sc.steps().size(); i++) {
            Outcome h = host.get(i);
            if (h.skipped()) {
                // a skipped step that runs programs (a sysctl write's cgroup/sysctl hook, a
                // test-run) leaves run counts and maps behind the model's from then on
                ranSkipped |= Set.of("sysctl", "test-run").contains(h.step().action());
                continue;
            }
            if (ranSkipped && Set.of("runs", "map").contains(h.step().action())) {
                continue;
            }
            compared++;
            String mo = normal(model.get(i), literalPorts, false);
            String ho = normal(h, literalPorts, true);
            if (!mo.equals(ho)) {
                diffs.add(h.step().where() + " " + h.message() + ": model " + mo + ", host " + ho);
            }
        }
        assertTrue(compared > 0 || sc.steps().stream().allMatch(s -> s.action().equals("sysctl") || s.action().equals("say")),
                file + ": no step was compared");
        assertTrue(diffs.isEmpty(), file + ": the model and Linux differ:\n" + String.join("\n", diffs));
    }

    /** A step's outcome with the host's environment artefacts taken out (each with its reason). */
    private static String normal(Outcome o, Set<Integer> literalPorts, boolean host) {
        if (o.errno() != null) {
            return "errno " + o.errno();
        }
        Step s = o.step();
        Object v = o.value();
        switch (s.action()) {
            // ids, pids and cgroup ids are numbered by each kernel in its own way
            case "cgroup", "process", "prog", "link" -> {
                return v == null ? "null" : "<id>";
            }
            case "link-info" -> {
                String f = s.str("field", "cgroup_id");
                if (f.equals("id") || f.equals("cgroup_id") && !"0".equals(String.valueOf(v))) {
                    return "<id>";
                }
            }
            case "query" -> {
                // programs the machine attached above our subtree show in effective lists as "id N"
                if (host && v instanceof List<?> l) {
                    v = l.stream().filter(x -> !String.valueOf(x).startsWith("id ")).toList();
                }
            }
            case "getsockopt" -> {
                // the model's default congestion control is cubic; this machine's is its sysctl's
                if (host && String.valueOf(v).equals(hostCongestion) && s.str("opt").equalsIgnoreCase("TCP_CONGESTION")) {
                    v = "cubic";
                }
            }
            default -> { }
        }
        return "value " + ephemeralPorts(String.valueOf(v), literalPorts);
    }

    /** Ephemeral ports are random on Linux and sequential in the model: a port the scenario never names becomes a mark. */
    private static String ephemeralPorts(String text, Set<Integer> literalPorts) {
        Matcher m = ADDR_PORT.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            int p = Integer.parseInt(m.group(2));
            boolean eph = p >= ephemeral[0] && p <= ephemeral[1] && !literalPorts.contains(p);
            m.appendReplacement(b, Matcher.quoteReplacement(m.group(1) + ":" + (eph ? "<ephemeral>" : m.group(2))));
        }
        m.appendTail(b);
        return b.toString();
    }
}
