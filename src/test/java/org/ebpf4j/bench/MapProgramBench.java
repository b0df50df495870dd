package org.ebpf4j.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapHelpers;
import org.ebpf4j.map.MapTypes;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.jit.JitCompiler;
import org.openjdk.jmh.annotations.*;

/**
 * Issue 4, program side: ns per bpf_map_lookup_elem / bpf_map_update_elem made by a BPF program,
 * for HASH and ARRAY (4-byte key, 8-byte value) holding 10, 10 000 and 1 000 000 keys, on the
 * interpreter and on the JIT, 1 and 2 threads. Linux on this machine: a HASH lookup from a
 * program costs ~20–40 ns inside TEST_RUN (kernel-observed-6.18.md).
 *
 * <p>The programs are what clang makes of {@code v = bpf_map_lookup_elem(&m, &k); if (v)
 * __sync_fetch_and_add(v, 1);} and {@code bpf_map_update_elem(&m, &k, &v, BPF_ANY)}: the key
 * (read from the context, {@code ctx[0]}) is copied to the stack, the map pointer is an
 * {@code lddw} constant. Each run is inside an RCU read-side section, as TEST_RUN and the hooks
 * run programs, so updates exercise the deferred free of replaced HASH elements. Each thread
 * walks all keys with its own odd stride (all keys exist: lookups hit, updates replace).
 * {@code empty} is the cost of one run of {@code r0 = 0; exit} with the same harness.
 *
 * <p>Run: {@code ./bench/jmh MapProgramBench -f 1 -wi 3 -i 5 -w 1 -r 1} (add {@code -prof gc}
 * for allocation per op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss8m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MapProgramBench {

    @State(Scope.Benchmark)
    public static class Maps {
        @Param({"HASH", "ARRAY"})
        public String type;

        @Param({"10", "10000", "1000000"})
        public int keys;

        @Param({"interp", "jit"})
        public String engine;

        Runtime rt;
        BpfMap map;
        Executable lookup;
        Executable update;
        Executable empty;

        @Setup(Level.Trial)
        public void setup() {
            rt = Runtime.builder().arenaSize(1L << 30).cpus(2).build();
            map = MapTypes.create(MapAttr.of(MapType.valueOf(type), 4, 8, keys, 0), rt.mapEnv());
            byte[] v = new byte[8];
            for (int i = 0; i < keys; i++) {
                map.update(SyscallMapBench.le32(i), v, 0);
            }
            HelperTable helpers = HelperTable.base();
            MapHelpers.register(helpers, rt.mapRegistry());
            Engine e = engine.equals("jit") ? new JitCompiler(rt.arena(), helpers) : new Interpreter(rt.arena(), helpers);
            lookup = load(e, "lookup", lookupProgram(map.address()));
            update = load(e, "update", updateProgram(map.address()));
            empty = load(e, "empty", Asm.program().mov64(Reg.R0, 0).exit().build());
            String want = engine.equals("jit") ? "jit" : "interp";
            if (!lookup.engineName().equals(want) || !update.engineName().equals(want)) {
                throw new IllegalStateException("engine " + want + " fell back: " + lookup.engineName());
            }
            long ctx = rt.arena().alloc(16);
            rt.arena().store32(ctx, keys - 1);
            long hit = lookup.run(ctx);
            long upd = update.run(ctx);
            rt.arena().free(ctx, 16);
            if (hit != 1 || upd != 0) {   // the programs must do what they are timed for
                throw new IllegalStateException("lookup returned " + hit + " (want 1), update " + upd + " (want 0)");
            }
        }

        private static Executable load(Engine e, String name, List<Insn> insns) {
            return e.load(new ProgramImage(name, insns));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            map.free();
            rt.close();
        }
    }

    /** {@code k = *(u32 *)ctx; v = lookup(&map, &k); if (v) lock *(u64 *)v += 1; return v != 0}. */
    static List<Insn> lookupProgram(long mapAddr) {
        return Asm.program()
                .ldx(Size.W, Reg.R2, Reg.R1, 0)
                .stx(Size.W, Reg.R10, -4, Reg.R2)
                .lddw(Reg.R1, mapAddr)
                .mov64(Reg.R2, Reg.R10)
                .add64(Reg.R2, -4)
                .call(MapHelpers.BPF_FUNC_map_lookup_elem)
                .jeq(Reg.R0, 0, "out")
                .mov64(Reg.R1, 1)
                .atomicAdd(Size.DW, Reg.R0, 0, Reg.R1)
                .mov64(Reg.R0, 1)
                .label("out")
                .exit()
                .build();
    }

    /** {@code k = *(u32 *)ctx; v = k; return update(&map, &k, &v, BPF_ANY)}. */
    static List<Insn> updateProgram(long mapAddr) {
        return Asm.program()
                .ldx(Size.W, Reg.R2, Reg.R1, 0)
                .stx(Size.W, Reg.R10, -4, Reg.R2)
                .stx(Size.DW, Reg.R10, -16, Reg.R2)
                .lddw(Reg.R1, mapAddr)
                .mov64(Reg.R2, Reg.R10)
                .add64(Reg.R2, -4)
                .mov64(Reg.R3, Reg.R10)
                .add64(Reg.R3, -16)
                .mov64(Reg.R4, 0)
                .call(MapHelpers.BPF_FUNC_map_update_elem)
                .exit()
                .build();
    }

    /** Per thread: the context (key at offset 0) in the arena, this thread's RCU reader, a key cursor. */
    @State(Scope.Thread)
    public static class Cursor {
        Arena arena;
        Rcu.Reader rcu;
        long ctx;
        int next;
        int stride;
        int keys;

        @Setup(Level.Trial)
        public void setup(Maps m, org.openjdk.jmh.infra.ThreadParams tp) {
            arena = m.rt.arena();
            rcu = m.rt.rcu().reader();
            ctx = arena.alloc(16);
            keys = m.keys;
            stride = tp.getThreadIndex() == 0 ? 7919 : 104729;   // primes: every key visited
        }

        long key() {
            int k = next + stride;
            next = k >= keys ? k % keys : k;
            arena.store32(ctx, next);
            return ctx;
        }

        long run(Executable exe) {
            long c = key();
            rcu.lock();
            try {
                return exe.run(c);
            } finally {
                rcu.unlock();
            }
        }
    }

    @Benchmark
    @Threads(1)
    public long lookup1(Maps m, Cursor c) { return c.run(m.lookup); }

    @Benchmark
    @Threads(2)
    public long lookup2(Maps m, Cursor c) { return c.run(m.lookup); }

    @Benchmark
    @Threads(1)
    public long update1(Maps m, Cursor c) { return c.run(m.update); }

    @Benchmark
    @Threads(2)
    public long update2(Maps m, Cursor c) { return c.run(m.update); }

    @Benchmark
    @Threads(1)
    public long empty1(Maps m, Cursor c) { return c.run(m.empty); }
}
