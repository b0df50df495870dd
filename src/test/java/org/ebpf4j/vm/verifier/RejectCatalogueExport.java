package org.ebpf4j.vm.verifier;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ebpf4j.isa.Insn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes every catalogue case as raw instructions plus a meta file for
 * {@code src/test/bpf/verifier/verifier_oracle.py}, which loads them into the real kernel:
 * {@code mvn test -Dtest=RejectCatalogueExport -Debpf4j.catalogue.out=/tmp/verif-cases}.
 */
class RejectCatalogueExport {
    @Test
    @EnabledIfSystemProperty(named = "ebpf4j.catalogue.out", matches = ".+")
    void export() throws IOException {
        Path dir = Path.of(System.getProperty("ebpf4j.catalogue.out"));
        Files.createDirectories(dir);
        for (RejectCatalogue.Case c : RejectCatalogue.cases()) {
            ByteBuffer b = ByteBuffer.allocate(c.insns().size() * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (Insn in : c.insns()) {
                b.putLong(in.encode());
            }
            Files.write(dir.resolve(c.name() + ".bin"), b.array());
            StringBuilder meta = new StringBuilder();
            meta.append("prog ").append(c.progType().value()).append('\n');
            meta.append("attach ").append(c.attachType() == null ? 0 : c.attachType().value()).append('\n');
            for (RejectCatalogue.MapDef m : c.maps()) {
                meta.append("map ").append(m.type().value()).append(' ').append(m.keySize()).append(' ')
                        .append(m.valueSize()).append(' ').append(m.maxEntries());
                if (m.inner() != null) {   // the inner map template, created first (inner_map_fd)
                    meta.append(' ').append(m.inner().type().value()).append(' ').append(m.inner().keySize()).append(' ')
                            .append(m.inner().valueSize()).append(' ').append(m.inner().maxEntries());
                }
                meta.append('\n');
            }
            Files.writeString(dir.resolve(c.name() + ".meta"), meta);
        }
    }
}
