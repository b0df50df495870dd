package org.ebpf4j.scenario;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A parsed scenario file (see docs/scenarios.md): a name and a list of {@link Step}s, each
 * remembering the line it starts on so errors can point at it. Parsing checks only the shape;
 * {@link ScenarioRunner} checks each step's fields when it runs it.
 */
public record Scenario(String name, List<Step> steps) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public static Scenario parse(String text, String origin) {
        return parse(new StringReader(text), origin);
    }

    public static Scenario parse(Reader in, String origin) {
        String name = origin;
        List<Step> steps = new ArrayList<>();
        try (JsonParser p = YAML.getFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ScenarioException(origin + ": a scenario is a mapping with 'steps:' (line "
                        + p.currentLocation().getLineNr() + ")");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                if (key.equals("name")) {
                    name = p.getText();
                } else if (key.equals("steps")) {
                    if (t != JsonToken.START_ARRAY) {
                        throw new ScenarioException(origin + " line " + p.currentLocation().getLineNr() + ": 'steps:' must be a list");
                    }
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        int line = p.currentLocation().getLineNr();
                        JsonNode node = YAML.readTree(p);
                        steps.add(step(steps.size() + 1, line, node));
                    }
                } else if (key.equals("description")) {
                    p.skipChildren();
                } else {
                    throw new ScenarioException(origin + " line " + p.currentLocation().getLineNr()
                            + ": unknown top-level key '" + key + "' (name, description, steps)");
                }
            }
        } catch (IOException e) {
            throw new ScenarioException(origin + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return new Scenario(name, List.copyOf(steps));
    }

    private static Step step(int index, int line, JsonNode node) {
        if (!node.isObject() || node.isEmpty()) {
            throw new ScenarioException("step " + index + " (line " + line + "): a step is a mapping whose first key is its action");
        }
        Iterator<String> keys = node.fieldNames();
        String action = keys.next();
        return new Step(index, line, action, node.get(action), node);
    }
}
