package org.ebpf4j.isa;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.isa.Reg.*;
import static org.ebpf4j.isa.Size.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The fluent builder: each form agrees with the text assembler; labels resolve or fail clearly. */
class AsmTest {

    @Test
    void exampleFromTheJavadoc() {
        List<Insn> prog = Asm.program()
                .mov64(R0, 0).ldx(DW, R2, R1, 8).jeq(R2, 3, "out").add64(R0, R2).label("out").exit()
                .build();
        assertEquals(List.of(
                "   0: r0 = 0x0",
                "   1: r2 = *(u64 *)(r1 + 0x8)",
                "   2: if r2 == 0x3 goto +0x1",
                "   3: r0 += r2",
                "   4: exit"), Disassembler.disassemble(prog));
    }

    @Test
    void everyFormMatchesTheTextAssembler() {
        Asm b = Asm.program().label("top");
        StringBuilder t = new StringBuilder("top:\n");
        // ALU, both classes, K and X
        String[] names = {"add", "sub", "mul", "div", "or", "and", "lsh", "rsh", "mod", "xor", "mov", "arsh"};
        int[] ops = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH};
        for (int k = 0; k < ops.length; k++) {
            b.alu64(ops[k], R1, k - 3).alu64(ops[k], R1, R2).alu32(ops[k], R3, k).alu32(ops[k], R3, R4);
            t.append(names[k]).append(" %r1, ").append(k - 3).append('\n')
                    .append(names[k]).append(" %r1, %r2\n")
                    .append(names[k]).append("32 %r3, ").append(k).append('\n')
                    .append(names[k]).append("32 %r3, %r4\n");
        }
        b.add64(R1, 1).sub32(R1, R2).mul64(R1, R2).div32(R1, 7).mod64(R1, R2).or32(R1, 1).and64(R1, R2)
                .xor32(R1, R2).lsh32(R1, 3).rsh64(R1, R2).arsh32(R1, 2).mov32(R1, R2).neg64(R1).neg32(R2);
        t.append("add %r1, 1\nsub32 %r1, %r2\nmul %r1, %r2\ndiv32 %r1, 7\nmod %r1, %r2\nor32 %r1, 1\nand %r1, %r2\n")
                .append("xor32 %r1, %r2\nlsh32 %r1, 3\nrsh %r1, %r2\narsh32 %r1, 2\nmov32 %r1, %r2\nneg %r1\nneg32 %r2\n");
        b.sdiv64(R1, -3).sdiv64(R1, R2).sdiv32(R1, 5).sdiv32(R1, R2)
                .smod64(R1, 3).smod64(R1, R2).smod32(R1, -5).smod32(R1, R2);
        t.append("sdiv %r1, -3\nsdiv %r1, %r2\nsdiv32 %r1, 5\nsdiv32 %r1, %r2\n")
                .append("smod %r1, 3\nsmod %r1, %r2\nsmod32 %r1, -5\nsmod32 %r1, %r2\n");
        b.movsx64(R0, R1, 8).movsx64(R0, R1, 16).movsx64(R0, R1, 32).movsx32(R0, R1, 8).movsx32(R0, R1, 16);
        t.append("movsx864 %r0, %r1\nmovsx1664 %r0, %r1\nmovsx3264 %r0, %r1\nmovsx832 %r0, %r1\nmovsx1632 %r0, %r1\n");
        b.le(R0, 16).le(R0, 64).be(R1, 32).bswap(R2, 16).bswap(R2, 64);
        t.append("le16 %r0\nle64 %r0\nbe32 %r1\nbswap16 %r2\nswap64 %r2\n");
        // memory
        for (Size s : Size.values()) {
            String sz = s.name().toLowerCase();
            b.ldx(s, R0, R1, -8).st(s, R10, -16, 7).stx(s, R10, 8, R3);
            t.append("ldx").append(sz).append(" %r0, [%r1-8]\n")
                    .append("st").append(sz).append(" [%r10-16], 7\n")
                    .append("stx").append(sz).append(" [%r10+8], %r3\n");
            if (s != DW) {
                b.ldxs(s, R4, R5, 2);
                t.append("ldxs").append(sz).append(" %r4, [%r5+2]\n");
            }
        }
        for (Size s : List.of(W, DW)) {
            String w = s == W ? "32" : "";
            b.atomicAdd(s, R1, 0, R2).atomicOr(s, R1, 4, R2).atomicAnd(s, R1, -4, R2).atomicXor(s, R1, 0, R2)
                    .atomicFetchAdd(s, R1, 0, R2).atomicFetchOr(s, R1, 0, R2).atomicFetchAnd(s, R1, 0, R2)
                    .atomicFetchXor(s, R1, 0, R2).xchg(s, R1, 8, R2).cmpxchg(s, R1, 8, R2);
            t.append("lock add").append(w).append(" [%r1], %r2\nlock or").append(w).append(" [%r1+4], %r2\n")
                    .append("lock and").append(w).append(" [%r1-4], %r2\nlock xor").append(w).append(" [%r1], %r2\n")
                    .append("lock fetch add").append(w).append(" [%r1], %r2\nlock fetch or").append(w).append(" [%r1], %r2\n")
                    .append("lock fetch and").append(w).append(" [%r1], %r2\nlock fetch xor").append(w).append(" [%r1], %r2\n")
                    .append("lock xchg").append(w).append(" [%r1+8], %r2\nlock cmpxchg").append(w).append(" [%r1+8], %r2\n");
        }
        // ld_imm64 family
        b.lddw(R1, 0x1122334455667788L).lddw(R2, -1).ldMapFd(R1, 3).ldMapValue(R1, 4, 16).ldMapIdx(R1, 0)
                .ldMapIdxValue(R1, 1, 8).ldBtfId(R2, 99).ldFunc(R3, "sub");
        t.append("lddw %r1, 0x1122334455667788\nlddw %r2, -1\nlddw %r1, map_fd 3\nlddw %r1, map_value 4 16\n")
                .append("lddw %r1, map_idx 0\nlddw %r1, map_idx_value 1 8\nlddw %r2, btf_id 99\nlddw %r3, func sub\n");
        // jumps, both classes, K and X, forward and backward
        String[] jn = {"jeq", "jgt", "jge", "jset", "jne", "jsgt", "jsge", "jlt", "jle", "jslt", "jsle"};
        int[] jo = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
        for (int k = 0; k < jo.length; k++) {
            b.jmp(jo[k], R1, k, "top").jmp(jo[k], R1, R2, "end").jmp32(jo[k], R3, -k, "end").jmp32(jo[k], R3, R4, "top");
            t.append(jn[k]).append(" %r1, ").append(k).append(", top\n")
                    .append(jn[k]).append(" %r1, %r2, end\n")
                    .append(jn[k]).append("32 %r3, ").append(-k).append(", end\n")
                    .append(jn[k]).append("32 %r3, %r4, top\n");
        }
        b.jeq(R1, 1, "end").jne(R1, R2, "end").jgt32(R1, 1, "end").jsle32(R1, R2, "top").jset(R0, 4, "end")
                .ja("end").ja(2).gotol("top").mayGoto("end");
        t.append("jeq %r1, 1, end\njne %r1, %r2, end\njgt32 %r1, 1, end\njsle32 %r1, %r2, top\njset %r0, 4, end\n")
                .append("ja end\nja +2\ngotol top\nmay_goto end\n");
        // calls
        b.call(1).callLocal("sub").callKfunc(1234).callx(R2).label("end").exit().label("sub").mov64(R0, 0).exit();
        t.append("call 1\ncall local sub\ncall kfunc 1234\ncallx %r2\nend: exit\nsub: mov %r0, 0\nexit\n");

