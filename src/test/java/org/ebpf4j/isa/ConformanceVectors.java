package org.ebpf4j.isa;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The bpf_conformance vectors ({@code ../shared/bpf-conformance} from the project directory, or
 * {@code $EBPF4J_CONFORMANCE_DIR}); tests that need them are skipped with a message when absent.
 * A vector is a {@code .data} file of {@code -- name} sections: asm, raw, mem, result, error, ...
 */
final class ConformanceVectors {
    private ConformanceVectors() {}

    /** Section names the bpf_conformance test parser knows ({@code src/bpf_test_parser.cc}). */
    static final Set<String> KNOWN_SECTIONS = Set.of("asm", "raw", "mem", "result", "error", "c", "no register offset");

    record Vector(Path file, Map<String, String> sections) {
        String name() { return file.getFileName().toString(); }
        boolean has(String section) { return sections.containsKey(section); }
        String get(String section) { return sections.get(section); }
    }

    /** Thrown by {@link #parse} for a section header that is not one of {@link #KNOWN_SECTIONS}. */
    static final class UnknownSection extends RuntimeException {
        UnknownSection(String message) { super(message); }
    }

    static Path dir() {
        String env = System.getenv("EBPF4J_CONFORMANCE_DIR");
        Path dir = env != null && !env.isBlank() ? Path.of(env) : Path.of("..", "shared", "bpf-conformance");
        Assumptions.assumeTrue(Files.isDirectory(dir.resolve("tests")),
                "bpf_conformance vectors not found at " + dir.toAbsolutePath()
                        + " (set EBPF4J_CONFORMANCE_DIR); skipping");
        return dir;
    }

    static List<Path> files(String subdir) {
        try (Stream<Path> s = Files.list(dir().resolve(subdir))) {
            return s.filter(p -> p.toString().endsWith(".data")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Vector parse(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> sections = new LinkedHashMap<>();
        String current = null;
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("-- ")) {
                if (current != null) {
                    sections.put(current, body.toString());
                }
                current = line.substring(3).strip();
                if (!KNOWN_SECTIONS.contains(current)) {
                    throw new UnknownSection(file.getFileName() + ": unknown directive '" + line + "'");
                }
                body.setLength(0);
            } else if (current != null) {
                body.append(line).append('\n');
            }
        }
        if (current != null) {
            sections.put(current, body.toString());
        }
        return new Vector(file, sections);
    }

    /**
     * The {@code -- raw} section as slots: either one 64-bit hex value per line ({@code 0x...}, the
     * slot as a little-endian integer) or eight hex bytes per line.
     */
    static List<Insn> raw(String section) {
        return section.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .map(l -> {
                    if (l.startsWith("0x")) {
                        return Insn.decode(Long.parseUnsignedLong(l.substring(2), 16));
                    }
                    String[] b = l.split("\\s+");
                    long v = 0;
                    for (int i = b.length - 1; i >= 0; i--) {
                        v = v << 8 | Integer.parseInt(b[i], 16);
                    }
                    return Insn.decode(v);
                }).toList();
    }
}
