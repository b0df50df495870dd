package org.ebpf4j.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.Executable;
import org.openjdk.jmh.annotations.*;

/**
 * Issue 4: ns per map lookup / update made by a program (interpreter), for HASH and ARRAY with
 * 10, 10 000 and 1 000 000 keys, on 1 and 2 threads. One program run = one helper call: a
 * syscall-type program reads the key from its context ({@code ctx[0]}) and calls
 * bpf_map_lookup_elem (adding the value's first byte to r0) or bpf_map_update_elem. Each thread
 * walks the keys with its own stride; the per-run cost of the interpreter's entry and exit is
 * in the numbers (compare {@code emptyProgram}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss8m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ProgMapBench {

    @State(Scope.Benchmark)
    public static class Maps {
        @Param({"HASH", "ARRAY"})
        public String type;

        @Param({"10", "10000", "1000000"})
        public int keys;

        Runtime rt;
        Executable lookup;
        Executable update;
        Executable empty;

        @Setup(Level.Trial)
        public void setup() {
            rt = Runtime.builder().arenaSize(1L << 30).cpus(2).build();
            KernelBpf bpf = new KernelBpf(rt);
            Task task = rt.spawn("bench", 0, 0);
            int fd = bpf.mapCreate(task, MapCreateAttr.of(MapType.valueOf(type), 4, 8, keys, 0));
            byte[] v = new byte[8];
            for (int i = 0; i < keys; i++) {
                bpf.mapUpdateElem(task, fd, new byte[] {(byte) i, (byte) (i >>> 8), (byte) (i >>> 16), (byte) (i >>> 24)}, v, 0);
            }
            // r2 = ctx (the key is its first 4 bytes); r1 = map
            List<Insn> lk = Asm.program().mov64(Reg.R2, Reg.R1).ldMapFd(Reg.R1, fd).call(1).mov64(Reg.R1, Reg.R0)
                    .mov64(Reg.R0, 0).jeq(Reg.R1, 0, "out").ldx(Size.B, Reg.R0, Reg.R1, 0).label("out").exit().build();
            List<Insn> up = Asm.program().mov64(Reg.R2, Reg.R1).mov64(Reg.R3, Reg.R1).add64(Reg.R3, 8)
                    .ldMapFd(Reg.R1, fd).mov64(Reg.R4, 0).call(2).exit().build();
            lookup = load(bpf, task, lk);
            update = load(bpf, task, up);
            empty = load(bpf, task, Asm.program().mov64(Reg.R0, 0).exit().build());
        }

        private Executable load(KernelBpf bpf, Task task, List<Insn> insns) {
            int pfd = bpf.progLoad(task, ProgLoadAttr.of(ProgType.SYSCALL.value(), insns, "GPL"));
            return ((BpfProg) ((org.ebpf4j.kernel.File.ProgFile) task.fds().get(pfd)).prog()).executable();
        }

        @TearDown(Level.Trial)
        public void tearDown() { rt.close(); }
    }

    /** Per thread: a 16-byte context in the arena (key at 0, value at 8) and a key cursor. */
    @State(Scope.Thread)
    public static class Cursor {
        long ctx;
        int next;
        int stride;

        @Setup(Level.Trial)
        public void setup(Maps m) {
            ctx = m.rt.arena().alloc(16);
            stride = 7919 + (int) (Thread.currentThread().threadId() % 13) * 2;
        }

        long key(Maps m) {
            next = (next + stride) % m.keys;
            m.rt.arena().store32(ctx, next);
            return ctx;
        }
    }

    @Benchmark
    @Threads(1)
    public long lookup1(Maps m, Cursor c) { return m.lookup.run(c.key(m)); }

    @Benchmark
    @Threads(2)
    public long lookup2(Maps m, Cursor c) { return m.lookup.run(c.key(m)); }

    @Benchmark
    @Threads(1)
    public long update1(Maps m, Cursor c) { return m.update.run(c.key(m)); }

    @Benchmark
    @Threads(2)
    public long update2(Maps m, Cursor c) { return m.update.run(c.key(m)); }

    @Benchmark
    @Threads(1)
    public long emptyProgram(Maps m, Cursor c) { return m.empty.run(c.key(m)); }
}
