package org.ebpf4j.isa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our disassembly against text recorded from llvm-objdump-19 (see src/test/resources/isa/Makefile):
 * every opcode byte with field variants, and a small clang-compiled program.
 */
class DisassemblerTest {

    /** Compares slot by slot and reports every difference at once (with the raw bytes). */
    private static void assertMatches(List<Insn> insns, ObjdumpListing expected) {
        List<String> diffs = new ArrayList<>();
        int i = 0;
        for (ObjdumpListing.Line line : expected.lines()) {
            assertEquals(line.slot(), i, "slot numbering diverged before objdump line " + line);
            String got = Disassembler.format(insns, i);
            if (!got.equals(line.text())) {
                diffs.add(String.format("slot %d [%s]: objdump '%s', we '%s'", i, line.bytes(), line.text(), got));
            }
            i += Disassembler.slots(insns, i);
        }
        assertEquals(insns.size(), i, "objdump listing does not cover every slot");
        assertTrue(diffs.isEmpty(), diffs.size() + " differences, first ones:\n"
                + String.join("\n", diffs.subList(0, Math.min(100, diffs.size()))));
    }

    @Test
    void everyOpcodeWithFieldVariantsMatchesLlvmObjdump() {
        List<Insn> insns = Insns.decode(ObjdumpListing.resource("opcodes.bin.gz"));
        ObjdumpListing listing = ObjdumpListing.load("opcodes.objdump.gz");
        assertTrue(listing.lines().size() > 10_000, "golden listing too short: " + listing.lines().size());
        assertMatches(insns, listing);
    }
}
