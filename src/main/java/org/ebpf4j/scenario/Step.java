package org.ebpf4j.scenario;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One step of a scenario: its 1-based position, the line it starts on, the action (the step's
 * first key) with its argument, and the whole mapping (other keys, {@code expect}).
 */
public record Step(int index, int line, String action, JsonNode arg, JsonNode body) {
    /** "step 4 (line 17)" for messages. */
    public String where() { return "step " + index + " (line " + line + ")"; }

    /** A required string field; a clear error if absent. */
    public String str(String key) {
        JsonNode n = body.get(key);
        if (n == null || n.isNull() || n.isContainerNode()) {
            throw new ScenarioException(where() + ": '" + action + "' needs '" + key + ":'");
        }
        return n.asText();
    }

    /** An optional string field. */
    public String str(String key, String dflt) {
        JsonNode n = body.get(key);
        return n == null || n.isNull() ? dflt : n.asText();
    }

    /** An optional integer field; a clear error if not a number. */
    public int integer(String key, int dflt) {
        JsonNode n = body.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToInt()) {
            throw new ScenarioException(where() + ": '" + key + "' must be an integer, not '" + n.asText() + "'");
        }
        return n.asInt();
    }

    /** The action's argument as text (the name after the action key). */
    public String name() {
        if (arg == null || arg.isNull() || arg.isContainerNode()) {
            throw new ScenarioException(where() + ": '" + action + ":' needs a name");
        }
        return arg.asText();
    }
}
