package org.ebpf4j.scenario;

/**
 * What a step did: the value it produced (or null), the errno name it failed with (or null) and
 * whether its {@code expect:} held (a step without one passes when it did not fail).
 */
public record Outcome(Step step, boolean passed, Object value, String errno, String message, String why, boolean skipped) {
    public Outcome(Step step, boolean passed, Object value, String errno, String message, String why) {
        this(step, passed, value, errno, message, why, false);
    }

    /** A step a backend cannot run (the host runner: sysctl writes, trace, ...): passes, with the reason. */
    public static Outcome skipped(Step step, String message, String why) {
        return new Outcome(step, true, null, null, message, why, true);
    }

    /** The line printed for the step. */
    public String line() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%3d %-4s %s", step.index(), skipped ? "skip" : passed ? "ok" : "FAIL", message));
        if (skipped) {
            return b.append("  (").append(why).append(')').toString();
        }
        if (errno != null) {
            b.append(" -> ").append(errno);
        } else if (value != null) {
            b.append(" -> ").append(value);
        }
        if (!passed && why != null) {
            b.append("  (").append(why).append(')');
        }
        return b.toString();
    }
}
