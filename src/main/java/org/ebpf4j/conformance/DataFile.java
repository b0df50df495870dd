package org.ebpf4j.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One bpf_conformance / uBPF test vector: a {@code .data} file made of {@code -- name} sections
 * ({@code asm} or {@code raw} for the program, {@code mem} for the input buffer, {@code result}
 * or {@code error} for the expectation). {@code #} lines are comments. Sections this runner does
 * not use ({@code c}, {@code no register offset}) are kept but ignored, as upstream runners do.
 */
public record DataFile(Path path, Map<String, String> sections) {

    public static DataFile read(Path path) throws IOException {
        return parse(path, Files.readString(path));
    }

    public static DataFile parse(Path path, String text) {
        Map<String, String> sections = new LinkedHashMap<>();
        String current = null;
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\r?\n", -1)) {
            if (line.startsWith("-- ")) {
                if (current != null) {
                    sections.put(current, body.toString());
                }
                current = line.substring(3).trim();
                body.setLength(0);
            } else if (current != null) {
                body.append(line).append('\n');
            }
        }
        if (current != null) {
            sections.put(current, body.toString());
        }
        return new DataFile(path, Map.copyOf(sections));
    }

    public Optional<String> section(String name) { return Optional.ofNullable(sections.get(name)); }

    /** The body with comment lines and blank lines removed. */
    static String stripComments(String body) {
        StringBuilder sb = new StringBuilder();
        for (String line : body.split("\n")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                sb.append(t).append('\n');
            }
        }
        return sb.toString();
    }
}
