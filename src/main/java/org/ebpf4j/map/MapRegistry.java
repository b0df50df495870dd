package org.ebpf4j.map;

import org.ebpf4j.memory.Arena;

/**
 * The runtime's table of live maps, by id and by kernel address ({@code map_idr} of
 * kernel/bpf/syscall.c, plus the reverse of "a map pointer is the map"). One per runtime.
 *
 * <p>{@link #byAddress} is the program path (helpers get a map pointer in r1): it reads the id
 * from the header, indexes an array and checks the address matches, in O(1) and without locks.
 * Writers (create/free) serialize on this object and publish a new array when it grows.
 */
public final class MapRegistry {
    private final Arena arena;
    private volatile BpfMap[] maps = new BpfMap[64];
    private int nextId = 1;

    public MapRegistry(Arena arena) { this.arena = arena; }

    public Arena arena() { return arena; }

    /** Allocates an id for {@code map} (ids start at 1 and increase; the kernel's idr is cyclic). */
    synchronized int register(BpfMap map) {
        int id = nextId++;
        BpfMap[] a = maps;
        if (id >= a.length) {
            BpfMap[] b = new BpfMap[Math.max(a.length * 2, id + 1)];
            System.arraycopy(a, 0, b, 0, a.length);
            a = b;
        }
        a[id] = map;
        maps = a;   // volatile write publishes the slot
        return id;
    }

    /** Removes the map from the table: its id no longer resolves ({@code bpf_map_free_id}). */
    synchronized void unregister(int id, BpfMap map) {
        BpfMap[] a = maps;
        if (id > 0 && id < a.length && a[id] == map) {
            a[id] = null;
            maps = a;
        }
    }

    /** The live map with this id, or null. */
    public BpfMap byId(int id) {
        BpfMap[] a = maps;
        return id > 0 && id < a.length ? a[id] : null;
    }

    /** The map whose header is at {@code addr}, or null if {@code addr} is no live map's address. */
    public BpfMap byAddress(long addr) {
        if (!arena.contains(addr, MapHeader.SIZE)) {
            return null;
        }
        int id = (int) arena.load32(addr + MapHeader.ID);
        BpfMap m = byId(id);
        return m != null && m.address() == addr ? m : null;
    }

    /** The next live map id after {@code id} (BPF_MAP_GET_NEXT_ID), or 0. */
    public int nextId(int id) {
        BpfMap[] a = maps;
        for (int i = Math.max(id + 1, 1); i < a.length; i++) {
            if (a[i] != null) {
                return i;
            }
        }
        return 0;
    }

    private final java.util.concurrent.ConcurrentHashMap<Class<?>, Object> familyState = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * State that a family of map types shares across all its maps of one runtime, where the
     * kernel has a global (the local-storage cache-slot allocators, {@code DEFINE_BPF_STORAGE_CACHE}
     * in bpf_local_storage.h): made once per registry by {@code make}, then returned as is.
     */
    public <T> T familyState(Class<T> kind, java.util.function.Supplier<T> make) {
        return kind.cast(familyState.computeIfAbsent(kind, k -> make.get()));
    }
}
