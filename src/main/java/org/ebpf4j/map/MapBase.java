package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * What every map has ({@code struct bpf_map} in include/linux/bpf.h): its attributes, its
 * header in the arena, its id, the frozen flag; and the syscall-side argument checks all types
 * share. Subclasses free their own storage in {@link #freeStorage()}.
 */
public abstract class MapBase implements BpfMap {
    protected final MapAttr attr;
    protected final MapEnv env;
    protected final Arena arena;
    protected final MemorySegment mem;
    protected final int lockOff;
    private final long address;
    private volatile int id;
    private final AtomicBoolean frozen = new AtomicBoolean();
    private final AtomicBoolean freed = new AtomicBoolean();
    private final MapLife life = new MapLife();

    /** Allocates the header; the map becomes visible by id only through {@link #publish()}. */
    protected MapBase(MapAttr attr, MapEnv env) {
        this.attr = attr;
        this.env = env;
        this.arena = env.arena();
        this.mem = arena.segment();
        this.lockOff = attr.spinLockOff();
        this.address = arena.alloc(MapHeader.SIZE);
        if (address == 0) {
            throw new BpfException(Errno.ENOMEM, "no memory for the " + attr.type() + " map header");
        }
        arena.store32(address + MapHeader.MAP_TYPE, attr.type().value());
        arena.store32(address + MapHeader.KEY_SIZE, attr.keySize());
        arena.store32(address + MapHeader.VALUE_SIZE, attr.valueSize());
        arena.store32(address + MapHeader.MAX_ENTRIES, attr.maxEntries());
        arena.store32(address + MapHeader.MAP_FLAGS, attr.mapFlags());
    }

    /** Gives the map its id ({@code bpf_map_alloc_id}); called once, by {@link MapTypes#create}. */
    final void publish() {
        int newId = env.registry().register(this);
        arena.store32(address + MapHeader.ID, newId);
        id = newId;
    }

    @Override public final MapAttr attr() { return attr; }

    @Override public final int id() { return id; }

    @Override public final long address() { return address; }

    @Override public final boolean frozen() { return frozen.get(); }

    @Override public final boolean freeze() { return frozen.compareAndSet(false, true); }

    @Override
    public final void free() {
        if (!freed.compareAndSet(false, true)) {
            return;
        }
        int old = id;
        env.registry().unregister(old, this);   // the id vanishes at once, as bpf_map_free_id
        id = 0;
        releaseRefs();
        Runnable release = () -> {
            freeStorage();
            arena.free(address, MapHeader.SIZE);
            life.freed.complete(null);
        };
        if (life.freeAfterMultGp()) {   // free_after_mult_rcu_gp: tasks-trace, then normal RCU
            env.afterTasksTraceGracePeriod().accept(() -> env.afterGracePeriod().accept(release));
        } else {
            env.afterGracePeriod().accept(release);
        }
    }

    /**
     * Called once by {@link #free()}, at once (before the grace period): drops the references the
     * map holds on other objects ({@code map_free} of map-in-map puts its inner maps with
     * {@code need_defer = false}: no program can reach this map any more).
     */
    protected void releaseRefs() {}

    /** Lifetime facts read by map-in-map and {@link MapWait}. */
    final MapLife life() { return life; }

    @Override
    public final long sleepableRefcnt() { return life.sleepableRefcnt(); }

    @Override
    public final void addSleepableRefs(long delta) { life.addSleepableRefs(delta); }

    /** For constructors that fail after the header was allocated: frees it and builds the exception. */
    protected final BpfException allocFailed(Errno errno, String message) {
        arena.free(address, MapHeader.SIZE);
        return new BpfException(errno, message);
    }

    /** Frees a map that was never published (creation failed after alloc): no program can hold it. */
    final void freeStorageNow() {
        freed.set(true);
        releaseRefs();
        freeStorage();
        arena.free(address, MapHeader.SIZE);
        life.freed.complete(null);
    }

    /** Returns every arena block the map holds; runs after a grace period. */
    protected abstract void freeStorage();

    // ---- syscall-side argument checks ----

    protected final void checkKey(byte[] key) {
        if (key == null || key.length != attr.keySize()) {
            throw new BpfException(Errno.EINVAL, "key of " + (key == null ? "null" : key.length + " bytes")
                    + " for a map with key_size " + attr.keySize());
        }
    }

    protected final void checkValue(byte[] value) {
        if (value == null || value.length != syscallValueSize()) {
            throw new BpfException(Errno.EINVAL, "value of " + (value == null ? "null" : value.length + " bytes")
                    + " for a map with value size " + syscallValueSize());
        }
    }

    /** {@code map_lookup_elem}: flags other than BPF_F_LOCK, or F_LOCK without a spin lock → EINVAL. */
    protected final void checkLookupFlags(long flags) {
        if ((flags & ~MapFlags.BPF_F_LOCK) != 0) {
            throw new BpfException(Errno.EINVAL, "lookup flags 0x" + Long.toHexString(flags) + ": only BPF_F_LOCK is allowed");
        }
        checkLockFlag(flags);
    }

    /** {@code (flags & BPF_F_LOCK) && !btf_record_has_field(map->record, BPF_SPIN_LOCK)} → EINVAL. */
    protected final void checkLockFlag(long flags) {
        if ((flags & MapFlags.BPF_F_LOCK) != 0 && lockOff < 0) {
            throw new BpfException(Errno.EINVAL, "flags BPF_F_LOCK: the map value has no bpf_spin_lock");
        }
    }

    /** Turns a program-path result into the syscall-path exception. */
    protected final void check(int ret, String what) {
        if (ret < 0) {
            Errno e = Errno.of(ret);
            throw new BpfException(e != null ? e : Errno.EINVAL, what + " on " + attr.type() + " map id " + id);
        }
    }

    /** A little-endian u32 from a byte[] key. */
    protected static int u32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    protected static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
