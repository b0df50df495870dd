package org.ebpf4j.map;

/**
 * The events of the ebpf4j {@code mapWait} extension (not a Linux command; docs/extensions.md),
 * numbered as Daniel Borkmann sketched {@code BPF_MAP_WAIT} in 2018: 0, the default, is
 * PENDING_REFS.
 */
public enum MapWaitEvent {
    /**
     * No program holds a reference to the map that it obtained from another map: the map is in no
     * outer-map slot, and a grace period has passed since it left the last one.
     */
    PENDING_REFS(0),
    /**
     * The map's memory has been freed (its last reference went and the deferred free ran), so
     * its memory is available again: Jakub Kicinski's "the map has been freed" barrier.
     */
    FREED(1);

    private final int value;

    MapWaitEvent(int value) { this.value = value; }

    /** The number an attr carries. */
    public int value() { return value; }

    /** The event numbered {@code v}, or null. */
    public static MapWaitEvent of(int v) {
        for (MapWaitEvent e : values()) {
            if (e.value == v) {
                return e;
            }
        }
        return null;
    }
}
