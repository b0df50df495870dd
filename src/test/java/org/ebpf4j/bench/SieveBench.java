package org.ebpf4j.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.Program;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.kernel.prog.TestRunAttr;
import org.ebpf4j.memory.XdpMdLayout;
import org.ebpf4j.vm.Executable;
import org.openjdk.jmh.annotations.*;

/**
 * The README's main job: ns per run of {@code examples/sieve/sieve.bpf.o} (XDP, 502 primes below
 * 3584) on the interpreter, once through BPF_PROG_TEST_RUN (one run per call, with the context
 * setup) and once calling the executable directly on a prepared context. Linux 6.18's JIT
 * takes about 13.6 us per run on this machine (bpftool prog run, repeat 1000).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss8m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class SieveBench {
    BpfObject obj;
    Program prog;
    Executable exe;
    long ctx;
    byte[] frame = new byte[64];

    @Setup(Level.Trial)
    public void setup() {
        obj = BpfObject.open(Path.of("examples/sieve/sieve.bpf.o"));
        prog = obj.program("sieve");
        BpfProg p = (BpfProg) obj.runtime().progIds().get(prog.info().id());
        exe = p.executable();
        ctx = obj.runtime().arena().alloc(XdpMdLayout.ALLOC_SIZE);
        if (prog.testRun(frame, 1).retval() != 502) {
            throw new IllegalStateException("the sieve does not count 502 primes");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() { obj.close(); }

    @Benchmark
    public long direct() { return exe.run(ctx); }

    @Benchmark
    public int testRun() { return prog.testRun(TestRunAttr.ofData(0, frame, 1)).retval(); }
}
