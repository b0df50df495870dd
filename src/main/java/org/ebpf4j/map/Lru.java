package org.ebpf4j.map;

import java.util.function.IntPredicate;
import org.ebpf4j.memory.Arena;

/**
 * The LRU of LRU_HASH / LRU_PERCPU_HASH (kernel/bpf/bpf_lru_list.c), over preallocated element
 * indices. One list shared by all CPUs, or one per CPU with {@code BPF_F_NO_COMMON_LRU}, where
 * element {@code i} belongs to list {@code i % lists} as {@code bpf_lru_populate} spreads them.
 *
 * <p>Recency is the kernel's reference bit: a program lookup sets a byte in the element (no
 * lock); when a list has no free element, the oldest elements are scanned and those referenced
 * since the last scan get a second chance (moved to the head, bit cleared), as the kernel's
 * active/inactive rotation does; the first unreferenced one is evicted from the hash table and
 * reused. The kernel's per-CPU local free lists (which can make a common LRU evict before the
 * map is full) are not modelled: eviction starts exactly when the map is full.
 *
 * <p>Locking: a list lock may be held while {@code evict} takes a bucket lock; never the
 * reverse (the hash table calls {@link #inUse}/{@link #remove} after dropping its bucket lock).
 */
final class Lru {
    private static final byte FREE = 0;
    private static final byte RESERVED = 1;
    private static final byte IN_USE = 2;
    private static final byte DELETED = 3;

    private final Arena arena;
    private final long elems;
    private final int elemSize;
    private final int refOff;
    private final int nLists;
    private final int[] prev;
    private final int[] next;
    private final byte[] state;
    private final Object[] locks;
    private final int[] head;
    private final int[] tail;
    private final int[][] freeStack;
    private final int[] freeTop;

    Lru(Arena arena, long elems, int elemSize, int refOff, int n, int lists) {
        this.arena = arena;
        this.elems = elems;
        this.elemSize = elemSize;
        this.refOff = refOff;
        this.nLists = lists;
        prev = new int[n];
        next = new int[n];
        state = new byte[n];
        locks = new Object[lists];
        head = new int[lists];
        tail = new int[lists];
        freeStack = new int[lists][(n + lists - 1) / lists];
        freeTop = new int[lists];
        for (int l = 0; l < lists; l++) {
            locks[l] = new Object();
            head[l] = -1;
            tail[l] = -1;
        }
        for (int i = n - 1; i >= 0; i--) {
            int l = i % lists;
            freeStack[l][freeTop[l]++] = i;
        }
    }

    int listOf(int cpu) { return nLists == 1 ? 0 : cpu % nLists; }

    /**
     * {@code bpf_lru_pop_free}: a free element of list {@code list}, evicting the least recently
     * used one (through {@code evict}, which unlinks it from the hash table) if none is free; -1
     * if nothing can be evicted.
     */
    int pop(int list, IntPredicate evict) {
        synchronized (locks[list]) {
            if (freeTop[list] > 0) {
                int i = freeStack[list][--freeTop[list]];
                state[i] = RESERVED;
                return i;
            }
            int budget = 2 * prev.length + 2;
            int i = tail[list];
            while (i >= 0 && budget-- > 0) {
                int older = prev[i];
                long ref = elems + (long) i * elemSize + refOff;
                if (arena.load8(ref) != 0) {
                    arena.store8(ref, 0);   // second chance
                    unlink(list, i);
                    pushHead(list, i);
                } else if (evict.test(i)) {
                    unlink(list, i);
                    state[i] = RESERVED;
                    return i;
                }
                i = older >= 0 ? older : tail[list];   // past the head: a second round
            }
            return -1;
        }
    }

    /** The element went into the hash table: it becomes the most recently used. */
    void inUse(int i) {
        int l = i % nLists;
        synchronized (locks[l]) {
            if (state[i] == RESERVED) {
                state[i] = IN_USE;
                arena.store8(elems + (long) i * elemSize + refOff, 0);
                pushHead(l, i);
            }
        }
    }

    /** The element left the hash table (delete or replace); it is freed later by {@link #free}. */
    void remove(int i) {
        int l = i % nLists;
        synchronized (locks[l]) {
            if (state[i] == IN_USE) {
                unlink(l, i);
            }
            state[i] = DELETED;
        }
    }

    /** {@code bpf_lru_push_free}: the element may be reused (after its grace period). */
    void free(int i) {
        int l = i % nLists;
        synchronized (locks[l]) {
            if (state[i] == IN_USE) {
                unlink(l, i);
            }
            if (state[i] != FREE) {
                state[i] = FREE;
                freeStack[l][freeTop[l]++] = i;
            }
        }
    }

    private void pushHead(int l, int i) {
        prev[i] = -1;
        next[i] = head[l];
        if (head[l] >= 0) {
            prev[head[l]] = i;
        }
        head[l] = i;
        if (tail[l] < 0) {
            tail[l] = i;
        }
    }

    private void unlink(int l, int i) {
        if (prev[i] >= 0) {
            next[prev[i]] = next[i];
        } else {
            head[l] = next[i];
        }
        if (next[i] >= 0) {
            prev[next[i]] = prev[i];
        } else {
            tail[l] = prev[i];
        }
        prev[i] = -1;
        next[i] = -1;
    }
}
