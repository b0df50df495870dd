package org.ebpf4j.map;

/**
 * The callback of {@code bpf_for_each_map_elem}: {@code long (*)(struct bpf_map *map, const void
 * *key, void *value, void *ctx)} with arena addresses. A return of 0 continues, 1 stops (the
 * verifier restricts it to [0, 1]). The helper adapts the program's callback to this.
 */
@FunctionalInterface
public interface ElemCallback {
    long call(long mapAddr, long keyAddr, long valueAddr, long ctx);
}
