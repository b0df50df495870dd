package org.ebpf4j.map;

/**
 * A counted kernel reference on a map, as one map-in-map slot owns it ({@code bpf_map_inc} when
 * {@code bpf_map_fd_get_ptr} stores it, {@code bpf_map_put} when the slot lets go; spec §7.4,
 * §7.8). The refcount lives with the object model above the map layer (the kernel's map object
 * implements this); the map layer only holds and drops.
 */
public interface InnerMapRef {
    /** The map this reference keeps alive. */
    BpfMap map();

    /**
     * {@code bpf_map_put}: drops this reference. The last one removes the map's id at once and
     * frees it; the memory goes back after a grace period ({@link BpfMap#free()}).
     */
    void put();
}
