package org.ebpf4j.btf;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** .BTF.ext of the committed clang-19 objects. */
class BtfExtTest {

    @Test
    void funcInfoNamesEachFunctionOfEachSection() {
        Btf btf = TestObjects.btf("types");
        BtfExt ext = TestObjects.ext("types", btf);
        assertArrayEquals(TestObjects.bytes("types.bpf.btf.ext"), TestObjects.elfSection("types.bpf.o", ".BTF.ext"));
        assertEquals(8, ext.funcInfoRecSize());
        assertEquals(16, ext.lineInfoRecSize());
        List<BtfExt.FuncInfo> tc = ext.funcInfo("tc");
        assertEquals(1, tc.size());
        assertEquals(0, tc.getFirst().insnOff());
        assertEquals("prog", btf.type(tc.getFirst().typeId()).name());
        List<BtfExt.FuncInfo> text = ext.funcInfo(".text");
        assertEquals("helper", btf.type(text.getFirst().typeId()).name());
        assertTrue(ext.coreRelos().isEmpty());
    }

    @Test
    void lineInfoPointsAtTheSourceLines() {
        Btf btf = TestObjects.btf("types");
        BtfExt ext = TestObjects.ext("types", btf);
        List<String> source = TestObjects.text("types.bpf.c").lines().toList();
        int checked = 0;
        for (var entry : ext.lineInfo().entrySet()) {
            long prev = -1;
            for (BtfExt.LineInfo li : entry.getValue()) {
                assertTrue(li.fileName().endsWith("types.bpf.c"), li.fileName());
                assertTrue(li.insnOff() % 8 == 0 && li.insnOff() >= prev, "ordered insn offsets");
                prev = li.insnOff();
                assertEquals(source.get(li.line() - 1), li.lineText(), "line " + li.line());
                assertTrue(li.col() > 0);
                checked++;
            }
        }
        assertTrue(checked >= 4, "line info for both functions, got " + checked);
    }

    @Test
    void coreRelocationsCarryKindTypeAndAccessString() {
        Btf btf = TestObjects.btf("core");
        BtfExt ext = TestObjects.ext("core", btf);
        assertEquals(16, ext.coreReloRecSize());
        List<BtfExt.CoreRelo> relos = ext.coreRelos("raw_tp/core");
        // as listed by llvm-objdump -dr core.bpf.o
        BtfExt.CoreRelo first = relos.getFirst();
        assertEquals(0, first.insnOff());
        assertEquals(CoreReloKind.FIELD_BYTE_OFFSET, first.kind());
        assertEquals("0:3", first.accessStr());
        assertEquals("task_struct", btf.type(first.typeId()).name());
        BtfExt.CoreRelo arrayElem = relos.stream().filter(r -> r.accessStr().equals("0:1:3")).findFirst().orElseThrow();
        assertEquals(17, arrayElem.insnIdx());
        assertTrue(relos.stream().anyMatch(r -> r.kind() == CoreReloKind.TYPE_MATCHES));
        assertEquals(CoreReloKind.values().length, relos.stream().map(BtfExt.CoreRelo::kind).distinct().count(),
                "core.bpf.c uses every relocation kind");
        assertEquals(RELOS_LISTED_BY_LLVM_OBJDUMP, relos.size());
    }

    @Test
    void rejectsCorruptHeadersNamingTheOffset() {
        Btf btf = TestObjects.btf("types");
        byte[] good = TestObjects.bytes("types.bpf.btf.ext");
        byte[] badMagic = good.clone();
        badMagic[0] = 0;
        var e = assertThrows(BtfFormatException.class, () -> BtfExt.parse(badMagic, btf));
        assertEquals(".BTF.ext", e.section());
        assertEquals(0, e.offset());
        byte[] badRec = good.clone();
        int fiStart = le32(good, 4) + le32(good, 8);
        badRec[fiStart] = 3;    // func_info record size 3
        e = assertThrows(BtfFormatException.class, () -> BtfExt.parse(badRec, btf));
        assertEquals(fiStart, e.offset());
        assertTrue(e.getMessage().contains("record size"), e.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 4);
        e = assertThrows(BtfFormatException.class, () -> BtfExt.parse(truncated, btf));
        assertTrue(e.getMessage().contains("past the end"), e.getMessage());
    }

    /** {@code llvm-objdump-19 -dr core.bpf.o | grep -c CO-RE} */
    private static final int RELOS_LISTED_BY_LLVM_OBJDUMP = 30;

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
