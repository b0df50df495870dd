package org.ebpf4j.conformance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Vectors whose expectation Linux does not meet (the reference for ebpf4j is Linux, not the
 * vector). Kept in {@code known-differences.txt} beside this class: one line per vector,
 * {@code relative/path.data: reason}. A reason starting with {@value #NOT_RUN} marks a vector
 * that cannot be run even with relaxed load checks (an instruction Linux does not have).
 */
public final class KnownDifferences {
    public static final String NOT_RUN = "[not run]";

    private final Map<String, String> reasons;

    private KnownDifferences(Map<String, String> reasons) { this.reasons = Map.copyOf(reasons); }

    public static KnownDifferences none() { return new KnownDifferences(Map.of()); }

    public static KnownDifferences bundled() {
        try (InputStream in = KnownDifferences.class.getResourceAsStream("known-differences.txt")) {
            if (in == null) {
                throw new IllegalStateException("known-differences.txt missing from the jar");
            }
            Map<String, String> m = new LinkedHashMap<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                int colon = t.indexOf(':');
                if (colon < 0) {
                    throw new IllegalStateException("known-differences.txt: line without 'file: reason': " + t);
                }
                m.put(t.substring(0, colon).strip(), t.substring(colon + 1).strip());
            }
            return new KnownDifferences(m);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reason, for a vector named by its path relative to the suite root (with '/' separators). */
    public Optional<String> reason(String relativePath) { return Optional.ofNullable(reasons.get(relativePath)); }

    public Map<String, String> all() { return reasons; }
}
