package org.ebpf4j.map;

/**
 * A map type's {@code map_meta_equal} op (include/linux/bpf.h {@code struct bpf_map_ops}): how a
 * candidate inner map is compared with the template an outer map was created with
 * (kernel/bpf/map_in_map.c, spec §7.2–§7.3). A closed set, so an enum; each map type answers
 * {@link BpfMap#metaEqual()}.
 */
public enum MetaEqual {
    /** No op: the type cannot be an inner map; outer creation with it as template → ENOTSUPP (524). */
    NONE,
    /** {@code bpf_map_meta_equal}: type, key/value size, retained map_flags and the BTF record; max_entries free. */
    GENERIC,
    /** {@code array_map_meta_equal}: GENERIC, and max_entries equal unless the template had BPF_F_INNER_MAP. */
    ARRAY;

    /** Whether {@code candidate} fits the slots of an outer map whose template is {@code meta}. */
    boolean equal(MapMeta meta, BpfMap candidate) {
        if (this == NONE) {
            return false;
        }
        boolean generic = meta.type() == candidate.type()
                && meta.keySize() == candidate.keySize()
                && meta.valueSize() == candidate.valueSize()
                && meta.mapFlags() == MapMeta.retained(candidate.mapFlags())
                && meta.spinLockOff() == candidate.attr().spinLockOff();
        if (this == GENERIC || !generic) {
            return generic;
        }
        return (meta.mapFlags() & MapFlags.BPF_F_INNER_MAP) != 0 || meta.maxEntries() == candidate.maxEntries();
    }
}
