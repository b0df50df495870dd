package org.ebpf4j.map;

/**
 * A map whose values, seen from user space, are file descriptors of other objects: PROG_ARRAY
 * (programs), and later ARRAY_OF_MAPS / HASH_OF_MAPS (maps). The syscall layer resolves the fd
 * in the update value (EBADF, EINVAL as {@code map_fd_get_ptr} does) and calls
 * {@link #updateObject}; a lookup returns the object's id ({@code map_fd_sys_lookup_elem}).
 *
 * @param <T> the held object type ({@link ProgRef}, or {@link BpfMap} for map-in-map)
 */
public interface FdValueMap<T> extends BpfMap {
    /** Stores {@code object} (whose reference the map now owns) under {@code key}. */
    void updateObject(byte[] key, T object, long flags);

    /** The object in slot {@code key}, or null (the program path of tail calls / inner lookups). */
    T objectAt(byte[] key);
}
