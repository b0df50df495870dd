package org.ebpf4j.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks a step's {@code expect:} against what happened. Keys: {@code errno} (the name the step
 * must fail with, or {@code none}), {@code value} (scalar, or a list compared element-wise as
 * text), {@code count} (a number; for list results, their length). Without {@code expect:} a
 * step passes when it did not fail.
 */
final class Expect {
    private Expect() {}

    static Outcome judge(Step s, String msg, Object value, String errno) {
        JsonNode e = s.body().get("expect");
        if (e == null) {
            return new Outcome(s, errno == null, value, errno, msg, errno == null ? null : "unexpected " + errno);
        }
        if (!e.isObject()) {
            throw new ScenarioException(s.where() + ": 'expect:' must be a mapping (errno, value, count)");
        }
        List<String> wrong = new ArrayList<>();
        JsonNode want = e.get("errno");
        String wantErrno = want == null || want.asText().equals("none") ? null : want.asText();
        if (!Objects.equals(wantErrno, errno)) {
            wrong.add("expected " + (wantErrno == null ? "success" : wantErrno) + ", got " + (errno == null ? "success" : errno));
        }
        JsonNode v = e.get("value");
        if (v != null && !same(v, value)) {
            wrong.add("expected value " + text(v) + ", got " + value);
        }
        JsonNode c = e.get("count");
        if (c != null) {
            long got = value instanceof List<?> l ? l.size() : value instanceof Number n ? n.longValue() : -1;
            if (!c.canConvertToLong()) {
                throw new ScenarioException(s.where() + ": 'count' must be a number");
            }
            if (got != c.asLong()) {
                wrong.add("expected count " + c.asLong() + ", got " + (got < 0 ? value : got));
            }
        }
        for (var it = e.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("errno") && !k.equals("value") && !k.equals("count")) {
                throw new ScenarioException(s.where() + ": unknown expect key '" + k + "' (errno, value, count)");
            }
        }
        return new Outcome(s, wrong.isEmpty(), value, errno, msg, wrong.isEmpty() ? null : String.join("; ", wrong));
    }

    private static boolean same(JsonNode want, Object got) {
        if (want.isArray()) {
            if (!(got instanceof List<?> l) || l.size() != want.size()) {
                return false;
            }
            for (int i = 0; i < l.size(); i++) {
                if (!want.get(i).asText().equals(String.valueOf(l.get(i)))) {
                    return false;
                }
            }
            return true;
        }
        return got != null && want.asText().equals(String.valueOf(got));
    }

    private static String text(JsonNode n) { return n.isArray() ? n.toString() : n.asText(); }
}
