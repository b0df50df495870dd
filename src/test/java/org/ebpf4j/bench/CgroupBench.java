package org.ebpf4j.bench;

import static org.ebpf4j.isa.Reg.R0;

import java.util.concurrent.TimeUnit;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.kernel.cgroup.Anchors;
import org.ebpf4j.kernel.cgroup.AttachFlags;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupProg;
import org.ebpf4j.kernel.cgroup.CgroupRunner;
import org.ebpf4j.kernel.cgroup.CgroupTree;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.helper.HelperTable;
import org.openjdk.jmh.annotations.*;

/**
 * Issue 5 benchmarks: (1) attach+detach latency at a cgroup with 1, 1 000 and 10 000 descendants
 * (every detach/attach recomputes and republishes the whole subtree's arrays, spec §4.3);
 * (2) one egress event through an effective array of 1, 8 and 64 trivial programs
 * ({@code r0 = 1; exit} on the interpreter), RCU section and result combination included.
 */
public class CgroupBench {
    /** A program on the interpreter: the real per-program dispatch cost. */
    static final class InterpProg implements CgroupProg {
        private final int id;
        private final Executable exe;

        InterpProg(int id, Executable exe) {
            this.id = id;
            this.exe = exe;
        }

        @Override public int id() { return id; }

        @Override public ProgType type() { return ProgType.CGROUP_SKB; }

        @Override public AttachType expectedAttachType() { return AttachType.CGROUP_INET_EGRESS; }

        @Override public String tagHex() { return "0000000000000000"; }

        @Override public long run(long ctx, CgRunCtx rc) { return exe.run(ctx); }

        @Override public void inc() {}

        @Override public void put() {}
    }

    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public static class Attach {
        @Param({"1", "1000", "10000"})
        int descendants;

        CgroupTree tree;
        Cgroup top;
        CgroupProg prog;

        @Setup
        public void setup() {
            tree = new CgroupTree();
            top = tree.mkdirs("/bench");
            // a two-level subtree: 100 children per inner node (a flat list of 10 000 is the same work)
            int made = 0;
            int inner = 0;
            while (made < descendants) {
                Cgroup mid = tree.mkdir(top, "m" + inner++);
                made++;
                for (int j = 0; j < 99 && made < descendants; j++, made++) {
                    tree.mkdir(mid, "c" + j);
                }
            }
            prog = new InterpProg(1, null);
        }

        @Benchmark
        @Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
        @Warmup(iterations = 2, time = 1)
        @Measurement(iterations = 3, time = 1)
        public void attachDetach() {
            tree.bpf().attach(top, prog, null, null, CgroupHook.INET_EGRESS, AttachFlags.BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
            tree.bpf().detach(top, prog, null, CgroupHook.INET_EGRESS, 0);
        }
    }

    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public static class Run {
        @Param({"1", "8", "64"})
        int progs;

        Arena arena;
        Rcu rcu;
        CgroupRunner runner;
        Cgroup cg;

        @Setup
        public void setup() {
            arena = new Arena(1 << 20);
            rcu = new Rcu("bench");
            runner = new CgroupRunner(rcu);
            CgroupTree tree = new CgroupTree();
            cg = tree.mkdirs("/run");
            Interpreter interp = new Interpreter(arena, HelperTable.base());
            for (int i = 0; i < progs; i++) {
                Executable exe = interp.load(new ProgramImage("allow", Asm.program().mov64(R0, 1).exit().build()));
                tree.bpf().attach(cg, new InterpProg(i + 1, exe), null, null, CgroupHook.INET_EGRESS,
                        AttachFlags.BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
            }
            if (cg.effective(CgroupHook.INET_EGRESS).size() != progs || runner.run(cg, CgroupHook.INET_EGRESS, 0) != 0) {
                throw new IllegalStateException("bench setup: expected " + progs + " allowing programs");
            }
        }

        @TearDown
        public void tearDown() {
            rcu.close();
            arena.close();
        }

        @Benchmark
        @Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
        @Warmup(iterations = 3, time = 1)
        @Measurement(iterations = 5, time = 1)
        public int egressEvent() { return runner.run(cg, CgroupHook.INET_EGRESS, 0); }
    }
}
