package org.ebpf4j.map;

import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * What ARRAY_OF_MAPS and HASH_OF_MAPS share (kernel/bpf/map_in_map.c): the template meta, the
 * second half of {@code bpf_map_fd_get_ptr} (the compatibility check), {@code bpf_map_fd_put_ptr}
 * and {@code bpf_map_fd_sys_lookup_elem}. One per outer map.
 *
 * <p>Every slot holds its own {@link InnerMapRef}. Putting one back with {@code needDefer}
 * (a removal programs may race with) marks the inner map to be freed after the grace period of
 * the domain the outer map's programs read in: normal RCU, or tasks-trace then RCU when the
 * outer map has sleepable users ({@code sleepable_refcnt}); the mark is sticky (§7.8). In
 * ebpf4j every map's memory already waits for a normal grace period, so only the sleepable case
 * changes anything.
 */
final class MapInMap {
    private final MapMeta meta;
    private final MapBase outer;

    MapInMap(MapMeta meta, MapBase outer) {
        this.meta = meta;
        this.outer = outer;
    }

    MapMeta meta() { return meta; }

    /**
     * {@code bpf_map_fd_get_ptr} after the fd resolved: the candidate must match the template
     * (else EINVAL, and the new reference is dropped with {@code need_defer = false}).
     */
    InnerMapRef check(InnerMapRef ref) {
        if (ref == null) {
            throw new BpfException(Errno.EBADF, "no inner map");
        }
        BpfMap m = ref.map();
        if (!meta.accepts(m)) {
            String why = m.innerMapMeta() != null ? "inner map id " + m.id() + " is itself a map-in-map"
                    : meta.mismatch(m);
            ref.put();
            throw new BpfException(Errno.EINVAL, why + " (outer map id " + outer.id() + ")");
        }
        return ref;
    }

    /** The reference is about to be published in a slot. */
    void entered(InnerMapRef ref) {
        if (ref.map() instanceof MapBase m) {
            m.life().enterSlot();
        }
    }

    /**
     * {@code bpf_map_fd_put_ptr(outer, inner, need_defer)}: the slot no longer holds {@code ref}
     * (it was already cleared or unlinked); drops the reference.
     */
    void put(InnerMapRef ref, boolean needDefer) {
        boolean sleepable = outer.sleepableRefcnt() > 0;
        if (ref.map() instanceof MapBase m) {
            if (needDefer && sleepable) {
                m.life().markFreeAfterMultGp();
            }
            m.life().leaveSlot(sleepable ? r -> outer.env.afterTasksTraceGracePeriod()
                    .accept(() -> outer.env.afterGracePeriod().accept(r)) : outer.env.afterGracePeriod());
        }
        ref.put();
    }

    /** {@code bpf_map_fd_sys_lookup_elem}: what user space reads is the inner map's id. */
    static byte[] sysValue(InnerMapRef ref) {
        return MapBase.le32(ref.map().id());
    }
}
