package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.memory.MemoryFault;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Memory faults of compiled code, which come from the segment's own bounds check through one
 * exception handler per access ({@link MemEmitter}): every width, load and store, both edges of
 * the arena, slots past sipush's range, split regions, and hot code that faults only after C2 has
 * compiled it. Each fault must be the interpreter's, to the slot, address and length.
 */
class JitFaultTest {
    private static final long ARENA_SIZE = 1 << 22;
    private final Arena arena = new Arena(ARENA_SIZE);
    private final HelperTable helpers = HelperTable.base();

    @AfterEach
    void close() { arena.close(); }

    private ProgramFault faultOf(Executable e, long r1) {
        return assertThrows(ProgramFault.class, () -> e.run(r1));
    }

    /** Runs on both engines; both must fault alike. Returns the JIT's fault. */
    private ProgramFault sameFault(ProgramImage image, long r1, JitCompiler jit) {
        Executable j = jit.load(image);
        assertEquals("jit", j.engineName());
        ProgramFault want = faultOf(new Interpreter(arena, helpers).load(image), r1);
        ProgramFault got = faultOf(j, r1);
        assertEquals(want.getMessage(), got.getMessage());
        assertEquals(want.insnIndex(), got.insnIndex());
        MemoryFault cause = assertInstanceOf(MemoryFault.class, got.getCause());
        MemoryFault wantCause = (MemoryFault) want.getCause();
        assertEquals(wantCause.address(), cause.address());
        assertEquals(wantCause.length(), cause.length());
        return got;
    }

    @Test
    void everyWidthFaultsJustPastEitherEndOfTheArena() {
        JitCompiler jit = new JitCompiler(arena, helpers);
        int[] sizes = {BPF_B, BPF_H, BPF_W, BPF_DW};
        int[] widths = {1, 2, 4, 8};
        for (int k = 0; k < sizes.length; k++) {
            long last = Arena.BASE + ARENA_SIZE - widths[k];       // the last address that fits
            for (long addr : new long[] {last + 1, Arena.BASE - 1, 0, -1}) {
                ProgramFault ld = sameFault(prog(movK(0, 0), ins(BPF_LDX | BPF_MEM | sizes[k], 0, 1, 0, 0), exit()),
                        addr, jit);
                assertEquals(1, ld.insnIndex());
                assertEquals(addr, ((MemoryFault) ld.getCause()).address());
                assertEquals(widths[k], ((MemoryFault) ld.getCause()).length());
                sameFault(prog(movK(0, 0), ins(BPF_STX | BPF_MEM | sizes[k], 1, 0, 0, 0), exit()), addr, jit);
                sameFault(prog(movK(0, 0), ins(BPF_ST | BPF_MEM | sizes[k], 1, 0, 3, 7), exit()), addr - 3, jit);
                if (widths[k] < 8) {                                // sign-extending loads: b, h, w
                    sameFault(prog(movK(0, 0), ins(BPF_LDX | BPF_MEMSX | sizes[k], 0, 1, 0, 0), exit()), addr, jit);
                }
            }
            // the last address that fits is fine
            Executable ok = jit.load(prog(movK(0, 0), ins(BPF_STX | BPF_MEM | sizes[k], 1, 0, 0, 0),
                    ins(BPF_LDX | BPF_MEM | sizes[k], 0, 1, 0, 0), exit()));
            assertEquals(0, ok.run(last));
        }
    }

    @Test
    void aStackPointerMovedOutOfTheArenaFaultsAtItsSlot() {
        // r10 + 1 GiB through a copy (the engines' stacks differ, so the address is checked against r10)
        Executable e = new JitCompiler(arena, helpers).load(prog(movX(1, 10), lddw(2, 0x4000_0000L),
                alu64X(BPF_ADD, 1, 2), ins(BPF_STX | BPF_MEM | BPF_DW, 1, 1, -8, 0), movK(0, 0), exit()));
        ProgramFault f = faultOf(e, 0);
        assertEquals(4, f.insnIndex());
        MemoryFault m = assertInstanceOf(MemoryFault.class, f.getCause());
        assertEquals(8, m.length());
        long fp = m.address() + 8 - 0x4000_0000L;
        assertTrue(fp > Arena.BASE && fp <= Arena.BASE + ARENA_SIZE, "r10 was 0x" + Long.toHexString(fp));
    }

    @Test
    void aFaultPastSlot32767NamesItsSlot() {
        List<Object> p = new ArrayList<>();
        p.add(movK(0, 0));
        for (int i = 0; i < 40_000; i++) {
            p.add(alu64K(BPF_ADD, 0, 1));
        }
        p.add(ins(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0));            // slot 40 001
        p.add(exit());
        ProgramImage image = prog(p.toArray());
        // whole methods cannot hold 40 000 slots: this runs split, in regions
        ProgramFault f = sameFault(image, 16, new JitCompiler(arena, helpers));
        assertEquals(40_001, f.insnIndex());
        assertEquals("insn 40001: invalid memory access: 4 bytes at 0x10", f.getMessage());
    }

    @Test
    void aSplitRegionFaultsAtTheSameSlotAsAWholeMethod() {
        List<Object> p = new ArrayList<>();
        p.add(movK(0, 0));
        for (int i = 0; i < 200; i++) {
            p.add(ins(BPF_STX | BPF_MEM | BPF_DW, 10, 0, -8 - 8 * (i % 60), 0));
            p.add(ins(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8 - 8 * ((i * 7) % 60), 0));
        }
        p.add(ins(BPF_STX | BPF_MEM | BPF_H, 1, 0, 6, 0));              // slot 401
        p.add(exit());
        ProgramImage image = prog(p.toArray());
        ProgramFault split = sameFault(image, 1, new JitCompiler(arena, helpers, java.util.Set.of(), 1, 300));
        ProgramFault whole = sameFault(image, 1, new JitCompiler(arena, helpers));
        assertEquals(401, split.insnIndex());
        assertEquals(whole.getMessage(), split.getMessage());
    }

    @Test
    void hotCodeThatFaultsLateStillFaultsAtItsSlot() {
        // loads r1[0..8) 200 000 times in range (C2 compiles the loop with the check never taken),
        // then once past the end: the deoptimised path must give the same fault
        Executable e = new JitCompiler(arena, helpers).load(prog(
                movK(0, 0),
                ins(BPF_LDX | BPF_MEM | BPF_DW, 3, 1, 0, 0),                   // 1
                alu64X(BPF_ADD, 0, 3),
                exit()));
        long good = arena.alloc(8);
        arena.store64(good, 5);
        long sum = 0;
        for (int i = 0; i < 200_000; i++) {
            sum += e.run(good);
        }
        assertEquals(1_000_000, sum);
        for (int round = 0; round < 3; round++) {
            long bad = Arena.BASE + ARENA_SIZE - 7 + round;
            ProgramFault f = faultOf(e, bad);
            assertEquals(1, f.insnIndex());
            assertEquals("insn 1: invalid memory access: 8 bytes at 0x" + Long.toHexString(bad), f.getMessage());
        }
        assertEquals(5, e.run(good), "the thread's context is usable after a fault");
    }

    @Test
    void faultsDoNotLeakJavaExceptions() {
        Executable e = new JitCompiler(arena, helpers).load(prog(ins(BPF_ST | BPF_MEM | BPF_W, 1, 0, 0, 1),
                movK(0, 0), exit()));
        RuntimeException ex = assertThrows(RuntimeException.class, () -> e.run(Long.MIN_VALUE));
        assertInstanceOf(ProgramFault.class, ex);
        assertFalse(ex.getCause() instanceof IndexOutOfBoundsException);
    }
}
