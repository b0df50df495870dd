package org.ebpf4j.vm.verifier;

import static org.ebpf4j.isa.Opcodes.*;
import static org.ebpf4j.vm.Progs.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.VerifierOption;
import org.ebpf4j.vm.VmFixture;
import org.ebpf4j.vm.interp.CallTestAccess;
import org.junit.jupiter.api.Test;

/**
 * Every rejection of the structural verifier, with the index and the words of
 * kernel/bpf/verifier.c (messages checked against Linux 6.18's source).
 */
class StructuralVerifierTest extends VmFixture {
    private void rejects(int insn, String reason, Object... parts) {
        VerifierException e = reject(parts);
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(insn, e.insnIndex(), e.getMessage());
        assertEquals("insn " + insn + ": " + reason, e.getMessage());
        assertEquals(reason + "\n", e.log());
    }

    // ---- size ----

    @Test
    void emptyProgram() {
        assertThrows(VerifierException.class, () -> load(new ProgramImage("empty", List.of())));
    }

    @Test
    void programTooLarge() {
        List<Insn> big = new ArrayList<>(Collections.nCopies(StructuralVerifier.BPF_COMPLEXITY_LIMIT_INSNS, movK(0, 0)));
        big.add(exit());
        VerifierException e = assertThrows(VerifierException.class, () -> load(new ProgramImage("big", big)));
        assertEquals(true, e.reason().startsWith("program too large"), e.getMessage());
    }

    // ---- opcode table and the first linear pass ----

    @Test
    void unknownOpcodes() {
        rejects(0, "unknown opcode 8d", ins(BPF_JMP | BPF_CALL | BPF_X, 0, 2, 0, 0), exit());   // callx
        rejects(1, "unknown opcode df", movK(0, 0), ins(BPF_ALU64 | BPF_END | BPF_TO_BE, 0, 0, 0, 16), exit());
        rejects(1, "unknown opcode 8c", movK(0, 0), ins(BPF_ALU | BPF_NEG | BPF_X, 0, 0, 0, 0), exit());
        rejects(1, "unknown opcode 96", movK(0, 0), ins(BPF_JMP32 | BPF_EXIT, 0, 0, 0, 0), exit());
        rejects(1, "unknown opcode 86", movK(0, 0), ins(BPF_JMP32 | BPF_CALL, 0, 0, 0, 1), exit());
        rejects(1, "unknown opcode 0d", movK(0, 0), ins(BPF_JMP | BPF_JA | BPF_X, 0, 0, 0, 0), exit());
        rejects(1, "unknown opcode 99", movK(0, 0), ins(BPF_LDX | BPF_MEMSX | BPF_DW, 0, 1, 0, 0), exit());
        rejects(1, "unknown opcode 38", movK(0, 0), ins(BPF_LD | BPF_ABS | BPF_DW, 0, 0, 0, 0), exit());
        rejects(1, "unknown opcode 00", movK(0, 0), ins(0, 0, 0, 0, 0), exit());
        rejects(1, "unknown opcode f6", movK(0, 0), ins(0xf6, 0, 0, 0, 0), exit());          // JMP32 op 0xf0
        rejects(1, "unknown opcode e6", movK(0, 0), ins(BPF_JMP32 | BPF_JCOND, 0, 0, 0, 0), exit());
    }

    @Test
    void ldxReservedFields() {
        rejects(0, "BPF_LDX uses reserved fields", ins(BPF_LDX | BPF_MEM | BPF_W, 0, 10, -4, 1), exit());
        rejects(0, "BPF_LDX uses reserved fields", ins(BPF_LDX | BPF_IMM | BPF_W, 0, 10, -4, 0), exit());
    }

    @Test
    void ldImm64Pairs() {
        rejects(1, "last insn is not an exit or jmp", movK(0, 0), ins(LD_IMM64, 0, 0, 0, 1));   // as Linux: subprogs first
        rejects(1, "invalid bpf_ld_imm64 insn", movK(0, 0), ins(LD_IMM64, 0, 0, 0, 1), exit());
        rejects(0, "invalid bpf_ld_imm64 insn", ins(LD_IMM64, 0, 0, 0, 1), ins(0, 1, 0, 0, 0), exit());
        rejects(0, "invalid bpf_ld_imm64 insn", ins(LD_IMM64, 0, 0, 0, 1), ins(0, 0, 0, 1, 0), exit());
        rejects(0, "invalid bpf_ld_imm64 insn", ins(LD_IMM64, 0, 0, 0, 1), exit(), exit());
        rejects(0, "unrecognized bpf_ld_imm64 insn", ins(LD_IMM64, 0, BPF_PSEUDO_MAP_FD, 0, 3), ins(0, 0, 0, 0, 0), exit());
        rejects(0, "BPF_LD_IMM64 uses reserved fields", ins(LD_IMM64, 0, 0, 1, 3), ins(0, 0, 0, 0, 0), exit());
    }

