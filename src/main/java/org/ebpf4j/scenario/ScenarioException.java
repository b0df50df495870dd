package org.ebpf4j.scenario;

/** A scenario file that cannot run: the message names the step, its line and what is wrong. */
public final class ScenarioException extends RuntimeException {
    public ScenarioException(String message) { super(message); }
}
