package org.ebpf4j.map;

import java.util.concurrent.atomic.AtomicReferenceArray;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_MAP_TYPE_PROG_ARRAY (kernel/bpf/arraymap.c, {@code prog_array_map_ops}): slots holding
 * program references for {@code bpf_tail_call}. Readers ({@link #progAt}) read one slot with
 * one volatile load; writers swap a slot atomically and release the old program. When the
 * last user reference goes ({@link #releaseUref}, {@code prog_array_map_clear}) every slot is
 * cleared, so an unpinned prog array whose fds are closed stops tail calls even while a
 * program still holds the map.
 *
 * <p>From user space the value is a prog fd (resolved by the syscall layer, then
 * {@link #updateObject}); a lookup returns the program id.
 */
public final class ProgArrayMap extends MapBase implements FdValueMap<ProgRef> {
    private final AtomicReferenceArray<ProgRef> slots;

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

    ProgArrayMap(MapAttr attr, MapEnv env) {
        super(attr, env);
        if (Integer.toUnsignedLong(attr.maxEntries()) > (1L << 24)) {
            throw allocFailed(Errno.ENOMEM, "prog array of " + Integer.toUnsignedString(attr.maxEntries()) + " slots");
        }
        slots = new AtomicReferenceArray<>(attr.maxEntries());
    }

    private int index(byte[] key) {
        checkKey(key);
        long i = Integer.toUnsignedLong(u32(key, 0));
        return i >= slots.length() ? -1 : (int) i;
    }

    /** The program in slot {@code index} for a tail call, or null (out of range or empty). */
    public ProgRef progAt(long index) {
        return index < 0 || index >= slots.length() ? null : slots.get((int) index);
    }

    @Override
    public ProgRef objectAt(byte[] key) {
        int i = index(key);
        return i < 0 ? null : slots.get(i);
    }

    /** {@code bpf_fd_array_map_update_elem}: BPF_ANY only; the map now owns {@code prog}'s reference. */
    @Override
    public void updateObject(byte[] key, ProgRef prog, long flags) {
        if (flags != MapFlags.BPF_ANY) {
            throw new BpfException(Errno.EINVAL, "prog array update flags 0x" + Long.toHexString(flags) + ": only BPF_ANY");
        }
        int i = index(key);
        if (i < 0) {
            throw new BpfException(Errno.E2BIG, "index " + Integer.toUnsignedString(u32(key, 0)) + " >= max_entries " + maxEntries());
        }
        ProgRef old = slots.getAndSet(i, prog);
        if (old != null) {
            old.release();
        }
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        throw new BpfException(Errno.EINVAL, "prog array values are program fds: the syscall layer resolves them (updateObject)");
    }

    /** {@code bpf_fd_array_map_lookup_elem}: the program id. */
    @Override
    public byte[] lookup(byte[] key, long flags) {
        checkLookupFlags(flags);
        ProgRef p = objectAt(key);
        if (p == null) {
            throw new BpfException(Errno.ENOENT, "empty or out-of-range prog array slot");
        }
        return le32(p.id());
    }

    /** {@code fd_array_map_delete_elem}. */
    @Override
    public void delete(byte[] key) {
        int i = index(key);
        if (i < 0) {
            throw new BpfException(Errno.E2BIG, "index " + Integer.toUnsignedString(u32(key, 0)) + " >= max_entries " + maxEntries());
        }
        ProgRef old = slots.getAndSet(i, null);
        if (old == null) {
            throw new BpfException(Errno.ENOENT, "prog array slot " + i + " is empty");
        }
        old.release();
    }

    @Override
    public byte[] getNextKey(byte[] key) {
        long index = key == null ? -1 : Integer.toUnsignedLong(u32(key, 0));
        if (key != null) {
            checkKey(key);
        }
        if (index < 0 || index >= slots.length()) {
            return le32(0);
        }
        if (index == slots.length() - 1) {
            throw new BpfException(Errno.ENOENT, "index " + index + " is the last");
        }
        return le32((int) index + 1);
    }

    /** {@code prog_array_map_clear}: the last user reference went. */
    @Override
    public void releaseUref() { clear(); }

    private void clear() {
        for (int i = 0; i < slots.length(); i++) {
            ProgRef old = slots.getAndSet(i, null);
            if (old != null) {
                old.release();
            }
        }
    }

    @Override
    public long memUsage() { return MapHeader.SIZE + 8L * slots.length(); }

    @Override
    protected void freeStorage() { clear(); }
}