    // ---- subprograms, jumps, reachability ----

    @Test
    void jumpsOutOfTheProgram() {
        rejects(1, "jump out of range from insn 1 to 5", movK(0, 0), ja(3), exit());
        rejects(1, "jump out of range from insn 1 to -1", movK(0, 0), ja(-3), exit());
        rejects(1, "jump out of range from insn 1 to 4",
                movK(0, 0), ins(BPF_JMP32 | BPF_JA, 0, 0, 0, 2), exit());                     // gotol uses imm
        rejects(1, "jump out of range from insn 1 to 9",
                movK(0, 0), ins(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 7, 0), exit());
    }

    @Test
    void jumpsBetweenSubprograms() {
        // main: call f; jeq r0, 0 -> into f; exit   f: r0 = 1; exit
        rejects(1, "jump out of range from insn 1 to 3",
                callLocal(1), ins(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0), exit(), movK(0, 1), exit());
    }

    @Test
    void lastInsnOfEachSubprogram() {
        rejects(1, "last insn is not an exit or jmp", movK(0, 0), movK(0, 1));
        rejects(2, "last insn is not an exit or jmp", callLocal(1), exit(), movK(0, 1));
        // main falls into the subprogram
        rejects(0, "last insn is not an exit or jmp", callLocal(0), movK(0, 1), exit());
        rejects(2, "last insn is not an exit or jmp", movK(0, 0), lddw(1, 5));
    }

    @Test
    void callTargets() {
        rejects(0, "call to invalid destination", callLocal(5), exit());
        rejects(1, "call to invalid destination", movK(0, 0), callLocal(-3), exit());
        rejects(0, "call to invalid destination", ins(LD_IMM64, 1, BPF_PSEUDO_FUNC, 0, 9), ins(0, 0, 0, 0, 0), exit());
        VerifierException e = reject(ins(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 1234), exit());
        assertEquals(0, e.insnIndex());
        assertEquals(true, e.reason().contains("kfunc"), e.getMessage());
    }

    @Test
    void unreachableCode() {
        rejects(2, "unreachable insn 2", movK(0, 0), exit(), movK(0, 1), exit());
        rejects(2, "unreachable insn 2", movK(0, 0), ja(1), movK(0, 1), exit());
        rejects(2, "unreachable insn 2", movK(0, 0), exit(), exit(), movK(0, 1), exit());
        // allowed on request, and such code still has to be well formed
        assertEquals(0, loadLenient(prog(movK(0, 0), exit(), movK(0, 1), exit())).run(0));
    }

    @Test
    void jumpIntoTheMiddleOfLdImm64() {
        rejects(1, "jump into the middle of ldimm64 insn 1",
                ins(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1, 0), lddw(0, 7), exit());
        VerifierException e = reject(VerifierOption.CONFORMANCE, ins(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1, 0), lddw(0, 7), exit());
        assertEquals("jump into the middle of ldimm64 insn 1", e.reason());
    }

    // ---- per-instruction fields (do_check) ----

    @Test
    void aluReservedFields() {
        rejects(1, "BPF_ALU uses reserved fields", movK(0, 0), ins(BPF_ALU64 | BPF_ADD | BPF_K, 0, 1, 0, 1), exit());
        rejects(1, "BPF_ALU uses reserved fields", movK(0, 0), ins(BPF_ALU | BPF_ADD | BPF_K, 0, 0, 2, 1), exit());
        rejects(1, "BPF_ALU uses reserved fields", movK(0, 0), ins(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 1), exit());
        rejects(1, "BPF_ALU uses reserved fields", movK(0, 0), ins(BPF_ALU64 | BPF_SUB | BPF_X, 0, 1, 1, 0), exit());
        rejects(1, "BPF_ALU uses reserved fields", movK(0, 0), ins(BPF_ALU64 | BPF_DIV | BPF_X, 0, 1, 2, 0), exit());
        rejects(1, "BPF_NEG uses reserved fields", movK(0, 0), ins(BPF_ALU64 | BPF_NEG, 0, 1, 0, 0), exit());
        rejects(1, "BPF_NEG uses reserved fields", movK(0, 0), ins(BPF_ALU | BPF_NEG, 0, 0, 1, 0), exit());
        rejects(1, "BPF_NEG uses reserved fields", movK(0, 0), ins(BPF_ALU | BPF_NEG, 0, 0, 0, 1), exit());
        rejects(1, "BPF_END uses reserved fields", movK(0, 0), ins(BPF_ALU | BPF_END | BPF_TO_LE, 0, 0, 0, 8), exit());
        rejects(1, "BPF_END uses reserved fields", movK(0, 0), ins(BPF_ALU | BPF_END | BPF_TO_BE, 0, 0, 1, 16), exit());
        rejects(1, "BPF_END uses reserved fields", movK(0, 0), ins(BPF_ALU64 | BPF_END, 0, 1, 0, 16), exit());
    }

