package org.ebpf4j.map;

import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * The copy of the inner-map template an outer map keeps ({@code map->inner_map_meta},
 * {@code bpf_map_meta_alloc} in kernel/bpf/map_in_map.c; spec §7.1 step 3). Only the template's
 * shape is kept, never the template itself: it may be closed after the outer map is created, and
 * it is not an element of the outer map.
 *
 * <p>The BTF record is modelled by its one field ebpf4j knows, the spin lock offset
 * ({@code btf_record_equal}); timers and kptrs are not modelled yet.
 *
 * @param mapFlags the retained flags ({@code bpf_map_flags_retain_permanent}: fd-level
 *                 BPF_F_RDONLY/BPF_F_WRONLY stripped)
 * @param rule     the template type's {@code map_meta_equal}
 */
public record MapMeta(MapType type, int keySize, int valueSize, int mapFlags, int maxEntries, int spinLockOff,
                      MetaEqual rule) {

    /**
     * {@code bpf_map_meta_alloc}, in its order: no template (the fd did not resolve) → EBADF; the
     * template is itself a map-in-map → EINVAL ("Does not support >1 level map-in-map"); its type
     * has no {@code map_meta_equal} → ENOTSUPP (524).
     */
    public static MapMeta alloc(BpfMap template) {
        if (template == null) {
            throw new BpfException(Errno.EBADF, "inner_map_fd does not name an open map fd");
        }
        if (template.innerMapMeta() != null) {
            throw new BpfException(Errno.EINVAL, "inner_map_fd names a " + template.type()
                    + ": only one level of map-in-map is supported");
        }
        MetaEqual rule = template.metaEqual();
        if (rule == MetaEqual.NONE) {
            throw new BpfException(Errno.ENOTSUPP, "a " + template.type() + " cannot be an inner map");
        }
        return new MapMeta(template.type(), template.keySize(), template.valueSize(), retained(template.mapFlags()),
                template.maxEntries(), template.attr().spinLockOff(), rule);
    }

    /** {@code bpf_map_flags_retain_permanent}: RDONLY/WRONLY belong to the fd, not the map. */
    static int retained(int mapFlags) {
        return mapFlags & ~(MapFlags.BPF_F_RDONLY | MapFlags.BPF_F_WRONLY);
    }

    /** {@code map->inner_map_meta->ops->map_meta_equal(meta, candidate)}. */
    public boolean accepts(BpfMap candidate) {
        return candidate.innerMapMeta() == null && rule.equal(this, candidate);
    }

    /** Why {@code candidate} is refused, for the EINVAL message. */
    String mismatch(BpfMap c) {
        return "inner map id " + c.id() + " (" + c.type() + ", key " + c.keySize() + ", value " + c.valueSize()
                + ", max_entries " + Integer.toUnsignedString(c.maxEntries()) + ", flags 0x" + Integer.toHexString(c.mapFlags())
                + ") does not match the template (" + type + ", key " + keySize + ", value " + valueSize
                + ", max_entries " + Integer.toUnsignedString(maxEntries) + ", flags 0x" + Integer.toHexString(mapFlags) + ")";
    }
}
