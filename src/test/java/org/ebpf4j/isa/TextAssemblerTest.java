package org.ebpf4j.isa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Each assembler form against the llvm-objdump text of its encoding (our Disassembler is checked
 * against llvm-objdump-19 itself in DisassemblerTest), and the assembler's errors.
 */
class TextAssemblerTest {

    private static String one(String source) {
        List<Insn> insns = TextAssembler.assemble(source);
        assertEquals(1, Disassembler.disassemble(insns).size(), source);
        return Disassembler.format(insns, 0);
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "=>", value = {
        "mov %r0, 1 => r0 = 0x1",
        "mov64 %r0, -1 => r0 = -0x1",
        "mov32 %r1, 0xffffffff => w1 = -0x1",
        "mov32 %r1, -2147483648 => w1 = -0x80000000",
        "add %r1, %r2 => r1 += r2",
        "add32 %r1, %r2 => w1 += w2",
        "sub %r3, 5 => r3 -= 0x5",
        "mul32 %r3, 7 => w3 *= 0x7",
        "div %r1, %r2 => r1 /= r2",
        "sdiv %r1, %r2 => r1 s/= r2",
        "sdiv32 %r1, -3 => w1 s/= -0x3",
        "mod %r1, 3 => r1 %= 0x3",
        "smod32 %r1, %r2 => w1 s%= w2",
        "or %r0, %r10 => r0 |= r10",
        "and32 %r0, 0xff => w0 &= 0xff",
        "lsh %r0, 3 => r0 <<= 0x3",
        "rsh32 %r0, %r1 => w0 >>= w1",
        "arsh %r0, 4 => r0 s>>= 0x4",
        "xor64 %r0, %r1 => r0 ^= r1",
        "neg %r2 => r2 = -r2",
        "neg32 %r2 => w2 = -w2",
        "movsx832 %r0, %r1 => w0 = (s8)w1",
        "movsx1632 %r0, %r1 => w0 = (s16)w1",
        "movsx864 %r0, %r1 => r0 = (s8)r1",
        "movsx1664 %r0, %r1 => r0 = (s16)r1",
        "movsx3264 %r0, %r1 => r0 = (s32)r1",
        "le16 %r0 => r0 = le16 r0",
        "be32 %r3 => r3 = be32 r3",
        "be64 %r3 => r3 = be64 r3",
        "swap16 %r0 => r0 = bswap16 r0",
        "bswap64 %r0 => r0 = bswap64 r0",
        "ldxb %r0, [%r1] => w0 = *(u8 *)(r1 + 0x0)",
        "ldxh %r0, [%r1+2] => w0 = *(u16 *)(r1 + 0x2)",
        "ldxw %r0, [%r10-4] => w0 = *(u32 *)(r10 - 0x4)",
        "ldxdw %r0, [%r1+0x8] => r0 = *(u64 *)(r1 + 0x8)",
        "ldxdw %r0, [%r1 + 8] => r0 = *(u64 *)(r1 + 0x8)",
        "ldxsb %r0, [%r10-1] => r0 = *(s8 *)(r10 - 0x1)",
        "ldxsh %r0, [%r10-2] => r0 = *(s16 *)(r10 - 0x2)",
        "ldxsw %r0, [%r10-4] => r0 = *(s32 *)(r10 - 0x4)",
        "stb [%r10-1], 7 => *(u8 *)(r10 - 0x1) = 0x7",
        "sth [%r0], -1 => *(u16 *)(r0 + 0x0) = -0x1",
        "stw [%r1+2], 0x11223344 => *(u32 *)(r1 + 0x2) = 0x11223344",
        "stdw [%r10-8], 5 => *(u64 *)(r10 - 0x8) = 0x5",
        "stxb [%r1+1], %r2 => *(u8 *)(r1 + 0x1) = w2",
        "stxh [%r1], %r2 => *(u16 *)(r1 + 0x0) = w2",
        "stxw [%r10-4], %r1 => *(u32 *)(r10 - 0x4) = w1",
        "stxdw [%r10-8], %r1 => *(u64 *)(r10 - 0x8) = r1",
        "lock add [%r10-8], %r1 => lock *(u64 *)(r10 - 0x8) += r1",
        "lock add32 [%r1], %r2 => lock *(u32 *)(r1 + 0x0) += w2",
        "lock or [%r1+8], %r2 => lock *(u64 *)(r1 + 0x8) |= r2",
        "lock and32 [%r1], %r2 => lock *(u32 *)(r1 + 0x0) &= w2",
        "lock xor [%r1], %r2 => lock *(u64 *)(r1 + 0x0) ^= r2",
        "lock fetch add [%r1], %r0 => r0 = atomic_fetch_add((u64 *)(r1 + 0x0), r0)",
        "lock fetch and32 [%r1], %r3 => w3 = atomic_fetch_and((u32 *)(r1 + 0x0), w3)",
        "lock fetch or [%r1], %r3 => r3 = atomic_fetch_or((u64 *)(r1 + 0x0), r3)",
        "lock fetch xor32 [%r1-4], %r3 => w3 = atomic_fetch_xor((u32 *)(r1 - 0x4), w3)",
        "lock xchg [%r10-8], %r1 => r1 = xchg_64(r10 - 0x8, r1)",
        "lock xchg32 [%r10-8], %r1 => w1 = xchg32_32(r10 - 0x8, w1)",
        "lock cmpxchg [%r10-8], %r1 => r0 = cmpxchg_64(r10 - 0x8, r0, r1)",
        "lock cmpxchg32 [%r10-8], %r1 => w0 = cmpxchg32_32(r10 - 0x8, w0, w1)",
        "lddw %r0, 0x1122334455667788 => r0 = 0x1122334455667788 ll",
        "lddw %r1, 0xffffffffffffffff => r1 = -0x1 ll",
        "lddw %r1, -2 => r1 = -0x2 ll",
        "lddw %r1, map_fd 3 => ld_pseudo\tr1, 0x1, 0x3",
        "lddw %r1, map_value 3 16 => ld_pseudo\tr1, 0x2, 0x3",
        "lddw %r2, btf_id 77 => ld_pseudo\tr2, 0x3, 0x4d",
        "lddw %r1, map_idx 0 => ld_pseudo\tr1, 0x5, 0x0",
        "lddw %r1, map_idx_value 1 8 => ld_pseudo\tr1, 0x6, 0x1",
        "ja +3 => goto +0x3",
        "ja -1 => goto -0x1",
        "ja32 +100000 => gotol +0x186a0",
        "gotol -2 => gotol -0x2",
        "may_goto +2 => may_goto +0x2",
        "jeq %r1, 3, +2 => if r1 == 0x3 goto +0x2",
        "jne %r1, %r2, -1 => if r1 != r2 goto -0x1",
        "jgt %r1, 0x80000000, +1 => if r1 > -0x80000000 goto +0x1",
        "jge32 %r1, 1, +1 => if w1 >= 0x1 goto +0x1",
        "jlt32 %r1, %r2, +1 => if w1 < w2 goto +0x1",
        "jle %r1, 1, +1 => if r1 <= 0x1 goto +0x1",
        "jset %r1, 8, +1 => if r1 & 0x8 goto +0x1",
        "jsgt %r1, -1, +1 => if r1 s> -0x1 goto +0x1",
        "jsge32 %r1, %r2, +1 => if w1 s>= w2 goto +0x1",
        "jslt %r1, 0, +1 => if r1 s< 0x0 goto +0x1",
        "jsle32 %r1, 0, +1 => if w1 s<= 0x0 goto +0x1",
        "call 5 => call 0x5",
        "call helper 12 => call 0xc",
        "call runtime 7 => call 0x7",
        "call kfunc 9 => call 0x9",
        "call %r2 => callx r2",
        "callx %r3 => callx r3",
        "exit => exit",
    })
    void eachFormEncodesWhatLlvmObjdumpPrints(String asm, String objdump) {
        assertEquals(objdump.replace("\\t", "\t"), one(asm));
    }

