package org.ebpf4j.vm.verifier;

/**
 * What the verifier knows of a map an ld_imm64 refers to (the fields of {@code struct bpf_map} that
 * check_map_access() and check_map_func_compatibility() read).
 *
 * @param type       the BPF_MAP_TYPE_* number
 * @param name       for the log
 * @param innerValueSize for map-in-map types, the value size of the inner map template (else 0)
 */
public record MapDesc(int type, String name, int keySize, int valueSize, int maxEntries, int innerValueSize) {
    public MapDesc(int type, String name, int keySize, int valueSize, int maxEntries) {
        this(type, name, keySize, valueSize, maxEntries, 0);
    }
}
