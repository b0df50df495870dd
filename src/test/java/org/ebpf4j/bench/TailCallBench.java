package org.ebpf4j.bench;

import static org.ebpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.BaseHelpers;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.helper.TailCallHelper;
import org.ebpf4j.vm.jit.JitCompiler;
import org.openjdk.jmh.annotations.*;

/**
 * Issue 8, tail calls: the shape of {@code examples/bench/tail_chain.bpf.o} at the engine level
 * (no maps: the prog array is a Java array behind a {@link TailCallHelper}), so that the cost of
 * the engines' tail-call path is seen apart from the map layer. {@code chain33}: an entry program
 * and 33 tail calls of a link program that bumps a counter in the context (the kernel runs the
 * object's chain in ~64 ns); {@code single}: the link program alone with an empty slot (the call
 * falls through), the per-run baseline.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TailCallBench {
    @Param({"interp", "jit"})
    public String engine;

    /** {@code inline}: the engines' own tail call; {@code generic}: a plain helper requesting it through RunState. */
    @Param({"inline", "generic"})
    public String path = "inline";

    private Arena arena;
    private final Executable[] slots = new Executable[2];
    private Executable entry;
    private Executable alone;
    private long ctx;

    /** ctx[0]++; bpf_tail_call(ctx, 0, idx); r0 = ctx[0] */
    private static ProgramImage link(String name, int idx) {
        return new ProgramImage(name, List.of(
                Insn.of(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 0, 0), Insn.of(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, 1),
                Insn.of(BPF_STX | BPF_MEM | BPF_DW, 1, 2, 0, 0), Insn.of(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
                Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0), Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, idx),
                Insn.of(BPF_JMP | BPF_CALL, 0, 0, 0, BaseHelpers.BPF_FUNC_tail_call),
                Insn.of(BPF_LDX | BPF_MEM | BPF_DW, 0, 6, 0, 0), Insn.of(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)));
    }

    @Setup
    public void setup() {
        arena = new Arena(1 << 20);
        HelperTable helpers = HelperTable.base();
        TailCallHelper slotRead = (map, idx) -> idx < slots.length ? slots[(int) idx] : null;
        helpers.register(new HelperProto(BaseHelpers.BPF_FUNC_tail_call, "bpf_tail_call", path.equals("inline")
                ? slotRead : (s, a, b, c, d, f) -> slotRead.call(s, a, b, c, d, f)));
        Engine e = engine.equals("jit") ? new JitCompiler(arena, helpers) : new Interpreter(arena, helpers);
        slots[0] = e.load(link("chain_link", 0));
        entry = e.load(new ProgramImage("chain_entry", new ArrayList<>(List.of(
                Insn.of(BPF_ST | BPF_MEM | BPF_DW, 1, 0, 0, 0), Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0),
                Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
                Insn.of(BPF_JMP | BPF_CALL, 0, 0, 0, BaseHelpers.BPF_FUNC_tail_call),
                Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -1), Insn.of(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)))));
        alone = e.load(link("alone", 1));
        ctx = arena.alloc(8);
        if (entry.run(ctx) != 33) {
            throw new IllegalStateException("chain returned " + entry.run(ctx) + ", not 33");
        }
    }

    @TearDown
    public void tearDown() { arena.close(); }

    @Benchmark
    public long chain33() { return entry.run(ctx); }

    @Benchmark
    public long single() { return alone.run(ctx); }
}
