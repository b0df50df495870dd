package org.ebpf4j.vm.jit;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Plan's outlining of long straight-line runs (clang's unrolled initialisation loops, sieve_loop's
 * 56 stores): the run becomes a region of its own between a loop before it and one after it,
 * registers it writes reach the code after it, and the JIT agrees with the interpreter on random
 * inputs. A short run leaves the subprogram whole.
 */
class JitOutlineTest {
    private final Arena arena = new Arena(1 << 22);
    private final HelperTable helpers = HelperTable.base();

    @AfterEach
    void close() { arena.close(); }

    /** Slot of the first and one past the last insn of the straight run in {@link #program}. */
    private int runStart;
    private int runEnd;

    /**
     * r6 = r1 & 15; a loop r7 += r6 (r6 times); then {@code stores} straight stores of k*3 + r7's
     * value at fp-8(k+1), with r8 += k and an stx of r1 among them; then a loop summing the words
     * into r0; r0 += r8 ^ r7.
     */
    private List<Insn> program(int stores) {
        List<Insn> p = new ArrayList<>();
        p.add(movX(6, 1));
        p.add(alu64K(BPF_AND, 6, 15));
        p.add(movK(7, 0));
        p.add(movK(9, 0));
        int loop1 = p.size();
        p.add(ins(BPF_JMP | BPF_JGE | BPF_X, 9, 6, 3, 0));       // if r9 >= r6 goto run
        p.add(alu64X(BPF_ADD, 7, 6));
        p.add(alu64K(BPF_ADD, 9, 1));
        p.add(ins(BPF_JMP | BPF_JA, 0, 0, loop1 - p.size() - 1, 0));
        runStart = p.size();
        p.add(movK(8, 0));
        for (int k = 0; k < stores; k++) {
            if (k == stores / 2) {
                p.add(ins(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8 * (k + 1), 0));
            } else {
                p.add(ins(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8 * (k + 1), k * 3));
            }
            p.add(alu64K(BPF_ADD, 8, k));
        }
        p.add(movK(0, 0));
        p.add(movX(2, 10));
        p.add(movK(9, 0));
        runEnd = p.size();
        int loop2 = p.size();
        p.add(alu64K(BPF_ADD, 2, -8));
        p.add(ins(BPF_LDX | BPF_MEM | BPF_DW, 3, 2, 0, 0));
        p.add(alu64X(BPF_ADD, 0, 3));
        p.add(alu64K(BPF_ADD, 9, 1));
        p.add(ins(BPF_JMP | BPF_JLT | BPF_K, 9, 0, loop2 - p.size() - 1, stores));
        p.add(alu64X(BPF_XOR, 8, 7));
        p.add(alu64X(BPF_ADD, 0, 8));
        p.add(exit());
        return p;
    }

    @Test
    void aLongStraightRunIsARegionOfItsOwn() {
        List<Insn> p = program(56);
        Plan plan = new Plan(p, new int[] {0}, Plan.DEFAULT_BUDGET);
        assertTrue(plan.split(0), "a 56-store run in a " + p.size() + "-slot program is outlined");
        int[] rs = plan.regionStarts[0];
        assertTrue(Arrays.binarySearch(rs, runStart) >= 0, "a region starts at the run: " + Arrays.toString(rs));
        assertTrue(Arrays.binarySearch(rs, runEnd) >= 0, "a region starts after it: " + Arrays.toString(rs));
        assertTrue(plan.regionOf(0, runEnd + 1) == plan.regionOf(0, runEnd + 4), "the loop after it stays in one region");
    }

    @Test
    void aShortRunLeavesTheSubprogramWhole() {
        assertFalse(new Plan(program(10), new int[] {0}, Plan.DEFAULT_BUDGET).split(0));
    }

    @Test
    void theOutlinedProgramAgreesWithTheInterpreterOnRandomInputs() {
        ProgramImage image = new ProgramImage("outlined", program(56));
        Executable jit = new JitCompiler(arena, helpers).load(image);
        assertEquals("jit", jit.engineName());
        Executable interp = new Interpreter(arena, helpers).load(image);
        Random rnd = new Random(56);
        for (int k = 0; k < 300; k++) {
            long r1 = k < 2 ? k : rnd.nextLong();
            assertEquals(interp.run(r1), jit.run(r1), "r1 = " + r1);
        }
        // r1 = 5: r7 = 25, r8 = 0+..+55 = 1540; stores k*3 except word 28 = r1
        long want = 0;
        for (int w = 0; w < 56; w++) {
            want += w == 28 ? 5 : w * 3;
        }
        assertEquals(want + (1540 ^ 25), jit.run(5));
    }
}
