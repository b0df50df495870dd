package org.ebpf4j.map;

import java.util.concurrent.ConcurrentLinkedQueue;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.function.Executable;

/**
 * A small runtime for map tests: an arena, a registry, and grace periods that end when the test
 * says so ({@link #quiesce()}), which is the contract programs rely on.
 */
final class TestEnv implements AutoCloseable {
    final Arena arena;
    final MapRegistry registry;
    final MapEnv env;
    private final ConcurrentLinkedQueue<Runnable> deferred = new ConcurrentLinkedQueue<>();

    TestEnv(int cpus) { this(cpus, 64 << 20); }

    TestEnv(int cpus, long arenaSize) {
        arena = new Arena(arenaSize);
        registry = new MapRegistry(arena);
        env = new MapEnv(arena, cpus, registry, deferred::add);
    }

    BpfMap create(MapAttr attr) { return MapTypes.create(attr, env); }

    /** Ends the current grace period: runs every deferred free. */
    void quiesce() {
        Runnable r;
        while ((r = deferred.poll()) != null) {
            r.run();
        }
    }

    /** Arena memory holding {@code bytes}, as a program's stack would. */
    long put(byte[] bytes) {
        long a = arena.alloc(Math.max(bytes.length, 8));
        arena.copyIn(a, bytes);
        return a;
    }

    static byte[] u32(int v) { return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)}; }

    static byte[] u64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    static void assertErrno(Errno expected, Executable call) {
        BpfException e = Assertions.assertThrows(BpfException.class, call);
        Assertions.assertEquals(expected, e.errno(), e.getMessage());
    }

    @Override
    public void close() {
        quiesce();
        arena.close();
    }
}
