package org.ebpf4j.kernel.task;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.ebpf4j.map.storage.OwnerResolver;
import org.ebpf4j.map.storage.StorageOwner;
import org.ebpf4j.memory.Arena;

/**
 * Kernel address of a mirrored struct ({@code task_struct}, {@code cgroup}) → its owner, for the
 * local-storage helpers' PTR_TO_BTF_ID arguments. Each mirror block starts with a 16-byte header
 * holding the owner's slot index and a magic word, just in front of the struct whose address
 * programs hold, so {@link #ownerAt} is two loads and an identity check, without locks (the
 * scheme of {@link org.ebpf4j.map.storage.OwnerTable}, moved in front of the struct so the
 * struct itself keeps the model kernel's layout).
 *
 * <pre>
 *  header     +4         +8               +16 = the struct's kernel address
 *  +----------+----------+----------------+----------------------------
 *  |  index   |  MAGIC   |   (reserved)   | struct task_struct / cgroup ...
 *  +----------+----------+----------------+----------------------------
 * </pre>
 *
 * Writers serialize on this object. A slot is reused only after {@link #unregister}, so a stale
 * pointer resolves to null, never to a later owner.
 */
public final class MirrorTable implements OwnerResolver {
    static final int HEADER = 16;
    private static final int MAGIC = 0x7a5c_0b7f;

    private final Arena arena;
    private volatile StorageOwner[] owners = new StorageOwner[64];
    private volatile long[] addrs = new long[64];
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private int next;

    public MirrorTable(Arena arena) { this.arena = arena; }

    /** Makes the struct at {@code header + 16} resolve to {@code owner}. */
    public synchronized void register(StorageOwner owner, long header) {
        int idx = freeSlots.isEmpty() ? next++ : freeSlots.pop();
        StorageOwner[] o = owners;
        long[] a = addrs;
        if (idx >= o.length) {
            o = Arrays.copyOf(o, o.length * 2);
            a = Arrays.copyOf(a, a.length * 2);
        }
        arena.store32(header, idx);
        arena.store32(header + 4, MAGIC);
        a[idx] = header + HEADER;
        o[idx] = owner;
        addrs = a;
        owners = o;   // volatile write publishes the slot
    }

    /** Forgets the owner of the struct at {@code addr}; its pointer resolves to null from now on. */
    public synchronized void unregister(long addr) {
        if (ownerAt(addr) == null) {
            return;
        }
        long header = addr - HEADER;
        int idx = (int) arena.load32(header);
        owners[idx] = null;
        addrs[idx] = 0;
        owners = owners;
        arena.store32(header + 4, 0);
        freeSlots.push(idx);
    }

    @Override
    public StorageOwner ownerAt(long addr) {
        long header = addr - HEADER;
        if (addr == 0 || !arena.contains(header, HEADER) || arena.load32(header + 4) != MAGIC) {
            return null;
        }
        long idx = arena.load32(header);
        StorageOwner[] o = owners;
        long[] a = addrs;
        if (idx >= o.length || a[(int) idx] != addr) {
            return null;
        }
        return o[(int) idx];
    }
}
