package org.ebpf4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.ebpf4j.scenario.HostScenarioRunner;
import org.ebpf4j.scenario.Outcome;
import org.ebpf4j.scenario.Scenario;
import org.ebpf4j.scenario.ScenarioException;
import org.ebpf4j.scenario.ScenarioRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ebpf4j scenario FILE.yaml [--json]}: runs a scenario (docs/scenarios.md) on the embedded
 * runtime (with {@code --host}: on this machine's kernel, {@link HostScenarioRunner}), one line per
 * step and {@code N passed, M failed}; exit 0 only if all passed.
 */
@Command(name = "scenario", description = "Run a scenario file (docs/scenarios.md) on the embedded runtime.")
final class ScenarioCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.yaml")
    Path file;

    @Option(names = "--json", description = "print each step's actual outcome as one JSON object per line")
    boolean json;

    @Option(names = "--host", description = "run on this machine's kernel (root, cgroup2 at /sys/fs/cgroup/unified): "
            + "a private cgroup subtree, agent processes, bpf(2); steps that would touch the machine are skipped")
    boolean host;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Scenario sc;
        try (Reader r = Files.newBufferedReader(file)) {
            sc = Scenario.parse(r, file.toString());
        } catch (NoSuchFileException e) {
            throw new ScenarioException(file + ": no such file");
        }
        ObjectMapper m = new ObjectMapper();
        if (!json) {
            out.println("scenario: " + sc.name());
        }
        List<Outcome> all;
        Path dir = file.toAbsolutePath().getParent();
        try (AutoCloseable runner = host ? new HostScenarioRunner(dir) : new ScenarioRunner(dir)) {
            java.util.function.Consumer<Outcome> sink = o -> {
                if (json) {
                    ObjectNode n = m.createObjectNode();
                    n.put("step", o.step().index());
                    n.put("line", o.step().line());
                    n.put("action", o.step().action());
                    n.put("passed", o.passed());
                    if (o.skipped()) {
                        n.put("skipped", o.why());
                    }
                    n.set("value", m.valueToTree(o.value()));
                    n.put("errno", o.errno());
                    n.put("message", o.message());
                    out.println(n);
                } else {
                    out.println(o.line());
                }
                out.flush();
            };
            all = runner instanceof HostScenarioRunner h ? h.run(sc, sink) : ((ScenarioRunner) runner).run(sc, sink);
        }
        long passed = all.stream().filter(Outcome::passed).count();
        long skipped = all.stream().filter(Outcome::skipped).count();
        if (!json) {
            out.println((passed - skipped) + " passed, " + (all.size() - passed) + " failed" + (skipped == 0 ? "" : ", " + skipped + " skipped"));
        }
        out.flush();
        return passed == all.size() ? 0 : 1;
    }
}
