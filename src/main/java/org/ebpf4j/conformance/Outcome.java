package org.ebpf4j.conformance;

/** What running one vector came to. */
public sealed interface Outcome {
    String file();

    String detail();

    record Pass(String file, String detail) implements Outcome {}

    record Fail(String file, String detail) implements Outcome {}

    /** Not run: a known difference where Linux behaves otherwise than the vector expects. */
    record Skip(String file, String detail) implements Outcome {}

    default String line() {
        String tag = switch (this) {
            case Pass p -> "PASS";
            case Fail f -> "FAIL";
            case Skip s -> "SKIP";
        };
        return tag + " " + file() + (detail().isEmpty() ? "" : ": " + detail());
    }
}
