package org.ebpf4j.elf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The committed test objects under {@code src/test/bpf} (rebuilt by its Makefile). */
final class Corpus {
    static final Path DIR = Path.of("src/test/bpf");

    private Corpus() {}

    static Path object(String name) {
        return DIR.resolve(name + ".bpf.o");
    }

    /** Every valid corpus object (the {@code invalid/} ones excluded). */
    static List<Path> valid() {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".bpf.o")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
