package org.ebpf4j.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * One object-id space ({@code prog_idr}, {@code map_idr}, {@code link_idr}, {@code btf_idr} of
 * kernel/bpf/syscall.c and btf.c). Ids come from {@code idr_alloc_cyclic(.., 1, INT_MAX)}: they
 * increase, wrap to 1 after INT_MAX-1 and never name two live objects; a freed id is not handed
 * out again until the cursor comes round. The same number may live in different spaces.
 *
 * <p>All operations take this table's lock, as the kernel takes {@code map_idr_lock}: the id
 * spaces are touched on create, free and by-id lookups only, never on the program path.
 *
 * @param <T> the object kind stored
 */
public final class IdTable<T> {
    /** Ids live in {@code [1, INT_MAX)}. */
    public static final int MAX_ID = Integer.MAX_VALUE;

    private final String name;
    private final TreeMap<Integer, T> objects = new TreeMap<>();
    private int cursor = 1;

    public IdTable(String name) { this.name = name; }

    public String name() { return name; }

    /** {@code idr_alloc_cyclic}: the next free id at or after the cursor, wrapping to 1. */
    public synchronized int alloc(T object) {
        if (objects.size() >= MAX_ID - 1) {
            throw new IllegalStateException(name + " id space is full");
        }
        int id = cursor;
        while (objects.containsKey(id)) {
            id = id + 1 >= MAX_ID ? 1 : id + 1;
        }
        objects.put(id, object);
        cursor = id + 1 >= MAX_ID ? 1 : id + 1;
        return id;
    }

    /**
     * Records an id handed out elsewhere (maps: {@link org.ebpf4j.map.MapRegistry} gives the id,
     * since programs find maps by it); the cursor moves past it so {@link #alloc} stays cyclic.
     */
    public synchronized void insert(int id, T object) {
        if (id <= 0 || id >= MAX_ID) {
            throw new IllegalArgumentException(name + " id " + id + " is outside [1, INT_MAX)");
        }
        T old = objects.putIfAbsent(id, object);
        if (old != null) {
            throw new IllegalStateException(name + " id " + id + " is already taken by " + old);
        }
        if (id >= cursor) {
            cursor = id + 1 >= MAX_ID ? 1 : id + 1;
        }
    }

    /** {@code idr_remove}: only if {@code id} still names {@code object}; true if it did. */
    public synchronized boolean remove(int id, Object object) {
        return objects.remove(id, object);
    }

    /** The object with this id, or null. */
    public synchronized T get(int id) { return objects.get(id); }

    /**
     * {@code idr_get_next} under the lock, then {@code test} (kernel: {@code bpf_map_inc_not_zero})
     * on the object while the lock is held: the object whose id this is, if the test accepts it.
     */
    public synchronized T getIf(int id, Predicate<? super T> test) {
        T t = objects.get(id);
        return t != null && test.test(t) ? t : null;
    }

    /** The smallest live id greater than {@code startId} ({@code bpf_obj_get_next_id}), or 0. */
    public synchronized int nextId(int startId) {
        Integer k = objects.higherKey(startId);
        return k == null ? 0 : k;
    }

    /** A snapshot of the live objects in id order. */
    public synchronized List<T> snapshot() { return new ArrayList<>(objects.values()); }

    public synchronized int size() { return objects.size(); }
}
