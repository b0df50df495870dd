package org.ebpf4j.vm.interp;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.ebpf4j.memory.Arena;
import org.ebpf4j.memory.MemoryFault;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.VmFixture;
import org.junit.jupiter.api.Test;

/** Loads, stores, sign-extending loads, the stack, and what happens outside the arena. */
class MemoryTest extends VmFixture {
    private long buffer(long... qwords) {
        long addr = arena.alloc(64);
        for (int i = 0; i < qwords.length; i++) {
            arena.store64(addr + 8L * i, qwords[i]);
        }
        return addr;
    }

    private long ldx(int mode, int size, int off, long addr) {
        return load(prog(ins(BPF_LDX | mode | size, 0, 1, off, 0), exit())).run(addr);
    }

    @Test
    void loadsAreLittleEndianAndZeroExtended() {
        long a = buffer(0x8877_6655_4433_2211L, 0xf0e0_d0c0_b0a0_9080L);
        assertEquals(0x11, ldx(BPF_MEM, BPF_B, 0, a));
        assertEquals(0x80, ldx(BPF_MEM, BPF_B, 8, a));
        assertEquals(0x3322, ldx(BPF_MEM, BPF_H, 1, a));
        assertEquals(0x9080, ldx(BPF_MEM, BPF_H, 8, a));
        assertEquals(0x8877_6655L, ldx(BPF_MEM, BPF_W, 4, a));
        assertEquals(0x9080_8877_6655_4433L, ldx(BPF_MEM, BPF_DW, 2, a));
        assertEquals(0x4433_2211L, ldx(BPF_MEM, BPF_W, -4, a + 4));     // negative offset
    }

    @Test
    void signExtendingLoads() {
        long a = buffer(0x8877_6655_4433_2211L, 0x7f);
        assertEquals(0xffff_ffff_ffff_ff88L, ldx(BPF_MEMSX, BPF_B, 7, a));
        assertEquals(0x7f, ldx(BPF_MEMSX, BPF_B, 8, a));
        assertEquals(0xffff_ffff_ffff_8877L, ldx(BPF_MEMSX, BPF_H, 6, a));
        assertEquals(0x2211, ldx(BPF_MEMSX, BPF_H, 0, a));
        assertEquals(0xffff_ffff_8877_6655L, ldx(BPF_MEMSX, BPF_W, 4, a));
        assertEquals(0x4433_2211L, ldx(BPF_MEMSX, BPF_W, 0, a));
    }

    @Test
    void storesOfImmediatesWriteOnlyTheirSize() {
        long a = buffer(-1L, -1L, -1L, -1L);
        Executable p = load(prog(
                ins(BPF_ST | BPF_MEM | BPF_B, 1, 0, 0, 0x1234),      // low byte 0x34
                ins(BPF_ST | BPF_MEM | BPF_H, 1, 0, 8, 0x12345),     // 0x2345
                ins(BPF_ST | BPF_MEM | BPF_W, 1, 0, 16, 0x89abcdef),
                ins(BPF_ST | BPF_MEM | BPF_DW, 1, 0, 24, -2),        // imm sign-extended to 64
                movK(0, 0), exit()));
        p.run(a);
        assertEquals(0xffff_ffff_ffff_ff34L, arena.load64(a));
        assertEquals(0xffff_ffff_ffff_2345L, arena.load64(a + 8));
        assertEquals(0xffff_ffff_89ab_cdefL, arena.load64(a + 16));
        assertEquals(-2L, arena.load64(a + 24));
    }

    @Test
    void storesOfRegistersWriteOnlyTheirSize() {
        long a = buffer(0, 0, 0, 0);
        Executable p = load(prog(lddw(2, 0x1122_3344_5566_7788L),
                ins(BPF_STX | BPF_MEM | BPF_B, 1, 2, 0, 0),
                ins(BPF_STX | BPF_MEM | BPF_H, 1, 2, 8, 0),
                ins(BPF_STX | BPF_MEM | BPF_W, 1, 2, 16, 0),
                ins(BPF_STX | BPF_MEM | BPF_DW, 1, 2, 24, 0),
                movK(0, 0), exit()));
        p.run(a);
        assertEquals(0x88, arena.load64(a));
        assertEquals(0x7788, arena.load64(a + 8));
        assertEquals(0x5566_7788L, arena.load64(a + 16));
        assertEquals(0x1122_3344_5566_7788L, arena.load64(a + 24));
    }

    @Test
    void stackIsReadableAndWritableThroughR10() {
        // conformance stack.data: a lookup table on the stack indexed by r1 % 2
        long got = run(movK(1, 51),
                ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 0xab),
                ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0xcd),
                alu64K(BPF_AND, 1, 1), alu64K(BPF_LSH, 1, 3),
                movX(2, 10), alu64X(BPF_ADD, 2, 1),
                ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 2, -16, 0),
                exit());
        assertEquals(0xcd, got);
    }

    @Test
    void stackLivesInTheArenaWith512Bytes() {
        Executable p = load(prog(movX(0, 10), exit()));
        long fp = p.run(0);
        assertTrue(arena.contains(fp - 512, 512), "frame below r10 is arena memory");
        // the bottom byte of the frame is writable, the byte past the top is another frame's
        long got = run(ins(BPF_ST | BPF_MEM | BPF_B, 10, 0, -512, 7),
                ins(BPF_LDX | BPF_MEM | BPF_B, 0, 10, -512, 0), exit());
        assertEquals(7, got);
    }

    @Test
    void nullDereferenceAbortsWithTheInsnIndex() {
        Executable p = load(prog(movK(0, 0), ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 0, 0), exit()));
        ProgramFault f = assertThrows(ProgramFault.class, () -> p.run(0));
        assertEquals(1, f.insnIndex());
        assertInstanceOf(MemoryFault.class, f.getCause());
        assertTrue(f.getMessage().startsWith("insn 1: "), f.getMessage());
    }

    @Test
    void accessStraddlingTheArenaEndAborts() {
        long end = Arena.BASE + arena.size();
        Executable p = load(prog(movK(0, 0), movK(2, 1), ins(BPF_STX | BPF_MEM | BPF_DW, 1, 2, -4, 0), exit()));
        ProgramFault f = assertThrows(ProgramFault.class, () -> p.run(end));
        assertEquals(2, f.insnIndex());
        // the bytes inside the arena were not written either
        assertEquals(0, arena.load32(end - 4));
    }

    @Test
    void atomicOutsideTheArenaAborts() {
        Executable p = load(prog(movK(2, 1),
                ins(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_ADD | BPF_FETCH), movK(0, 0), exit()));
        ProgramFault f = assertThrows(ProgramFault.class, () -> p.run(Arena.BASE - 8));
        assertEquals(1, f.insnIndex());
    }

    @Test
    void legacyPacketLoadsVerifyButDoNotRunYet() {
        // r6 = ctx; r0 = ntohl(*(u32 *)(skb->data + 0)); exit: loads (socket filters use it) ...
        Executable p = load(prog(movX(6, 1), ins(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0), exit()));
        // ... but the interpreter has no skb model yet and says so
        ProgramFault f = assertThrows(ProgramFault.class, () -> p.run(0));
        assertEquals(1, f.insnIndex());
        assertTrue(f.getMessage().contains("not implemented"), f.getMessage());
        // and, as a hidden call, it needs r6 and clobbers r1-r5
        assertThrows(org.ebpf4j.vm.VerifierException.class,
                () -> load(prog(ins(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0), exit())));
        assertThrows(org.ebpf4j.vm.VerifierException.class,
                () -> load(prog(movX(6, 1), ins(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0), movX(0, 1), exit())));
    }
}
