package org.ebpf4j.map;

/**
 * BPF_MAP_TYPE_PERCPU_HASH (kernel/bpf/hashtab.c, {@code percpu_hash} ops): the shared {@link HashTab}
 * core with percpu=true, lru=false.
 */
final class PercpuHashMap extends HashTab {
    PercpuHashMap(MapAttr attr, MapEnv env) {
        super(attr, env, true, false);
    }
}
