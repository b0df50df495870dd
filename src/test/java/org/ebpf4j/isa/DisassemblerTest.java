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

    @Test
    void clangCompiledProgramMatchesLlvmObjdump() {
        for (String[] section : new String[][] {{".text", "prog.text.bin"}, {"xdp", "prog.xdp.bin"}}) {
            List<Insn> insns = Insns.decode(ObjdumpListing.resource(section[1]));
            ObjdumpListing listing = ObjdumpListing.load("prog.objdump", section[0]);
            assertTrue(listing.lines().size() >= 4, section[0]);
            assertMatches(insns, listing);
        }
    }

    @Test
    void disassembleNumbersLinesBySlotAndPrintsLdImm64Once() {
        List<Insn> insns = Insns.decode(ObjdumpListing.resource("prog.xdp.bin"));
        ObjdumpListing listing = ObjdumpListing.load("prog.objdump", "xdp");
        List<String> lines = Disassembler.disassemble(insns);
        assertEquals(listing.lines().size(), lines.size());
        for (int k = 0; k < lines.size(); k++) {
            ObjdumpListing.Line want = listing.lines().get(k);
            assertEquals(String.format("%4d: %s", want.slot(), want.text()), lines.get(k));
        }
    }

    @Test
    void truncatedOrOddEncodingsPrintUnknownAndNeverThrow() {
        List<Insn> truncated = List.of(Insn.of(Opcodes.LD_IMM64, 1, 0, 0, 7));
        assertEquals(Disassembler.UNKNOWN, Disassembler.format(truncated, 0));
        assertEquals(List.of("   0: <unknown>"), Disassembler.disassemble(truncated));
        for (int op = 0; op < 256; op++) {
            for (int reg = 0; reg < 16; reg++) {
                List<Insn> one = List.of(Insn.of(op, reg, 15 - reg, -1, Integer.MIN_VALUE));
                assertEquals(1, Disassembler.disassemble(one).size());
            }
        }
    }

    @Test
    void indexOutsideTheProgramIsACallerError() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> Disassembler.format(List.of(), 0));
        assertTrue(e.getMessage().contains("index 0"), e.getMessage());
    }
}
