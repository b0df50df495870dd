package org.ebpf4j.map;

/**
 * BPF_MAP_TYPE_LRU_PERCPU_HASH (kernel/bpf/hashtab.c, {@code lru_percpu_hash} ops): the shared {@link HashTab}
 * core with percpu=true, lru=true.
 */
final class LruPercpuHashMap extends HashTab {
    LruPercpuHashMap(MapAttr attr, MapEnv env) {
        super(attr, env, true, true);
    }
}
