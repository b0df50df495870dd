package org.ebpf4j.isa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The assembler against every bpf_conformance vector (skipped when the vectors are absent). */
class TextAssemblerConformanceTest {

    @Test
    void everyPositiveVectorAssemblesAndDisassemblesWithoutUnknowns() {
        int assembled = 0;
        for (Path file : ConformanceVectors.files("tests")) {
            ConformanceVectors.Vector v = ConformanceVectors.parse(file);
            if (!v.has("asm")) {
                continue;
            }
            List<Insn> insns;
            try {
                insns = TextAssembler.assemble(v.get("asm"));
            } catch (AsmException e) {
                throw new AssertionError(v.name() + ": " + e.getMessage(), e);
            }
            assertFalse(insns.isEmpty(), v.name());
            List<String> lines = Disassembler.disassemble(insns);
            for (String line : lines) {
                assertFalse(line.contains(Disassembler.UNKNOWN), v.name() + ": " + line);
            }
            assertEquals(lines, Disassembler.disassemble(List.copyOf(insns)), v.name());
            assembled++;
        }
        assertTrue(assembled > 250, "only " + assembled + " vectors with -- asm found");
    }

    @Test
    void asmEqualsRawWhereAVectorHasBoth() {
        int compared = 0;
        for (String subdir : List.of("tests", "negative")) {
            for (Path file : ConformanceVectors.files(subdir)) {
                ConformanceVectors.Vector v;
                try {
                    v = ConformanceVectors.parse(file);
                } catch (ConformanceVectors.UnknownSection e) {
                    continue;
                }
                if (v.has("asm") && v.has("raw")) {
                    assertEquals(ConformanceVectors.raw(v.get("raw")), TextAssembler.assemble(v.get("asm")), v.name());
                    compared++;
                }
            }
        }
        assertTrue(compared >= 1, "no vector has both -- asm and -- raw");
    }

    /**
     * Negative vectors that are assembler errors, with a word the message must contain. Every other
     * negative vector with asm must assemble: its failure is for the verifier or the runtime.
     */
    private static final Map<String, String> ASSEMBLER_ERRORS = Map.of(
            "invalid_imm32_dec_range.data", "'2147483648' out of 32-bit range",
            "invalid_imm32_hex_range.data", "'0x100000000' out of 32-bit range",
            "invalid_label.data", "unknown label 'NOT_A_LABEL'",
            "invalid_lock.data", "takes 2 operands, got 1",
            "invalid_lock2.data", "'lock' needs an atomic operation",
            "invalid_mnemonic.data", "invalid mnemonic 'ldxq'",
            "invalid_offset.data", "invalid memory operand '%r1'",
            "invalid_offset_range.data", "offset '+0x10000' out of 16-bit range",
            "invalid_operand_count.data", "'lddw' takes 2 operands, got 1",
            "invalid_register.data", "invalid register '%r50'");

    @Test
    void negativeVectorsThatAreAssemblerErrorsAreRejectedAndNoOthers() {
        List<String> seen = new ArrayList<>();
        for (Path file : ConformanceVectors.files("negative")) {
            String name = file.getFileName().toString();
            ConformanceVectors.Vector v;
            try {
                v = ConformanceVectors.parse(file);
            } catch (ConformanceVectors.UnknownSection e) {
                assertTrue(e.getMessage().contains("unknown directive '-- Unknown directive'"), e.getMessage());
                seen.add(name);
                continue;
            }
            if (!v.has("asm")) {
                continue;
            }
            String expected = ASSEMBLER_ERRORS.get(name);
            if (expected == null) {
                TextAssembler.assemble(v.get("asm"));
                continue;
            }
            AsmException e = assertThrows(AsmException.class, () -> TextAssembler.assemble(v.get("asm")), name);
            assertTrue(e.getMessage().contains(expected), name + ": " + e.getMessage());
            assertTrue(e.line() >= 1, name);
            assertTrue(e.getMessage().startsWith("line " + e.line() + ": "), e.getMessage());
            seen.add(name);
        }
        for (String name : ASSEMBLER_ERRORS.keySet()) {
            if (!seen.contains(name)) {
                fail("negative vector " + name + " not found or has no -- asm");
            }
        }
    }
}