        List<Insn> built = b.build();
        List<Insn> text = TextAssembler.assemble(t.toString());
        assertEquals(text.size(), built.size());
        for (int i = 0; i < text.size(); i++) {
            assertEquals(text.get(i), built.get(i), "slot " + i + ": " + Disassembler.format(text, i));
        }
        for (String line : Disassembler.disassemble(built)) {
            assertTrue(!line.contains(Disassembler.UNKNOWN), line);
        }
    }

    @Test
    void labelsResolveToDistancesFromTheNextSlot() {
        List<Insn> p = Asm.program()
                .label("loop").add64(R1, 1).jlt(R1, 10, "loop")   // slot 1 -> 0: -2
                .ja("done")                                        // slot 2 -> 6: +3
                .lddw(R2, 5)                                       // slots 3-4
                .callLocal("f")                                    // slot 5 -> 7: imm 1
                .label("done").exit()                              // slot 6
                .label("f").mov64(R0, 1).exit()                    // slots 7-8
                .build();
        assertEquals(-2, p.get(1).off());
        assertEquals(3, p.get(2).off());
        assertEquals(1, p.get(5).imm());
        assertEquals(BPF_PSEUDO_CALL, p.get(5).src());
    }

    @Test
    void kfuncCallCarriesModuleOffset() {
        Insn call = Asm.program().callKfunc(77, 2).build().get(0);
        assertEquals(Insn.of(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 2, 77), call);
    }

    @Test
    void unknownLabelFailsAtBuildNamingTheInstruction() {
        Asm a = Asm.program().mov64(R0, 0).jeq(R0, 0, "nowhere").exit();
        IllegalStateException e = assertThrows(IllegalStateException.class, a::build);
        assertEquals("instruction 1: unknown label 'nowhere'", e.getMessage());
    }

    @Test
    void duplicateOrMalformedLabelFailsImmediately() {
        Asm a = Asm.program().label("x").exit();
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> a.label("x"));
        assertTrue(dup.getMessage().contains("duplicate label 'x'"), dup.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> a.label("1x"));
        assertTrue(bad.getMessage().contains("invalid label name '1x'"), bad.getMessage());
    }

    @Test
    void misuseIsReportedClearly() {
        assertThrows(IllegalArgumentException.class, () -> Asm.program().ldxs(DW, R0, R1, 0));
        assertThrows(IllegalArgumentException.class, () -> Asm.program().atomicAdd(B, R0, 0, R1));
        assertThrows(IllegalArgumentException.class, () -> Asm.program().movsx32(R0, R1, 32));
        assertThrows(IllegalArgumentException.class, () -> Asm.program().bswap(R0, 8));
        assertThrows(IllegalArgumentException.class, () -> Reg.of(11));
        Asm once = Asm.program().exit();
        once.build();
        assertThrows(IllegalStateException.class, once::build);
        Asm far = Asm.program().ja("end");
        for (int i = 0; i < 40_000; i++) {
            far.mov64(R0, 0);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, far.label("end").exit()::build);
        assertTrue(e.getMessage().contains("beyond the 16-bit jump offset"), e.getMessage());
    }
}
