package org.ebpf4j.btf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The committed test objects of src/test/bpf/btf (rebuilt by its Makefile). */
final class TestObjects {
    private TestObjects() {}

    static final Path DIR = Path.of("src", "test", "bpf", "btf");

    static byte[] bytes(String file) {
        try {
            return Files.readAllBytes(DIR.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String file) {
        try {
            return Files.readString(DIR.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The .BTF of object {@code base} (e.g. "types" → types.bpf.btf). */
    static Btf btf(String base) {
        return Btf.parse(bytes(base + ".bpf.btf"));
    }

    static BtfExt ext(String base, Btf btf) {
        return BtfExt.parse(bytes(base + ".bpf.btf.ext"), btf);
    }

    /** The .BTF section of a committed ELF object, read with {@link ElfSections}. */
    static byte[] elfSection(String object, String section) {
        return ElfSections.section(bytes(object), section);
    }
}
