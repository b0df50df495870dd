package org.ebpf4j.scenario;

import java.nio.charset.StandardCharsets;
import org.ebpf4j.host.HostIter;

/**
 * The {@code iter:} step of {@link HostScenarioRunner}: the scenario's iterator program run on
 * the host as bpftool's {@code iter pin} + {@code cat} would (BPF_LINK_CREATE with iter_info,
 * BPF_ITER_CREATE, read until 0; see {@link HostIter}), by this JVM. Only what has the same
 * meaning on any machine runs: map element iterators ({@code map:}, the run's own maps). Task
 * and cgroup iterators, iterators without a map (they would walk the whole machine) and reads by
 * another scenario process are skipped with the reason.
 */
final class HostIterSteps {
    private final HostProgSteps progs;
    private final HostIter iter;

    HostIterSteps(HostScenarioRunner r, HostProgSteps progs) {
        this.progs = progs;
        this.iter = new HostIter(r.bpf, r.libc);
    }

    Object iter(Step s, String[] msg) {
        String map = s.str("map", null);
        msg[0] = "iter " + s.name() + (map == null ? "" : " map " + map);
        if (map == null || s.str("cgroup", null) != null || s.str("task", null) != null
                || s.str("order", null) != null) {
            throw new HostScenarioRunner.Skip("only map element iterators run on the host (others would walk the machine's "
                    + "tasks or cgroups)");
        }
        if (s.str("process", null) != null) {
            throw new HostScenarioRunner.Skip("iterators read by another scenario process are not run on the host");
        }
        int progFd = progs.progFd(s, s.name());
        int mapFd = progs.mapSteps.mapRef(s, map).fd();
        return new String(iter.readAll(progFd, mapFd), StandardCharsets.ISO_8859_1).lines().toList();
    }
}
