package org.ebpf4j.map.storage;

import java.util.concurrent.ConcurrentLinkedQueue;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.map.MapRegistry;
import org.ebpf4j.map.MapTypes;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.MapType;

/** Arena, registry and grace periods that end when the test says so ({@link #quiesce()}). */
final class StorageEnv implements AutoCloseable {
    final Arena arena;
    final MapRegistry registry;
    final MapEnv env;
    final OwnerTable owners;
    private final ConcurrentLinkedQueue<Runnable> deferred = new ConcurrentLinkedQueue<>();

    StorageEnv(int cpus) {
        arena = new Arena(64 << 20);
        registry = new MapRegistry(arena);
        env = new MapEnv(arena, cpus, registry, deferred::add);
        owners = OwnerTable.of(registry);
    }

    /** A local-storage map as libbpf creates it: NO_PREALLOC, key int, BTF ids given. */
    LocalStorageMap create(MapType type, int valueSize) { return create(type, valueSize, MapFlags.BPF_F_NO_PREALLOC, -1); }

    LocalStorageMap create(MapType type, int valueSize, int flags, int lockOff) {
        MapAttr a = new MapAttr(type, 4, valueSize, 0, flags, null, 0, "", 0, 1, 2, 0, 0, 0, lockOff);
        return (LocalStorageMap) MapTypes.create(a, env);
    }

    BpfMap createAny(MapAttr a) { return MapTypes.create(a, env); }

    void quiesce() {
        Runnable r;
        while ((r = deferred.poll()) != null) {
            r.run();
        }
    }

    long put(byte[] bytes) {
        long a = arena.alloc(Math.max(bytes.length, 8));
        arena.copyIn(a, bytes);
        return a;
    }

    static byte[] u32(int v) { return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)}; }

    static byte[] u64(long lo, long hi) {
        byte[] b = new byte[8];
        System.arraycopy(u32((int) lo), 0, b, 0, 4);
        System.arraycopy(u32((int) hi), 0, b, 4, 4);
        return b;
    }

    static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    @Override
    public void close() {
        quiesce();
        arena.close();
    }
}
