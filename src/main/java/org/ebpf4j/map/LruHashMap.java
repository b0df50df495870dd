package org.ebpf4j.map;

/**
 * BPF_MAP_TYPE_LRU_HASH (kernel/bpf/hashtab.c, {@code lru_hash} ops): the shared {@link HashTab}
 * core with percpu=false, lru=true.
 */
final class LruHashMap extends HashTab {
    LruHashMap(MapAttr attr, MapEnv env) {
        super(attr, env, false, true);
    }
}
