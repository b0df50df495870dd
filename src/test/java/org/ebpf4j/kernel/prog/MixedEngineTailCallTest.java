package org.ebpf4j.kernel.prog;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A PROG_ARRAY holding programs loaded with different engines (ProgLoader's engine choice): the
 * chain is one program run with one MAX_TAIL_CALL_CNT = 33 budget (kernel/bpf/core.c
 * JMP_TAIL_CALL), whichever engine runs each program ({@link org.ebpf4j.vm.Executable#runAsTailCall}).
 */
class MixedEngineTailCallTest {
    final ProgFixture f = new ProgFixture();

    @AfterEach
    void close() { f.close(); }

    /** counter[0] += add; tail call progs[next]; r0 = ret */
    private int load(ProgEnv.EngineKind engine, int counter, int progs, int add, int next, int ret) {
        List<Insn> p = Asm.program().mov64(Reg.R6, Reg.R1).ldMapValue(Reg.R1, counter, 0)
                .ldx(Size.DW, Reg.R2, Reg.R1, 0).add64(Reg.R2, add).stx(Size.DW, Reg.R1, 0, Reg.R2)
                .mov64(Reg.R1, Reg.R6).ldMapFd(Reg.R2, progs).mov64(Reg.R3, next).call(12)
                .mov64(Reg.R0, ret).exit().build();
        int fd = f.rt.progs().loader().load(f.task, ProgLoadAttr.of(ProgType.XDP.value(), p, "GPL"), engine);
        assertEquals(engine == ProgEnv.EngineKind.JIT ? "jit" : "interp", f.prog(fd).executable().engineName());
        return fd;
    }

    private long counter(int map) {
        return ProgFixture.u64(f.bpf.mapLookupElem(f.task, map, ProgFixture.le32(0)), 0);
    }

    @ParameterizedTest(name = "{0} <-> {1}")
    @CsvSource({"INTERPRETER, JIT", "JIT, INTERPRETER", "JIT, JIT", "INTERPRETER, INTERPRETER"})
    void aPingPongThroughTheProgArrayStopsAfter33(ProgEnv.EngineKind a, ProgEnv.EngineKind b) {
        int counter = f.bpf.mapCreate(f.task, MapCreateAttr.of(MapType.ARRAY, 4, 8, 1, 0));
        int progs = f.bpf.mapCreate(f.task, MapCreateAttr.of(MapType.PROG_ARRAY, 4, 4, 2, 0));
        int pa = load(a, counter, progs, 1, 1, 1);
        int pb = load(b, counter, progs, 100, 0, 2);
        f.bpf.mapUpdateElem(f.task, progs, ProgFixture.le32(0), ProgFixture.le32(pa), 0);
        f.bpf.mapUpdateElem(f.task, progs, ProgFixture.le32(1), ProgFixture.le32(pb), 0);
        // 1 run + 33 tail calls: A and B run 17 times each, B (the 34th) falls through
        assertEquals(2, f.bpf.progTestRun(f.task, TestRunAttr.ofData(pa, new byte[14], 1)).retval());
        assertEquals(17 + 1700, counter(counter));
        // from B: A is the one that falls through
        assertEquals(1, f.bpf.progTestRun(f.task, TestRunAttr.ofData(pb, new byte[14], 1)).retval());
        assertEquals(2 * (17 + 1700), counter(counter));
        // repeat 3: each test_run repetition is its own run with its own budget
        assertEquals(2, f.bpf.progTestRun(f.task, TestRunAttr.ofData(pa, new byte[14], 3)).retval());
        assertEquals(5 * (17 + 1700), counter(counter));
    }
}