    @Test
    void movReservedFields() {
        rejects(0, "BPF_MOV uses reserved fields", ins(BPF_ALU64 | BPF_MOV | BPF_K, 0, 1, 0, 0), exit());
        rejects(0, "BPF_MOV uses reserved fields", ins(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 8, 0), exit());
        rejects(0, "BPF_MOV uses reserved fields", ins(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 0, 1), exit());
        rejects(0, "BPF_MOV uses reserved fields", ins(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 7, 0), exit());
        rejects(0, "BPF_MOV uses reserved fields", ins(BPF_ALU | BPF_MOV | BPF_X, 0, 1, 32, 0), exit());  // movsx32 32
        rejects(1, "addr_space_cast insn can only be used in a program that has an associated arena",
                movK(1, 0), ins(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 1, 1), exit());
        rejects(1, "addr_space_cast insn can only convert between address space 1 and 0",
                movK(1, 0), ins(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 1, 0), exit());
    }

    @Test
    void constantTraps() {
        rejects(1, "div by zero", movK(0, 1), ins(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 0, 0), exit());
        rejects(1, "div by zero", movK(0, 1), ins(BPF_ALU | BPF_MOD | BPF_K, 0, 0, 1, 0), exit());
        rejects(1, "invalid shift 32", movK(0, 1), ins(BPF_ALU | BPF_LSH | BPF_K, 0, 0, 0, 32), exit());
        rejects(1, "invalid shift -1", movK(0, 1), ins(BPF_ALU64 | BPF_ARSH | BPF_K, 0, 0, 0, -1), exit());
        rejects(1, "invalid shift 64", movK(0, 1), ins(BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 64), exit());
        assertEquals(1L << 63, run(movK(0, 1), ins(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, 63), exit()));
    }

    @Test
    void memoryReservedFields() {
        rejects(0, "BPF_ST uses reserved fields", ins(BPF_ST | BPF_MEM | BPF_W, 10, 1, -4, 0), movK(0, 0), exit());
        rejects(1, "BPF_STX uses reserved fields", movK(1, 0), ins(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 1), movK(0, 0), exit());
        rejects(1, "BPF_ATOMIC uses invalid atomic opcode 02", movK(1, 0),
                ins(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 1, -8, 2), movK(0, 0), exit());
        rejects(1, "BPF_ATOMIC uses invalid atomic opcode 151", movK(1, 0),
                ins(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 1, -8, BPF_AND | BPF_FETCH | 0x100), movK(0, 0), exit());
        rejects(1, "invalid atomic operand size", movK(1, 0),
                ins(BPF_STX | BPF_ATOMIC | BPF_B, 10, 1, -8, BPF_ADD), movK(0, 0), exit());
        rejects(0, "BPF_LD_[ABS|IND] uses reserved fields", ins(BPF_LD | BPF_ABS | BPF_W, 1, 0, 0, 0), exit());
        rejects(0, "BPF_LD_[ABS|IND] uses reserved fields", ins(BPF_LD | BPF_ABS | BPF_W, 0, 1, 0, 0), exit());
        rejects(0, "BPF_LD_[ABS|IND] uses reserved fields", ins(BPF_LD | BPF_IND | BPF_W, 0, 1, 1, 0), exit());
    }

