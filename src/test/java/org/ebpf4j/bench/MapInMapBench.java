package org.ebpf4j.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.ebpf4j.map.BatchResult;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.map.FdResolver;
import org.ebpf4j.map.FdValueMap;
import org.ebpf4j.map.InnerMapRef;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.map.MapRegistry;
import org.ebpf4j.map.MapTypes;
import org.ebpf4j.map.MapWait;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.MapType;
import org.openjdk.jmh.annotations.*;

/**
 * Issue 7: swapping inner maps. {@code swapOne}: BPF_MAP_UPDATE_ELEM of one ARRAY_OF_MAPS slot
 * as the syscall layer runs it (update + {@code maybe_wait_bpf_programs}, one grace period);
 * {@code swapBatch64}: 64 slots through UPDATE_BATCH with one wait. The {@code kernel*}
 * benchmarks do the same on this machine's Linux through bpf(2) (its wait is
 * {@code synchronize_rcu()} on 6.18, expedited from 6.19); their state fails to set up, with the
 * errno, where bpf() is refused. No program runs during any of them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
public class MapInMapBench {
    static final int SLOTS = 64;

    /** A map reference with a count, as the object model keeps one (bpf_map_inc / bpf_map_put). */
    static final class Ref implements InnerMapRef {
        final BpfMap map;
        final AtomicLong refcnt = new AtomicLong(1);

        Ref(BpfMap map) { this.map = map; }

        @Override public BpfMap map() { return map; }

        @Override public void put() {
            if (refcnt.decrementAndGet() == 0) {
                map.free();
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Model {
        Arena arena;
        Rcu rcu;
        BpfMap outer;
        FdValueMap<InnerMapRef> fdOuter;
        final List<Ref> fds = new ArrayList<>();   // index = "fd"
        FdResolver<InnerMapRef> resolver;
        byte[] key0 = new byte[4];
        byte[][] one = new byte[2][];
        byte[] keys = new byte[4 * SLOTS];
        byte[][] values = new byte[2][4 * SLOTS];
        int turn;

        @Setup
        public void setup() {
            arena = new Arena(64 << 20);
            rcu = new Rcu("bench");
            MapEnv env = new MapEnv(arena, 1, new MapRegistry(arena), rcu::callAfterGracePeriod);
            MapAttr inner = MapAttr.of(MapType.ARRAY, 4, 8, 1, 0);
            outer = MapTypes.create(MapAttr.of(MapType.ARRAY_OF_MAPS, 4, 4, SLOTS, 0).withInnerMap(MapTypes.create(inner, env)), env);
            @SuppressWarnings("unchecked")
            FdValueMap<InnerMapRef> o = (FdValueMap<InnerMapRef>) outer;
            fdOuter = o;
            for (int i = 0; i < 2 * SLOTS; i++) {
                fds.add(new Ref(MapTypes.create(inner, env)));
            }
            resolver = fd -> {
                Ref r = fds.get(fd);
                r.refcnt.incrementAndGet();
                return r;
            };
            for (int i = 0; i < SLOTS; i++) {
                put32(keys, i, i);
                put32(values[0], i, i);
                put32(values[1], i, SLOTS + i);
            }
            one[0] = new byte[4];
            one[1] = new byte[4];
            put32(one[1], 0, SLOTS);
        }

        @TearDown
        public void tearDown() {
            outer.free();
            fds.forEach(Ref::put);
            rcu.close();
            arena.close();
        }
    }

    static void put32(byte[] b, int index, int v) {
        for (int i = 0; i < 4; i++) {
            b[4 * index + i] = (byte) (v >>> (8 * i));
        }
    }

    @Benchmark
    public void swapOne(Model m) {
        m.fdOuter.updateFd(m.key0, m.one[m.turn ^= 1], 0, m.resolver);
        MapWait.maybeWaitBpfPrograms(m.outer, m.rcu);
    }

    @Benchmark
    public BatchResult swapBatch64(Model m) {
        BatchResult r = m.fdOuter.updateFdBatch(m.keys, m.values[m.turn ^= 1], SLOTS, 0, m.resolver);
        MapWait.maybeWaitBpfPrograms(m.outer, m.rcu);
        return r;
    }

    @State(Scope.Benchmark)
    public static class Kernel {
        KernelBpf bpf;
        int outerFd;
        final List<Integer> innerFds = new ArrayList<>();
        MemorySegment key0;
        MemorySegment[] one = new MemorySegment[2];
        MemorySegment keys;
        MemorySegment[] values = new MemorySegment[2];
        int turn;

        @Setup
        public void setup() {
            bpf = new KernelBpf();
            int template;
            try {
                template = bpf.mapCreate(MapType.ARRAY.value(), 4, 8, 1, 0);
            } catch (IllegalStateException e) {
                bpf.close();
                throw new IllegalStateException("kernel column skipped: bpf() is refused here (" + e.getMessage() + ")");
            }
            outerFd = bpf.mapCreate(MapType.ARRAY_OF_MAPS.value(), 4, 4, SLOTS, template);
            bpf.closeFd(template);
            for (int i = 0; i < 2 * SLOTS; i++) {
                innerFds.add(bpf.mapCreate(MapType.ARRAY.value(), 4, 8, 1, 0));
            }
            key0 = bpf.alloc(4);
            keys = bpf.alloc(4L * SLOTS);
            for (int t = 0; t < 2; t++) {
                one[t] = bpf.alloc(4);
                one[t].set(ValueLayout.JAVA_INT, 0, innerFds.get(t * SLOTS));
                values[t] = bpf.alloc(4L * SLOTS);
                for (int i = 0; i < SLOTS; i++) {
                    values[t].setAtIndex(ValueLayout.JAVA_INT, i, innerFds.get(t * SLOTS + i));
                }
            }
            for (int i = 0; i < SLOTS; i++) {
                keys.setAtIndex(ValueLayout.JAVA_INT, i, i);
            }
        }

        @TearDown
        public void tearDown() {
            bpf.closeFd(outerFd);
            innerFds.forEach(bpf::closeFd);
            bpf.close();
        }
    }

    @Benchmark
    public long kernelSwapOne(Kernel k) {
        long r = k.bpf.update(k.outerFd, k.key0, k.one[k.turn ^= 1], 0);
        if (r != 0) {
            throw new IllegalStateException("BPF_MAP_UPDATE_ELEM: errno " + -r);
        }
        return r;
    }

    @Benchmark
    public long kernelSwapBatch64(Kernel k) {
        long r = k.bpf.batch(KernelBpf.BPF_MAP_UPDATE_BATCH, k.outerFd, null, null, k.keys, k.values[k.turn ^= 1], SLOTS);
        if (r != 0 || k.bpf.batchCount() != SLOTS) {
            throw new IllegalStateException("BPF_MAP_UPDATE_BATCH: errno " + -r + ", count " + k.bpf.batchCount());
        }
        return r;
    }
}
