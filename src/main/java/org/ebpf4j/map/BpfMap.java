package org.ebpf4j.map;

import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * One BPF map: the ops table of {@code struct bpf_map_ops} (include/linux/bpf.h) as an interface,
 * one implementing class per map type ({@code kernel/bpf/*map*.c}).
 *
 * <p><b>Program path</b> (called from helpers, from any number of threads at once, inside a
 * program run): keys and values are arena addresses; results are a value address, 0 (NULL) or a
 * negative errno. These never throw and never allocate on the Java heap in the hot cases.
 * The {@code cpu} argument is the virtual CPU of the running thread (per-CPU maps, per-CPU LRU).
 *
 * <p><b>Syscall path</b> (called by the bpf(2) layer after it has checked the attr tail, resolved
 * the fd and checked fd permissions and {@link #frozen()}): keys and values are byte arrays, as
 * the kernel copies them from/to user memory; failures throw {@link BpfException} with the errno
 * Linux returns. Per-CPU maps exchange {@link #syscallValueSize()} bytes: every possible CPU's
 * value, each rounded up to 8 bytes ({@code bpf_percpu_hash_copy}).
 *
 * <p>An op a map type lacks keeps the default here, which answers as Linux does when the op
 * pointer is NULL (batch ops: {@code ENOTSUPP} from {@code bpf_map_do_batch}) or as the type's
 * stub does. Map types whose user-visible keys or values are fds implement {@link FdValueMap}
 * or {@link OwnerKeyedMap} in addition.
 */
public interface BpfMap {

    // ---- identity ----

    /** The attributes this map was created with (max_entries as adjusted by the type, if it does). */
    MapAttr attr();

    /** The map id ({@code map->id}), unique within a runtime while the map lives; 0 once freed. */
    int id();

    /**
     * The map's "kernel address": an arena address of its header ({@link MapHeader}), what a
     * loader writes into {@code ld_imm64 BPF_PSEUDO_MAP_FD} and helpers receive in r1.
     */
    long address();

    default MapType type() { return attr().type(); }

    default int keySize() { return attr().keySize(); }

    default int valueSize() { return attr().valueSize(); }

    default int maxEntries() { return attr().maxEntries(); }

    default int mapFlags() { return attr().mapFlags(); }

    /** {@code bpf_map_value_size()}: bytes the syscall path exchanges per value. */
    default int syscallValueSize() { return valueSize(); }

    /**
     * Address of the first value of a map whose values are contiguous (ARRAY), for
     * {@code BPF_PSEUDO_MAP_VALUE} and mmap; 0 for other types ({@code map_direct_value_addr}).
     */
    default long directValueAddress() { return 0; }

    // ---- program path: arena addresses in, address / 0 / -errno out ----

    /** {@code bpf_map_lookup_elem}: the value's address, or 0. */
    default long lookupElem(long keyAddr, int cpu) { return 0; }

    /** {@code bpf_map_update_elem}: 0 or -errno. */
    default int updateElem(long keyAddr, long valueAddr, long flags, int cpu) { return Errno.EOPNOTSUPP.negative(); }

    /** {@code bpf_map_delete_elem}: 0 or -errno. */
    default int deleteElem(long keyAddr, int cpu) { return Errno.EOPNOTSUPP.negative(); }

    /** {@code bpf_map_push_elem} (QUEUE, STACK, BLOOM_FILTER). */
    default int pushElem(long valueAddr, long flags, int cpu) { return Errno.EOPNOTSUPP.negative(); }

    /** {@code bpf_map_pop_elem}: copies the element to {@code valueAddr}. */
    default int popElem(long valueAddr, int cpu) { return Errno.EOPNOTSUPP.negative(); }

    /** {@code bpf_map_peek_elem}; BLOOM_FILTER: 0 if maybe present, -ENOENT if surely absent. */
    default int peekElem(long valueAddr, int cpu) { return Errno.EOPNOTSUPP.negative(); }

    /** {@code bpf_map_lookup_percpu_elem}: the value of {@code targetCpu}, or 0. */
    default long lookupPercpuElem(long keyAddr, int targetCpu) { return 0; }

    /**
     * {@code bpf_for_each_map_elem}: calls {@code callback} for each element until it returns
     * non-zero; returns the number of elements visited, or -EINVAL for non-zero flags.
     */
    default long forEachElem(ElemCallback callback, long ctx, long flags, int cpu) {
        return Errno.EOPNOTSUPP.negative();
    }

    // ---- syscall path: byte arrays, BpfException ----

    /** BPF_MAP_LOOKUP_ELEM ({@code bpf_map_copy_value}). */
    default byte[] lookup(byte[] key, long flags) { throw notSupported("lookup"); }

    /**
     * BPF_MAP_LOOKUP_ELEM on a BLOOM_FILTER, whose user value buffer is the query
     * ({@code map_lookup_elem} copies it in): returns if maybe present, ENOENT if surely absent.
     */
    default void peekValue(byte[] value, long flags) { throw notSupported("lookup by value"); }

    /** BPF_MAP_UPDATE_ELEM ({@code bpf_map_update_value}). */
    default void update(byte[] key, byte[] value, long flags) { throw notSupported("update"); }

    /** BPF_MAP_DELETE_ELEM. */
    default void delete(byte[] key) { throw notSupported("delete"); }

    /** BPF_MAP_GET_NEXT_KEY: {@code key} null means "first key"; ENOENT after the last. */
    default byte[] getNextKey(byte[] key) { throw notSupported("get_next_key"); }

    /** BPF_MAP_LOOKUP_AND_DELETE_ELEM: ENOTSUPP except for queue/stack and the hash types. */
    default byte[] lookupAndDelete(byte[] key, long flags) {
        throw new BpfException(Errno.ENOTSUPP, "lookup_and_delete is not supported by " + type());
    }

    /** BPF_MAP_LOOKUP_BATCH. {@code inBatch} null starts at the beginning. */
    default BatchResult lookupBatch(byte[] inBatch, int count, long elemFlags, long flags) {
        throw notSupported("lookup_batch");
    }

    /** BPF_MAP_LOOKUP_AND_DELETE_BATCH. */
    default BatchResult lookupAndDeleteBatch(byte[] inBatch, int count, long elemFlags, long flags) {
        throw notSupported("lookup_and_delete_batch");
    }

    /** BPF_MAP_UPDATE_BATCH: {@code count} keys and values packed back to back. */
    default BatchResult updateBatch(byte[] keys, byte[] values, int count, long elemFlags, long flags) {
        throw notSupported("update_batch");
    }

    /** BPF_MAP_DELETE_BATCH. */
    default BatchResult deleteBatch(byte[] keys, int count, long elemFlags, long flags) {
        throw notSupported("delete_batch");
    }

    // ---- map-in-map (kernel/bpf/map_in_map.c; spec §7) ----

    /**
     * {@code map_meta_equal}: how this type is compared when it is (the template of) an inner
     * map. Most types use {@code bpf_map_meta_equal}; types that cannot be inner maps answer
     * {@link MetaEqual#NONE} (outer creation → ENOTSUPP).
     */
    default MetaEqual metaEqual() { return MetaEqual.GENERIC; }

    /** {@code map->inner_map_meta}: the template copy of an ARRAY_OF_MAPS / HASH_OF_MAPS, else null. */
    default MapMeta innerMapMeta() { return null; }

    /**
     * {@code maybe_wait_bpf_programs} (kernel/bpf/syscall.c; spec §7.7): true when the syscall
     * layer must wait for running non-sleepable programs ({@code rcu.synchronize()} of the
     * normal domain, never the tasks-trace one) before a write on this map returns: after a
     * successful UPDATE_ELEM / DELETE_ELEM, and after every write batch, even a failed one.
     * {@link MapWait#maybeWaitBpfPrograms} does exactly that.
     */
    default boolean waitsForProgramsOnWrite() { return false; }

    /**
     * {@code map->sleepable_refcnt}: sleepable programs using this map (raised when the
     * verifier adds the map to a sleepable program's used maps or BPF_PROG_BIND_MAP binds it,
     * lowered when that program is freed). An outer map with sleepable users frees the inner maps
     * it lets go only after the tasks-trace and normal grace periods (§7.8).
     */
    default long sleepableRefcnt() { return 0; }

    /** Adds {@code delta} (+1/-1) to {@link #sleepableRefcnt()}. */
    default void addSleepableRefs(long delta) {}

    // ---- lifetime and state ----

    /** {@code map->frozen}; set by BPF_MAP_FREEZE, which checks EBUSY itself. */
    boolean frozen();

    /** Marks the map frozen; returns false if it already was. */
    boolean freeze();

    /** {@code map_release_uref}: the last user reference (fd, pin) is gone (PROG_ARRAY clears its slots). */
    default void releaseUref() {}

    /** {@code map_free}: the last reference is gone; memory goes back through the grace period. */
    void free();

    /** {@code map_mem_usage}: bytes this map holds. */
    long memUsage();

    private BpfException notSupported(String op) {
        return new BpfException(Errno.ENOTSUPP, op + " is not supported by map type " + type());
    }
}
