package org.ebpf4j.map.storage;

import java.util.EnumMap;
import java.util.Map;
import org.ebpf4j.uapi.MapType;

/**
 * {@code struct bpf_local_storage_cache} (include/linux/bpf_local_storage.h, spec §1.4): the
 * cache-slot allocator of one local-storage map type. The kernel has one global per type
 * ({@code DEFINE_BPF_STORAGE_CACHE(sk_cache)}, ...); here one per type per runtime, kept in the
 * map registry ({@link Caches}).
 */
public final class LocalStorageCache {
    private final int[] idxUsageCounts = new int[LocalStorage.CACHE_SIZE];

    /**
     * {@code bpf_local_storage_cache_idx_get()}: the least-used index, lowest first (the scan
     * stops at the first unused one); its count goes up.
     */
    public synchronized int idxGet() {
        int best = 0;
        int min = Integer.MAX_VALUE;
        for (int i = 0; i < idxUsageCounts.length; i++) {
            if (idxUsageCounts[i] < min) {
                min = idxUsageCounts[i];
                best = i;
                if (min == 0) {
                    break;
                }
            }
        }
        idxUsageCounts[best]++;
        return best;
    }

    /** {@code bpf_local_storage_cache_idx_free()}. */
    public synchronized void idxFree(int idx) { idxUsageCounts[idx]--; }

    /** How many live maps use slot {@code idx} (tests, diagnostics). */
    public synchronized int usage(int idx) { return idxUsageCounts[idx]; }

    /** The allocators of one runtime, one per local-storage map type. */
    public static final class Caches {
        private final Map<MapType, LocalStorageCache> byType = new EnumMap<>(MapType.class);

        public synchronized LocalStorageCache of(MapType type) {
            return byType.computeIfAbsent(type, t -> new LocalStorageCache());
        }
    }
}
