package org.ebpf4j.bench;

import java.util.concurrent.TimeUnit;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.syscall.MapElemAttr;
import org.ebpf4j.uapi.MapType;
import org.openjdk.jmh.annotations.*;

/**
 * Issue 4: ns per BPF_MAP_LOOKUP_ELEM / BPF_MAP_UPDATE_ELEM from Java through {@link Bpf}
 * (fd resolution, permission checks, the map's syscall op), for HASH and ARRAY with 10, 10 000
 * and 1 000 000 keys, on 1 and 2 threads. Every key is present; threads walk keys with
 * different strides. For comparison: bpf(2) MAP_LOOKUP_ELEM on this machine's kernel costs
 * 408–567 ns from C (kernel-observed-6.18.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SyscallMapBench {

    @State(Scope.Benchmark)
    public static class MapState {
        @Param({"HASH", "ARRAY"})
        public String type;

        @Param({"10", "10000", "1000000"})
        public int keys;

        Runtime rt;
        Bpf bpf;
        Task task;
        int fd;

        @Setup(Level.Trial)
        public void setup() {
            rt = Runtime.builder().arenaSize(1L << 30).cpus(2).build();
            bpf = new KernelBpf(rt);
            task = rt.spawn("bench", 0, 0);
            fd = bpf.mapCreate(task, MapCreateAttr.of(MapType.valueOf(type), 4, 8, keys, 0));
            byte[] v = new byte[8];
            for (int i = 0; i < keys; i++) {
                bpf.mapUpdateElem(task, fd, le32(i), v, 0);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            task.exit();
            rt.close();
        }
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;
        int stride;
        byte[][] keyBytes;
        final byte[] value = new byte[8];

        @Setup(Level.Trial)
        public void setup(MapState m, org.openjdk.jmh.infra.ThreadParams tp) {
            stride = tp.getThreadIndex() == 0 ? 1 : 7;
            int n = Math.min(m.keys, 1 << 16);   // precomputed keys, spread over the key space
            keyBytes = new byte[n][];
            for (int i = 0; i < n; i++) {
                keyBytes[i] = le32((int) ((long) i * m.keys / n));
            }
        }

        byte[] key() {
            int i = next;
            next = (i + stride) % keyBytes.length;
            return keyBytes[i];
        }
    }

    static byte[] le32(int v) { return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)}; }

    @Benchmark
    @Threads(1)
    public byte[] lookup1(MapState m, Cursor c) {
        return m.bpf.mapLookupElem(m.task, new MapElemAttr(m.fd, c.key(), null, 0));
    }

    @Benchmark
    @Threads(2)
    public byte[] lookup2(MapState m, Cursor c) {
        return m.bpf.mapLookupElem(m.task, new MapElemAttr(m.fd, c.key(), null, 0));
    }

    @Benchmark
    @Threads(1)
    public void update1(MapState m, Cursor c) {
        m.bpf.mapUpdateElem(m.task, new MapElemAttr(m.fd, c.key(), c.value, 0));
    }

    @Benchmark
    @Threads(2)
    public void update2(MapState m, Cursor c) {
        m.bpf.mapUpdateElem(m.task, new MapElemAttr(m.fd, c.key(), c.value, 0));
    }
}