    @Test
    void fieldsTheTextDoesNotShowAreEncodedToo() {
        assertEquals(Insn.of(0xbf, 0, 1, 8, 0), TextAssembler.assemble("movsx864 %r0, %r1").get(0));
        assertEquals(Insn.of(0x3f, 1, 2, 1, 0), TextAssembler.assemble("sdiv %r1, %r2").get(0));
        assertEquals(Insn.of(0x85, 0, 2, 0, 7), TextAssembler.assemble("call runtime 7").get(0));
        assertEquals(Insn.of(0x8d, 2, 0, 0, 0), TextAssembler.assemble("call %r2").get(0));
        List<Insn> mapValue = TextAssembler.assemble("lddw %r1, map_value 3 16");
        assertEquals(List.of(Insn.of(0x18, 1, 2, 0, 3), Insn.of(0, 0, 0, 0, 16)), mapValue);
        assertEquals(List.of(Insn.of(0x18, 0, 0, 0, 0x55667788), Insn.of(0, 0, 0, 0, 0x11223344)),
                TextAssembler.assemble("lddw %r0, 0x1122334455667788"));
    }

    @Test
    void labelsResolveForwardBackwardAndAcrossLddw() {
        List<Insn> p = TextAssembler.assemble("""
                # comment line
                start:
                    mov %r0, 0          # trailing comment
                    jeq %r1, 0, out
                    lddw %r2, 1
                    ja start
                out: exit
                    call local start
                    ja32 out
                    lddw %r3, func start
                """);
        assertEquals(3, p.get(1).off());          // slot 1 -> out (slot 5): over lddw (2 slots) and ja
        assertEquals(-5, p.get(4).off());         // slot 4 -> start (0)
        assertEquals(-7, p.get(6).imm());         // call local at 6 -> 0
        assertEquals(-3, p.get(7).imm());         // gotol at 7 -> 5
        assertEquals(-9, p.get(8).imm());         // ld func at 8 -> 0
        assertEquals(Opcodes.BPF_PSEUDO_FUNC, p.get(8).src());
    }

