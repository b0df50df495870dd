package org.ebpf4j.map.storage;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import org.ebpf4j.map.MapRegistry;
import org.ebpf4j.memory.Arena;

/**
 * The storage owners' kernel addresses: each registered owner gets a small block in the arena
 * (the stand-in for the {@code struct sock}/{@code task_struct}/{@code cgroup} a program is
 * handed) holding its slot index, a magic word and its storage pointer
 * ({@code sk->sk_bpf_storage}; layout in {@link LocalStorageLayout}). One per runtime, shared
 * with the runtime's local-storage maps ({@link #of(MapRegistry)}), which tell it when an
 * owner's storage comes and goes ({@link #storageChanged}).
 *
 * <p>Two ways in: {@link #storageAt} is the program path's (a cache hit reads the storage word
 * and never needs the owner object), {@link #ownerAt} the slow path's (two loads and an identity
 * check, without locks, the scheme of {@code MapRegistry.byAddress}).
 *
 * <p>Writers serialize on this object. A freed slot is reused only after {@link #unregister},
 * and its block only after the owner is gone, so a stale pointer resolves to null, never to
 * another owner that happens to reuse the address while the old one is still registered.
 */
public final class OwnerTable implements OwnerResolver {
    static final int BLOCK = LocalStorageLayout.OWNER_BLOCK;
    /** Size of an owner block, for owners that place their own ({@link #registerAt}). */
    public static final int BLOCK_SIZE = BLOCK;
    private static final int MAGIC = 0x0b5f_0a3e;

    private final Arena arena;
    private volatile StorageOwner[] owners = new StorageOwner[64];
    private volatile long[] addrs = new long[64];
    /** Each registered owner's block, for {@link #storageChanged}. Under this object's lock. */
    private final Map<StorageOwner, Long> blockOf = new IdentityHashMap<>();
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    /** Blocks their owners placed ({@link #registerAt}): not ours to free. Under this object's lock. */
    private final java.util.Set<Long> placed = new java.util.HashSet<>();
    private int next;

    private OwnerTable(Arena arena) { this.arena = arena; }

    /**
     * The owner table of the runtime whose maps {@code registry} holds: the one whose blocks its
     * local-storage maps keep up to date, made on first use.
     */
    public static OwnerTable of(MapRegistry registry) {
        return registry.familyState(OwnerTable.class, () -> new OwnerTable(registry.arena()));
    }

    /**
     * Gives {@code owner} its kernel address (the same one again if it already has one); throws
     * {@link IllegalStateException} when the arena is full.
     */
    public synchronized long register(StorageOwner owner) {
        Long known = blockOf.get(owner);
        if (known != null) {
            return known;
        }
        long addr = arena.alloc(BLOCK);
        if (addr == 0) {
            throw new IllegalStateException("arena full: no block for a storage owner");
        }
        return install(owner, addr);
    }

    /**
     * As {@link #register}, with the block at {@code block} ({@link #BLOCK_SIZE} bytes the caller
     * allocated, e.g. right after a socket's {@code bpf_sock} mirror, so that the program's
     * pointer leads to it without a lookup). The caller frees it after {@link #unregister}.
     */
    public synchronized long registerAt(StorageOwner owner, long block) {
        Long known = blockOf.get(owner);
        if (known != null) {
            return known;
        }
        placed.add(block);
        return install(owner, block);
    }

    private long install(StorageOwner owner, long addr) {
        int idx = freeSlots.isEmpty() ? next++ : freeSlots.pop();
        StorageOwner[] o = owners;
        long[] a = addrs;
        if (idx >= o.length) {
            o = Arrays.copyOf(o, o.length * 2);
            a = Arrays.copyOf(a, a.length * 2);
        }
        arena.store32(addr + LocalStorageLayout.OWNER_INDEX, idx);
        arena.store32(addr + LocalStorageLayout.OWNER_MAGIC, MAGIC);
        arena.storeRelease64(addr + LocalStorageLayout.OWNER_STORAGE, storageWord(owner));
        a[idx] = addr;
        o[idx] = owner;
        blockOf.put(owner, addr);
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
        int idx = (int) arena.load32(addr + LocalStorageLayout.OWNER_INDEX);
        owners[idx] = null;
        addrs[idx] = 0;
        owners = owners;
        blockOf.remove(o);
        arena.store32(addr + LocalStorageLayout.OWNER_MAGIC, 0);
        arena.storeRelease64(addr + LocalStorageLayout.OWNER_STORAGE, 0);
        if (!placed.remove(addr)) {
            arena.free(addr, BLOCK);
        }
        freeSlots.push(idx);
    }

    /**
     * Called after {@code owner}'s storage pointer changed (a storage published, or its last
     * element gone): the owner's block takes the pointer's current value. Whichever call runs
     * last writes what the pointer holds then, so the block never keeps a storage that died
     * before the call; the dying storage's block is freed only a grace period after it.
     */
    synchronized void storageChanged(StorageOwner owner) {
        Long addr = blockOf.get(owner);
        if (addr != null) {
            arena.storeRelease64(addr + LocalStorageLayout.OWNER_STORAGE, storageWord(owner));
        }
    }

    private static long storageWord(StorageOwner owner) {
        LocalStorage ls = owner.bpfStorage().get();
        return ls == null ? 0 : ls.cache;
    }

    /**
     * The program path: the storage block of the owner at {@code addr} ({@code sk->sk_bpf_storage}),
     * or 0 if it has none or {@code addr} is no owner block. Never throws.
     */
    @Override
    public long storageAt(long addr) {
        if (!arena.contains(addr, BLOCK) || arena.load32(addr + LocalStorageLayout.OWNER_MAGIC) != MAGIC) {
            return 0;
        }
        return arena.load64(addr + LocalStorageLayout.OWNER_STORAGE);
    }

    /** What {@link #probe} answers for an address that holds no owner block. */
    public static final long NOT_A_BLOCK = -1;

    /**
     * As {@link #storageAt}, but telling "an owner block with no storage" (0) from "no owner block
     * here" ({@link #NOT_A_BLOCK}), for a caller that looks for an owner's block at several
     * places around the pointer it holds (a socket's {@code bpf_sock} and {@code struct sock}
     * views, {@code kernel.net.SockLayout}) and must stop at the first real one.
     */
    public long probe(long addr) {
        if (!arena.contains(addr, BLOCK) || arena.load32(addr + LocalStorageLayout.OWNER_MAGIC) != MAGIC) {
            return NOT_A_BLOCK;
        }
        return arena.load64(addr + LocalStorageLayout.OWNER_STORAGE);
    }

    @Override
    public StorageOwner ownerAt(long addr) {
        if (addr == 0 || !arena.contains(addr, BLOCK)) {
            return null;
        }
        long idx = arena.load32(addr + LocalStorageLayout.OWNER_INDEX);
        StorageOwner[] o = owners;
        long[] a = addrs;
        if (idx >= o.length || a[(int) idx] != addr) {
            return null;
        }
        return o[(int) idx];
    }
}
