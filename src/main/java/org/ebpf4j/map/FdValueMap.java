package org.ebpf4j.map;

import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * A map whose values, seen from user space, are file descriptors of other objects: PROG_ARRAY
 * (programs), ARRAY_OF_MAPS / HASH_OF_MAPS (maps). The syscall layer passes an
 * {@link FdResolver} that turns the fd in the update value into a counted reference
 * ({@code map_fd_get_ptr}: EBADF, EINVAL); the map calls it where the kernel does, so the errno
 * order is Linux's. A lookup returns the object's id ({@code map_fd_sys_lookup_elem}).
 *
 * @param <T> the held reference ({@link ProgRef}, or {@link InnerMapRef} for map-in-map)
 */
public interface FdValueMap<T> extends BpfMap {
    /**
     * BPF_MAP_UPDATE_ELEM: {@code value} holds the fd (4 bytes). The map owns the reference
     * {@code resolve} returns; on a failure after that it drops it ({@code need_defer = false}).
     */
    void updateFd(byte[] key, byte[] value, long flags, FdResolver<T> resolve);

    /**
     * Stores {@code object} under {@code key}; the map owns its reference from now on, and drops
     * it itself if the update fails.
     */
    void updateObject(byte[] key, T object, long flags);

    /** The object in slot {@code key}, or null (the program path of tail calls / inner lookups). */
    T objectAt(byte[] key);

    /**
     * The slots an object file declares with BTF ({@code __array(values, ...)} initialised as
     * {@code .values = { [i] = &inner }}): what libbpf's {@code init_map_in_map_slots} /
     * {@code init_prog_array_slots} do right after creating the map, slot {@code i} keyed by the
     * u32 {@code i} through {@link #updateObject} with BPF_ANY. {@code slots.get(i)} null leaves
     * slot {@code i} empty. The map owns every non-null reference, also when a slot fails (the
     * ones after it are dropped too). No wait for programs: none can reach a map being loaded.
     *
     * @throws BpfException naming the slot, with the update's errno (E2BIG, EINVAL, ...)
     */
    default void initSlots(java.util.List<T> slots) {
        for (int i = 0; i < slots.size(); i++) {
            T obj = slots.get(i);
            if (obj == null) {
                continue;
            }
            try {
                updateObject(new byte[] {(byte) i, (byte) (i >>> 8), (byte) (i >>> 16), (byte) (i >>> 24)}, obj, MapFlags.BPF_ANY);
            } catch (BpfException e) {
                for (int j = i + 1; j < slots.size(); j++) {
                    dropUnused(slots.get(j));
                }
                throw new BpfException(e.errno(), "initial slot " + i + " of " + type() + ": " + e.getMessage());
            }
        }
    }

    /** Drops a reference the map was handed but did not store ({@code map_fd_put_ptr}, no defer). */
    void dropUnused(T object);

    /**
     * BPF_MAP_UPDATE_BATCH ({@code generic_map_update_batch}): {@code count} keys and fds packed
     * back to back, each through {@link #updateFd}; stops at the first failure with what was done.
     * For map-in-map the syscall layer then waits once ({@link MapWait#maybeWaitBpfPrograms}),
     * whatever the outcome: N replacements, one grace period.
     */
    default BatchResult updateFdBatch(byte[] keys, byte[] values, int count, long elemFlags, FdResolver<T> resolve) {
        if ((elemFlags & ~MapFlags.BPF_F_LOCK) != 0 || (elemFlags & MapFlags.BPF_F_LOCK) != 0 && attr().spinLockOff() < 0) {
            throw new BpfException(Errno.EINVAL, "batch elem_flags 0x" + Long.toHexString(elemFlags) + " on " + type());
        }
        int ks = keySize();
        GenericBatch.checkLength("keys", keys, (long) count * ks);
        GenericBatch.checkLength("values", values, (long) count * 4);
        int cp = 0;
        for (; cp < count; cp++) {
            try {
                updateFd(java.util.Arrays.copyOfRange(keys, cp * ks, (cp + 1) * ks),
                        java.util.Arrays.copyOfRange(values, cp * 4, (cp + 1) * 4), elemFlags, resolve);
            } catch (BpfException e) {
                return new BatchResult(cp, null, null, null, e.errno());
            }
        }
        return new BatchResult(cp, null, null, null, null);
    }
}
