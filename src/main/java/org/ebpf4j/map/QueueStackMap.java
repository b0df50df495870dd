package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK (kernel/bpf/queue_stack_maps.c): a ring of
 * {@code max_entries + 1} value slots in the arena with head and tail indices under one lock.
 * Push with BPF_EXIST on a full map overwrites the oldest element; otherwise full → E2BIG.
 * From user space, lookup is peek, update is push, lookup_and_delete is pop (syscall.c).
 */
final class QueueStackMap extends MapBase {
    private static final int CREATE_FLAG_MASK = MapFlags.BPF_F_NUMA_NODE | MapFlags.BPF_F_ACCESS_MASK;

    private final boolean stack;
    private final int size;          // max_entries + 1
    private final int valueSize;
    private final long slots;
    private int head;                 // next slot to write
    private int tail;                 // oldest element

    /** {@code queue_stack_map_alloc_check}. */
    static int allocCheck(MapAttr a) {
        if (a.maxEntries() == 0 || a.keySize() != 0 || a.valueSize() == 0
                || (a.mapFlags() & ~CREATE_FLAG_MASK) != 0 || !MapFlags.accessOk(a.mapFlags())) {
            return Errno.EINVAL.negative();
        }
        if (Integer.toUnsignedLong(a.valueSize()) > (4L << 20)) {   // KMALLOC_MAX_SIZE
            return Errno.E2BIG.negative();
        }
        return 0;
    }

    QueueStackMap(MapAttr attr, MapEnv env) {
        super(attr, env);
        this.stack = attr.type() == MapType.STACK;
        long n = Integer.toUnsignedLong(attr.maxEntries()) + 1;
        this.valueSize = attr.valueSize();
        long bytes = n * valueSize;
        this.slots = bytes < (1L << 40) ? arena.alloc(bytes) : 0;
        if (slots == 0) {
            throw allocFailed(Errno.ENOMEM, "no arena memory for " + n + " slots of " + valueSize + " bytes");
        }
        this.size = (int) n;
    }

    private long slot(int i) { return slots + (long) i * valueSize; }

    private boolean empty() { return head == tail; }

    private boolean full() { return (head + 1) % size == tail; }

    /** {@code queue_stack_map_push_elem}. */
    private synchronized int push(MemorySegment src, long off, long flags) {
        if ((flags & MapFlags.BPF_NOEXIST) != 0 || flags > MapFlags.BPF_EXIST) {
            return Errno.EINVAL.negative();
        }
        if (full()) {
            if (flags != MapFlags.BPF_EXIST) {
                return Errno.E2BIG.negative();
            }
            tail = (tail + 1) % size;   // overwrite the oldest
        }
        MemorySegment.copy(src, off, mem, arena.offset(slot(head), valueSize), valueSize);
        head = (head + 1) % size;
        return 0;
    }

    /** {@code __queue_map_get} / {@code __stack_map_get}: the element's slot, or -1 if empty. */
    private synchronized int take(MemorySegment dst, long off, boolean delete) {
        if (empty()) {
            return Errno.ENOENT.negative();
        }
        int i = stack ? (head - 1 + size) % size : tail;
        MemorySegment.copy(mem, arena.offset(slot(i), valueSize), dst, off, valueSize);
        if (delete) {
            if (stack) {
                head = i;
            } else {
                tail = (tail + 1) % size;
            }
        }
        return 0;
    }

    // ---- program path ----

    @Override
    public int pushElem(long valueAddr, long flags, int cpu) {
        return push(mem, arena.offset(valueAddr, valueSize), flags);
    }

    @Override
    public int popElem(long valueAddr, int cpu) { return take(mem, arena.offset(valueAddr, valueSize), true); }

    @Override
    public int peekElem(long valueAddr, int cpu) { return take(mem, arena.offset(valueAddr, valueSize), false); }

    /** {@code queue_stack_map_update_elem}, {@code _delete_elem}: not element maps. */
    @Override
    public int updateElem(long keyAddr, long valueAddr, long flags, int cpu) { return Errno.EINVAL.negative(); }

    @Override
    public int deleteElem(long keyAddr, int cpu) { return Errno.EINVAL.negative(); }

    // ---- syscall path (observed on Linux 6.18: F_LOCK → EINVAL, delete/get_next_key → EINVAL) ----

    @Override
    public byte[] lookup(byte[] key, long flags) {
        checkLookupFlags(flags);
        byte[] out = new byte[valueSize];
        check(take(MemorySegment.ofArray(out), 0, false), "peek");
        return out;
    }

    @Override
    public void update(byte[] key, byte[] value, long flags) {
        checkValue(value);
        checkLockFlag(flags);
        check(push(MemorySegment.ofArray(value), 0, flags), "push with flags 0x" + Long.toHexString(flags));
    }

    @Override
    public byte[] lookupAndDelete(byte[] key, long flags) {
        if (flags != 0) {
            throw new BpfException(Errno.EINVAL, "lookup_and_delete flags 0x" + Long.toHexString(flags) + " on " + type());
        }
        byte[] out = new byte[valueSize];
        check(take(MemorySegment.ofArray(out), 0, true), "pop");
        return out;
    }

    @Override
    public void delete(byte[] key) { throw new BpfException(Errno.EINVAL, "delete is not supported by " + type()); }

    @Override
    public byte[] getNextKey(byte[] key) { throw new BpfException(Errno.EINVAL, "get_next_key is not supported by " + type()); }

    @Override
    public long memUsage() { return MapHeader.SIZE + (long) size * valueSize; }

    @Override
    protected void freeStorage() { arena.free(slots, (long) size * valueSize); }
}