    @Test
    void jumpAndCallReservedFields() {
        rejects(0, "BPF_CALL uses reserved fields", ins(BPF_JMP | BPF_CALL, 1, 0, 0, 5), exit());
        rejects(0, "BPF_CALL uses reserved fields", ins(BPF_JMP | BPF_CALL, 0, 0, 1, 5), exit());
        rejects(0, "BPF_CALL uses reserved fields", ins(BPF_JMP | BPF_CALL, 0, 3, 0, 5), exit());
        rejects(1, "BPF_JA uses reserved fields", movK(0, 0), ins(BPF_JMP | BPF_JA, 0, 0, 0, 1), exit());
        rejects(1, "BPF_JA uses reserved fields", movK(0, 0), ins(BPF_JMP | BPF_JA, 1, 0, 0, 0), exit());
        rejects(1, "BPF_JA uses reserved fields", movK(0, 0), ins(BPF_JMP32 | BPF_JA, 0, 0, 1, 0), exit());
        rejects(1, "BPF_EXIT uses reserved fields", movK(0, 0), ins(BPF_JMP | BPF_EXIT, 1, 0, 0, 0));
        rejects(1, "BPF_EXIT uses reserved fields", movK(0, 0), ins(BPF_JMP | BPF_EXIT, 0, 1, 0, 0));
        rejects(1, "BPF_EXIT uses reserved fields", movK(0, 0), ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 1));
        // Linux 6.18 does not look at exit's off (bpf_conformance's negative vector expects it to)
        assertEquals(3, run(movK(0, 3), ins(BPF_JMP | BPF_EXIT, 0, 0, 1, 0)));
        rejects(1, "BPF_JMP/JMP32 uses reserved fields", movK(0, 0), ins(BPF_JMP | BPF_JEQ | BPF_X, 0, 1, 0, 1), exit());
        rejects(1, "BPF_JMP/JMP32 uses reserved fields", movK(0, 0), ins(BPF_JMP32 | BPF_JGT | BPF_K, 0, 1, 0, 1), exit());
        rejects(1, "invalid may_goto imm 3", movK(0, 0), ins(BPF_JMP | BPF_JCOND, 0, 0, 0, 3), exit());
    }

    @Test
    void unknownHelper() {
        rejects(0, "invalid func unknown#9999", call(9999), exit());
        rejects(0, "invalid func unknown#1", call(1), exit());      // map_lookup_elem is not in the base table
    }

    // ---- registers ----

    @Test
    void registerNumbers() {
        rejects(0, "R11 is invalid", movK(11, 0), exit());
        rejects(1, "R12 is invalid", movK(0, 0), movX(0, 12), exit());
        rejects(1, "R15 is invalid", movK(0, 0), ins(BPF_JMP | BPF_JEQ | BPF_K, 15, 0, 0, 0), exit());
        rejects(1, "R11 is invalid", movK(0, 0), ins(BPF_LDX | BPF_MEM | BPF_W, 0, 11, 0, 0), exit());
    }

    @Test
    void framePointerIsReadOnly() {
        rejects(0, "frame pointer is read only", movK(10, 0), exit());
        rejects(0, "frame pointer is read only", ins(BPF_ALU64 | BPF_ADD | BPF_K, 10, 0, 0, 8), exit());
        rejects(0, "frame pointer is read only", ins(BPF_LDX | BPF_MEM | BPF_DW, 10, 1, 0, 0), exit());
        rejects(0, "frame pointer is read only", lddw(10, 1), exit());
        rejects(1, "frame pointer is read only", movK(1, 0),
                ins(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 10, 0, BPF_ADD | BPF_FETCH), movK(0, 0), exit());
        assertEquals(true, run(movX(0, 10), exit()) != 0, "reading r10 is fine");
    }

    @Test
    void uninitialisedReads() {
        rejects(0, "R2 !read_ok", movX(0, 2), exit());
        rejects(0, "R0 !read_ok", exit());
        rejects(0, "R0 !read_ok", alu64K(BPF_ADD, 0, 1), exit());
        rejects(1, "R3 !read_ok", movK(0, 0), ins(BPF_JMP | BPF_JEQ | BPF_X, 0, 3, 0, 0), exit());
        rejects(1, "R6 !read_ok", movK(0, 0), ins(BPF_STX | BPF_MEM | BPF_DW, 10, 6, -8, 0), exit());
        // only one path writes r0
        rejects(2, "R0 !read_ok", ins(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1, 0), movK(0, 0), exit());
        // a helper call clobbers r1-r5 and sets r0
        rejects(2, "R1 !read_ok", movK(1, 1), call(5), movX(0, 1), exit());
        // cmpxchg reads r0
        rejects(1, "R0 !read_ok", movK(2, 0), ins(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 2, -8, BPF_CMPXCHG), exit());
        // r2 is initialised at entry only on request
        assertEquals(7, loadLenient(prog(movX(0, 2), exit())).run(0, 7));
    }

    @Test
    void uninitialisedReadsAcrossLocalCalls() {
        // the callee sees only the r1-r5 its caller set
        rejects(3, "R3 !read_ok", movK(2, 1), callLocal(1), exit(), movX(0, 3), exit());
        // after the call r1-r5 are gone, r6-r9 and r0 are there
        rejects(3, "R2 !read_ok", movK(2, 1), movK(6, 1), callLocal(2), movX(0, 2), exit(), movK(0, 0), exit());
        assertEquals(1, run(movK(6, 1), callLocal(2), movX(0, 6), exit(), movK(0, 5), exit()));
        // a callee that exits without setting r0
        rejects(3, "R0 !read_ok", movK(0, 1), callLocal(1), exit(), exit());
    }

    @Test
    void callDepth() {
        rejects(2 * 7, "the call stack of 9 frames is too deep", CallTestAccess.chain(9).toArray());
        // recursion: f calls itself
        rejects(2, "the call stack of 9 frames is too deep", callLocal(1), exit(), callLocal(-1), exit());
        // deep through a callback reference counts as a frame
        // (the eighth frame loads &cb at 14: cb would be a ninth)
        List<Object> p = new ArrayList<>(CallTestAccess.chain(8).subList(0, 14));
        p.addAll(List.of(ins(LD_IMM64, 1, BPF_PSEUDO_FUNC, 0, 3), ins(0, 0, 0, 0, 0), movK(0, 42), exit(),
                movK(0, 0), exit()));
        rejects(14, "the call stack of 9 frames is too deep", p.toArray());
    }

    @Test
    void acceptsAllOfCpuV4() {
        // smoke: one of each v4 addition loads and runs under kernel checks
        assertEquals(0xffff_ffff_ffff_ff80L, run(movK(1, 0x80), ins(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 8, 0), exit()));
        assertEquals(-3L, run(movK(0, -7), ins(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 1, 2), exit()));
        assertEquals(0x3412, run(movK(0, 0x1234), ins(BPF_ALU64 | BPF_END, 0, 0, 0, 16), exit()));
        assertEquals(5, run(movK(0, 5), ins(BPF_JMP32 | BPF_JA, 0, 0, 0, 0), exit()));
    }

    /** Programs with two faults: the one Linux 6.18 reports (checked with BPF_PROG_LOAD) wins. */
    @Test
    void checkOrderFollowsTheKernel() {
        rejects(1, "last insn is not an exit or jmp", ins(BPF_LDX | BPF_MEM | BPF_W, 0, 10, -4, 1), movK(0, 0));
        rejects(1, "last insn is not an exit or jmp", ins(BPF_JMP | BPF_CALL | BPF_X, 0, 0, 0, 0), movK(0, 0));
        rejects(1, "call to invalid destination", ins(BPF_JMP | BPF_CALL | BPF_X, 0, 0, 0, 0), callLocal(5), exit());
        rejects(0, "jump out of range from insn 0 to 6", ja(5), ins(BPF_JMP | BPF_CALL | BPF_X, 0, 0, 0, 0), exit());
        rejects(3, "unreachable insn 3", movK(0, 0), ins(BPF_ALU64 | BPF_ADD | BPF_K, 0, 1, 0, 1), exit(), movK(0, 1), exit());
        rejects(1, "jump into the middle of ldimm64 insn 1",
                ins(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1, 0), lddw(0, 7), exit(), movK(0, 0), exit());
    }

    @Test
    void errnosAreTheKernels() {
        assertEquals(Errno.EINVAL, reject(ins(BPF_JMP | BPF_CALL | BPF_X, 0, 0, 0, 0), exit()).errno());
        assertEquals(Errno.EACCES, reject(exit()).errno());
        assertEquals(Errno.EACCES, reject(movK(10, 0), exit()).errno());
        assertEquals(Errno.E2BIG, reject(CallTestAccess.chain(9).toArray()).errno());
        assertEquals(Errno.E2BIG, assertThrows(VerifierException.class,
                () -> load(new ProgramImage("empty", List.of()))).errno());
    }

    @Test
    void optionsRelaxOnlyWhatTheySay() {
        VerifierException e = reject(Set.of(VerifierOption.ALLOW_UNREACHABLE), movK(0, 1),
                ins(BPF_ALU | BPF_LSH | BPF_K, 0, 0, 0, 40), exit());
        assertEquals("invalid shift 40", e.reason());
        e = reject(Set.of(VerifierOption.ALLOW_CONSTANT_TRAPS), movK(0, 0), exit(), exit());
        assertEquals("unreachable insn 2", e.reason());
    }
}