    @Test
    void firstExitIsTheImplicitExitLabel() {
        List<Insn> p = TextAssembler.assemble("ja exit\nmov %r0, 1\nexit\nexit");
        assertEquals(1, p.get(0).off());
        List<Insn> explicit = TextAssembler.assemble("ja exit\nexit\nexit:\nexit");
        assertEquals(1, explicit.get(0).off());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "mov %r0, 1\\nfoo %r0                | 2 | invalid mnemonic 'foo'",
        "mov %r11, 1                         | 1 | invalid register '%r11'",
        "mov r1, 1                           | 1 | invalid register 'r1'",
        "mov %r0                             | 1 | 'mov' takes 2 operands, got 1",
        "exit %r0                            | 1 | 'exit' takes 0 operands, got 1",
        "mov %r0, 1,                         | 1 | empty operand",
        "mov32 %r0, -2147483649              | 1 | '-2147483649' out of 32-bit range",
        "mov %r0, 0x1g                       | 1 | invalid immediate '0x1g'",
        "jeq %r0, 1, 5                       | 1 | invalid jump target '5'",
        "ja +32768                           | 1 | offset '+32768' out of 16-bit range",
        "ldxw %r0, [%r1+-1]                  | 1 | invalid memory operand",
        "stw [%r1], %r2                      | 1 | invalid immediate '%r2'",
        "lddw %r0, 0x10000000000000000       | 1 | out of 64-bit range",
        "lddw %r0, map_value 3               | 1 | takes 2 values",
        "lddw %r0, map_fdx 3                 | 1 | invalid lddw operand",
        "lock fetch xchg [%r1], %r2          | 1 | always fetches",
        "lock sub [%r1], %r2                 | 1 | invalid atomic operation 'sub'",
        "call local                          | 1 | 'call local' needs a target",
        "call bogus 1                        | 1 | invalid call mode 'bogus'",
        "x:\\nx:\\nexit                      | 2 | duplicate label 'x'",
        "exit\\n.section text                | 2 | unknown directive '.section text'",
        "exit\\n-- Unknown directive         | 2 | unknown directive '-- Unknown directive'",
        "mov %r0, 0\\n\\njne %r0, 0, nowhere | 3 | unknown label 'nowhere'",
    })
    void errorsNameTheLineAndToken(String source, int line, String what) {
        AsmException e = assertThrows(AsmException.class, () -> TextAssembler.assemble(source.replace("\\n", "\n")));
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().startsWith("line " + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
    }

    @Test
    void jumpTooFarForAnOffsetIsAnError() {
        String far = "ja end\n" + "mov %r0, 0\n".repeat(40_000) + "end: exit\n";
        AsmException e = assertThrows(AsmException.class, () -> TextAssembler.assemble(far));
        assertEquals(1, e.line());
        assertTrue(e.getMessage().contains("beyond the 16-bit jump offset"), e.getMessage());
        List<Insn> ok = TextAssembler.assemble(far.replaceFirst("ja end", "ja32 end"));
        assertEquals(40_000, ok.get(0).imm());
    }
}
