package org.ebpf4j.bench;

import java.util.concurrent.TimeUnit;
import org.ebpf4j.rcu.Rcu;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Issue 7 targets: read-side overhead per program run (≤ 2 ns) and synchronize() latency
 * (≤ 50 µs when no reader is in a long section). {@code readSection} minus {@code baseline} is
 * the cost a program run pays for being a read-side section.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RcuBench {
    private Rcu rcu;
    private Rcu.Reader reader;
    private Rcu fenced;
    private Rcu.Reader fencedReader;
    private long value = 42;

    @Setup
    public void setup() {
        rcu = new Rcu("bench");
        reader = rcu.reader();
        if (!rcu.expedited()) {
            throw new IllegalStateException("membarrier unavailable: readSection would measure the fenced path");
        }
        fenced = new Rcu("bench-fenced", true);
        fencedReader = fenced.reader();
    }

    @TearDown
    public void tearDown() {
        rcu.close();
        fenced.close();
    }

    /** The same section where readers must fence (no membarrier): what membarrier saves. */
    @Benchmark
    public void readSectionFenced(Blackhole bh) {
        fencedReader.lock();
        bh.consume(value);
        fencedReader.unlock();
    }

    @Benchmark
    public void baseline(Blackhole bh) { bh.consume(value); }

    @Benchmark
    public void readSection(Blackhole bh) {
        reader.lock();
        bh.consume(value);
        reader.unlock();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void synchronize() { rcu.synchronize(); }

    // ---- the parts of a section, by elimination (what lock/unlock are made of) ----

    private static final java.lang.invoke.VarHandle WORD;

    static {
        try {
            WORD = java.lang.invoke.MethodHandles.lookup().findVarHandle(RcuBench.class, "word", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long word;

    /** Two plain stores around the work. */
    @Benchmark
    public void partsPlain(Blackhole bh) {
        word = word + 1;
        bh.consume(value);
        word = word + 1;
    }

    /** Opaque store in, release store out, no fence. */
    @Benchmark
    public void partsOpaqueRelease(Blackhole bh) {
        WORD.setOpaque(this, word + 1);
        bh.consume(value);
        WORD.setRelease(this, word + 1);
    }

    /** What a section is: opaque store, acquire fence (compiler barrier), work, release store. */
    @Benchmark
    public void partsOpaqueFenceRelease(Blackhole bh) {
        WORD.setOpaque(this, word + 1);
        java.lang.invoke.VarHandle.acquireFence();
        bh.consume(value);
        WORD.setRelease(this, word + 1);
    }
}
