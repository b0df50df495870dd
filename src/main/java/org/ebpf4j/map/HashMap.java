package org.ebpf4j.map;

/**
 * BPF_MAP_TYPE_HASH (kernel/bpf/hashtab.c, {@code hash} ops): the shared {@link HashTab}
 * core with percpu=false, lru=false.
 */
final class HashMap extends HashTab {
    HashMap(MapAttr attr, MapEnv env) {
        super(attr, env, false, false);
    }
}
