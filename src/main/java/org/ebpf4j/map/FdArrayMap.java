package org.ebpf4j.map;

import java.util.concurrent.atomic.AtomicReferenceArray;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The fd-array core of kernel/bpf/arraymap.c ({@code fd_array_map_*}, {@code bpf_fd_array_map_*}):
 * {@code max_entries} slots, each holding a counted reference to an object user space named by
 * fd. PROG_ARRAY and ARRAY_OF_MAPS are thin subclasses saying what the object is and how a
 * reference is checked, dropped and shown to user space ({@code map_fd_get_ptr},
 * {@code map_fd_put_ptr}, {@code map_fd_sys_lookup_elem}).
 *
 * <p>Readers ({@link #slot}) read one slot with one volatile load; writers swap a slot atomically
 * ({@code xchg}) and then release the old reference, so a program that read the old value keeps
 * a usable object until its run ends (the object's memory waits for a grace period).
 *
 * @param <T> the held reference
 */
abstract class FdArrayMap<T> extends MapBase implements FdValueMap<T> {
    private final AtomicReferenceArray<T> slots;
    /**
     * Serializes slot changes with {@link #slotChanged}, so that a subclass's view derived from a
     * slot (ProgArrayMap's jump targets) never disagrees with it; the kernel serializes PROG_ARRAY
     * updates the same way ({@code poke_mutex}). Readers take no lock.
     */
    private final Object slotLock = new Object();

    /** {@code fd_array_map_alloc_check} then {@code array_map_alloc_check}. */
    static int allocCheck(MapAttr a) {
        if (a.valueSize() != 4) {
            return Errno.EINVAL.negative();
        }
        if (a.has(MapFlags.BPF_F_RDONLY_PROG | MapFlags.BPF_F_WRONLY_PROG)) {
            return Errno.EINVAL.negative();
        }
        return ArrayMap.allocCheck(a);
    }

    FdArrayMap(MapAttr attr, MapEnv env) {
        super(attr, env);
        if (Integer.toUnsignedLong(attr.maxEntries()) > (1L << 24)) {
            throw allocFailed(Errno.ENOMEM, attr.type() + " of " + Integer.toUnsignedString(attr.maxEntries()) + " slots");
        }
        slots = new AtomicReferenceArray<>(attr.maxEntries());
    }

    // ---- what a subclass says about its objects ----

    /** {@code map_fd_get_ptr} after the fd resolved: returns the reference to store, or drops it and throws. */
    protected T check(T object) { return object; }

    /** The reference is about to be published in a slot. */
    protected void entered(T object) {}

    /** {@code map_fd_put_ptr(map, object, need_defer)}: a slot let go of {@code object}. */
    protected abstract void put(T object, boolean needDefer);

    /** Slot {@code i} now holds {@code object} (null: emptied); called with slot changes serialized. */
    protected void slotChanged(int i, T object) {}

    private T exchange(int i, T object) {
        synchronized (slotLock) {
            T old = slots.getAndSet(i, object);
            slotChanged(i, object);
            return old;
        }
    }

    /** {@code map_fd_sys_lookup_elem}: the id user space reads. */
    protected abstract int objectId(T object);

    // ---- the slots ----

    /** The object in slot {@code index}, or null (out of range or empty). Program path. */
    protected final T slot(long index) {
        return index < 0 || index >= slots.length() ? null : slots.get((int) index);
    }

    protected final int slotCount() { return slots.length(); }

    private int index(byte[] key) {
        checkKey(key);
        long i = Integer.toUnsignedLong(u32(key, 0));
        return i >= slots.length() ? -1 : (int) i;
    }

    private BpfException tooBig(byte[] key) {
        return new BpfException(Errno.E2BIG, "index " + Integer.toUnsignedString(u32(key, 0)) + " >= max_entries "
                + Integer.toUnsignedString(maxEntries()) + " of " + type() + " id " + id());
    }

    @Override
    public final T objectAt(byte[] key) {
        int i = index(key);
        return i < 0 ? null : slots.get(i);
    }

    /**
     * {@code bpf_fd_array_map_update_elem}, in its order: flags other than BPF_ANY → EINVAL;
     * index ≥ max_entries → E2BIG; then the fd ({@code resolve}: EBADF/EINVAL), the check, the
     * {@code xchg}, and the old reference put with {@code need_defer}.
     */
    @Override
    public final void updateFd(byte[] key, byte[] value, long flags, FdResolver<T> resolve) {
        checkValue(value);
        int i = checkedIndex(key, flags);
        store(i, resolve.resolve(u32(value, 0)));
    }

    /** As {@link #updateFd} with the object already resolved; on any failure its reference is dropped. */
    @Override
    public final void updateObject(byte[] key, T object, long flags) {
        int i;
        try {
            i = checkedIndex(key, flags);
        } catch (BpfException e) {
            put(object, false);
            throw e;
        }
        store(i, object);
    }

    @Override
    public final void dropUnused(T object) {
        if (object != null) {
            put(object, false);
        }
    }

    private int checkedIndex(byte[] key, long flags) {
        if (flags != MapFlags.BPF_ANY) {
            throw new BpfException(Errno.EINVAL, type() + " update flags 0x" + Long.toHexString(flags) + ": only BPF_ANY");
        }
        int i = index(key);
        if (i < 0) {
            throw tooBig(key);
        }
        return i;
    }

    private void store(int i, T object) {
        T checked = check(object);
        entered(checked);
        T old = exchange(i, checked);
        if (old != null) {
            put(old, true);
        }
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        throw new BpfException(Errno.EINVAL, type() + " values are fds: the syscall layer resolves them (updateFd)");
    }

    /** Values are fds: only {@link #updateFdBatch} can resolve them. */
    @Override
    public BatchResult updateBatch(byte[] keys, byte[] values, int count, long elemFlags, long flags) {
        throw new BpfException(Errno.EINVAL, type() + " batch values are fds: the syscall layer resolves them (updateFdBatch)");
    }

    /** {@code bpf_fd_array_map_lookup_elem}: the object's id; empty or out of range → ENOENT. */
    @Override
    public final byte[] lookup(byte[] key, long flags) {
        checkLookupFlags(flags);
        T o = objectAt(key);
        if (o == null) {
            throw new BpfException(Errno.ENOENT, "empty or out-of-range slot of " + type() + " id " + id());
        }
        return le32(objectId(o));
    }

    /** {@code fd_array_map_delete_elem}: E2BIG out of range, ENOENT when empty. */
    @Override
    public final void delete(byte[] key) {
        int i = index(key);
        if (i < 0) {
            throw tooBig(key);
        }
        T old = exchange(i, null);
        if (old == null) {
            throw new BpfException(Errno.ENOENT, "slot " + i + " of " + type() + " id " + id() + " is empty");
        }
        put(old, true);
    }

    /** {@code array_map_get_next_key}: empty slots included; NULL or out-of-range key → 0; last → ENOENT. */
    @Override
    public final byte[] getNextKey(byte[] key) {
        long index = -1;
        if (key != null) {
            checkKey(key);
            index = Integer.toUnsignedLong(u32(key, 0));
        }
        if (index < 0 || index >= slots.length()) {
            return le32(0);
        }
        if (index == slots.length() - 1) {
            throw new BpfException(Errno.ENOENT, "index " + index + " is the last");
        }
        return le32((int) index + 1);
    }

    /** {@code generic_map_lookup_batch}: values are ids. */
    @Override
    public BatchResult lookupBatch(byte[] inBatch, int count, long elemFlags, long flags) {
        return GenericBatch.lookup(this, inBatch, count, elemFlags, flags);
    }

    /** {@code bpf_fd_array_map_clear}: empties every slot, putting each reference. */
    protected final void clear(boolean needDefer) {
        for (int i = 0; i < slots.length(); i++) {
            T old = exchange(i, null);
            if (old != null) {
                put(old, needDefer);
            }
        }
    }

    @Override
    public long memUsage() { return MapHeader.SIZE + 8L * slots.length(); }
}
