package org.ebpf4j.map.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * The map side of {@code struct bpf_sk_storage_diag} (net/core/bpf_sk_storage.c, spec §4.4):
 * which SK_STORAGE maps a sock_diag dump asked for, and for one socket the values to report, in
 * the order {@code bpf_sk_storage_diag_put} emits them. The netlink side (nests, sizes,
 * -EMSGSIZE) is the caller's, in the socket layer; fd resolution and the EPERM/EINVAL/EEXIST
 * checks of {@code bpf_sk_storage_diag_alloc} too, since they need the caller's fd table.
 *
 * <p>Each value is copied as {@code diag_get} does: under the value's {@code bpf_spin_lock}
 * when the map has one ({@code copy_map_value_locked}), with the lock word reported as zeroes.
 */
public final class SkStorageDiag {
    /** One value to report: the map's id, its value size and a copy of the value. */
    public record Entry(int mapId, int valueSize, byte[] value) {}

    private final List<SkStorageMap> maps;

    /** A selection of maps (no duplicates: the caller checked); empty = every map ({@code nr_maps == 0}). */
    public SkStorageDiag(List<SkStorageMap> maps) { this.maps = List.copyOf(maps); }

    /** {@code diag->nr_maps}. */
    public int nrMaps() { return maps.size(); }

    /**
     * The values of {@code sk} to report: with no map selected, every element of its storage in
     * list order (newest first, {@code bpf_sk_storage_diag_put_all}); else, for each selected map
     * in request order, the socket's value if it has one. The caller holds an RCU read section.
     */
    public List<Entry> values(SkStorageOwner sk) {
        LocalStorage ls = sk.bpfStorage().get();
        if (ls == null) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        if (maps.isEmpty()) {
            for (LocalStorageElem e : ls.list) {
                if (e.smap instanceof SkStorageMap m) {
                    out.add(copy(m, e));
                }
            }
            return out;
        }
        for (SkStorageMap m : maps) {
            LocalStorageElem e = ls.lookup(m, false);
            if (e != null) {
                out.add(copy(m, e));
            }
        }
        return out;
    }

    private static Entry copy(SkStorageMap m, LocalStorageElem e) {
        return new Entry(m.id(), m.valueSize(), m.copyValueLockedIfAny(e));
    }
}
