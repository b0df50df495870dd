package org.ebpf4j.map.storage;

import java.util.ArrayDeque;
import org.ebpf4j.memory.Arena;

/**
 * An {@link OwnerResolver} that gives each registered owner a small block in the arena, its
 * "kernel address" (the stand-in for the {@code struct sock}/{@code task_struct}/{@code cgroup}
 * a program is handed). The block holds the owner's slot index, so {@link #ownerAt} is two loads
 * and an identity check, without locks (the same scheme as {@code MapRegistry.byAddress}).
 *
 * <pre>
 *  0          4          8                16
 *  +----------+----------+----------------+
 *  |  index   |  MAGIC   |   (reserved)   |
 *  +----------+----------+----------------+
 * </pre>
 *
 * Writers serialize on this object. A freed slot is reused only after {@link #unregister}, and
 * its block only after the owner is gone, so a stale pointer resolves to null, never to another
 * owner that happens to reuse the address while the old one is still registered.
 */
public final class OwnerTable implements OwnerResolver {
    static final int BLOCK = 16;
    private static final int MAGIC = 0x0b5f_0a3e;

    private final Arena arena;
    private volatile StorageOwner[] owners = new StorageOwner[64];
    private volatile long[] addrs = new long[64];
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private int next;

    public OwnerTable(Arena arena) { this.arena = arena; }

    /** Gives {@code owner} a kernel address; throws {@link IllegalStateException} when the arena is full. */
    public synchronized long register(StorageOwner owner) {
        long addr = arena.alloc(BLOCK);
        if (addr == 0) {
            throw new IllegalStateException("arena full: no block for a storage owner");
        }
        int idx = freeSlots.isEmpty() ? next++ : freeSlots.pop();
        StorageOwner[] o = owners;
        long[] a = addrs;
        if (idx >= o.length) {
            o = java.util.Arrays.copyOf(o, o.length * 2);
            a = java.util.Arrays.copyOf(a, a.length * 2);
        }
        arena.store32(addr, idx);
        arena.store32(addr + 4, MAGIC);
        a[idx] = addr;
        o[idx] = owner;
        addrs = a;
        owners = o;   // volatile write publishes the slot
        return addr;
    }

    /** Forgets the owner at {@code addr}; its pointer resolves to null from now on. */
    public synchronized void unregister(long addr) {
        StorageOwner o = ownerAt(addr);
        if (o == null) {
            return;
        }
        int idx = (int) arena.load32(addr);
        owners[idx] = null;
        addrs[idx] = 0;
        owners = owners;
        arena.store32(addr + 4, 0);
        arena.free(addr, BLOCK);
        freeSlots.push(idx);
    }

    @Override
    public StorageOwner ownerAt(long addr) {
        if (addr == 0 || !arena.contains(addr, BLOCK)) {
            return null;
        }
        long idx = arena.load32(addr);
        StorageOwner[] o = owners;
        long[] a = addrs;
        if (idx >= o.length || a[(int) idx] != addr) {
            return null;
        }
        return o[(int) idx];
    }
}
