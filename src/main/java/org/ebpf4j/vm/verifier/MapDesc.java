package org.ebpf4j.vm.verifier;

/**
 * What the verifier knows of a map an ld_imm64 refers to (the fields of {@code struct bpf_map} that
 * check_map_access() and check_map_func_compatibility() read).
 *
 * @param type       the BPF_MAP_TYPE_* number
 * @param name       for the log
 * @param inner      for map-in-map types (ARRAY_OF_MAPS, HASH_OF_MAPS), the inner map template, else null:
 *                   a lookup's non-NULL result is a CONST_PTR_TO_MAP to a map like it
 */
public record MapDesc(int type, String name, int keySize, int valueSize, int maxEntries, MapDesc inner) {
    public MapDesc(int type, String name, int keySize, int valueSize, int maxEntries) {
        this(type, name, keySize, valueSize, maxEntries, null);
    }

    boolean isMapInMap() { return type == 12 || type == 13; }
}
