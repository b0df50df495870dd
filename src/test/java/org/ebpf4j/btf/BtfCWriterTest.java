package org.ebpf4j.btf;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Btf#toC} against what {@code bpftool btf dump file X format c} printed for the same BTF
 * (recorded in src/test/bpf/btf/*.bpftool.h by its Makefile; bpftool 7.1, libbpf 1.1).
 */
class BtfCWriterTest {

    /** The top-level declarations of a bpftool C dump, each ending in ";". */
    static List<String> bpftoolBlocks(String header) {
        String body = header.substring(header.indexOf("#endif\n\n") + "#endif\n\n".length());
        body = body.substring(0, body.indexOf("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX"));
        List<String> blocks = new ArrayList<>();
        for (String b : body.split("\n\n")) {
            if (!b.isBlank()) blocks.add(b.strip());
        }
        return blocks;
    }

    private static void assertSameAsBpftool(Btf btf, String dumpFile) {
        Set<String> ours = new HashSet<>();
        Set<String> forwardable = new HashSet<>();
        for (BtfType t : btf.types()) {
            switch (t) {
                case BtfType.Composite c -> {
                    if (!c.name().isEmpty()) {
                        ours.add(btf.toC(t.id()) + ";");
                        forwardable.add((c instanceof BtfType.Struct ? "struct " : "union ") + c.name() + ";");
                    }
                }
                case BtfType.AnyEnum e -> ours.add(btf.toC(t.id()) + ";");
                case BtfType.Typedef td -> ours.add(btf.toC(t.id()) + ";");
                case BtfType.Fwd f -> ours.add(btf.toC(t.id()) + ";");
                default -> { }
            }
        }
        List<String> blocks = bpftoolBlocks(TestObjects.text(dumpFile));
        assertTrue(blocks.size() >= 5, "dump has declarations: " + blocks.size());
        for (String block : blocks) {
            if (forwardable.contains(block)) continue;  // bpftool's ordering forward declaration
            assertTrue(ours.contains(block), () -> "bpftool printed a declaration toC() does not:\n" + block
                    + "\n--- closest of ours:\n" + closest(ours, block));
        }
    }

    private static String closest(Set<String> ours, String block) {
        String firstLine = block.lines().findFirst().orElse("");
        return ours.stream().filter(s -> s.startsWith(firstLine)).findFirst().orElse("(none starting with " + firstLine + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {"types", "layout", "core", "target_alt"})
    void testObjectsPrintAsBpftoolDoes(String base) {
        assertSameAsBpftool(TestObjects.btf(base), base + ".bpf.bpftool.h");
    }

    @org.junit.jupiter.api.Test
    void modelKernelPrintsAsBpftoolDoes() {
        assertSameAsBpftool(Btf.modelKernel(), "model-kernel.bpftool.h");
    }

    @org.junit.jupiter.api.Test
    void declarationsOfNonTopLevelKinds() {
        Btf btf = TestObjects.btf("types");
        assertEquals("int prog(struct everything *ctx)", btf.toC(btf.findByName("prog", BtfType.Func.class).orElseThrow().id()));
        assertEquals("int global_counter", btf.toC(btf.findByName("global_counter", BtfType.Var.class).orElseThrow().id()));
        BtfType.Struct ev = (BtfType.Struct) btf.findByName("everything", BtfType.Struct.class).orElseThrow();
        int fnType = ev.members().stream().filter(m -> m.name().equals("fn")).findFirst().orElseThrow().type();
        assertEquals("int (*)(int, const char *)", btf.toC(fnType));
        assertEquals("void", btf.toC(0));
    }
}
