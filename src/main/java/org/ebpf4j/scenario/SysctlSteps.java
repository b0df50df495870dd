package org.ebpf4j.scenario;

/** {@code sysctl:} steps (filled in with the sysctl tree). */
final class SysctlSteps {
    private final World w;

    SysctlSteps(World w) { this.w = w; }

    Object sysctl(Step s, String[] msg) {
        throw new ScenarioException(s.where() + ": sysctl is not modelled yet");
    }
}
