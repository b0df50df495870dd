package org.ebpf4j.host;

import java.util.Objects;
import org.ebpf4j.uapi.MapType;

/**
 * The BPF_MAP_CREATE fields ebpf4j passes to the host kernel ({@code union bpf_attr}'s first
 * struct). Zero means "not set" for every int, as in the C struct.
 *
 * @param name            map_name, at most 15 bytes (longer names are cut as libbpf cuts them)
 * @param btfFd           BTF object fd, 0 for none
 */
public record MapCreate(MapType type, int keySize, int valueSize, int maxEntries, int mapFlags, String name,
                        int innerMapFd, int btfFd, int btfKeyTypeId, int btfValueTypeId, long mapExtra) {
    public MapCreate {
        Objects.requireNonNull(type, "type");
        name = name == null ? "" : name;
    }

    /** A map without BTF, inner map or extra. */
    public static MapCreate of(MapType type, int keySize, int valueSize, int maxEntries, int mapFlags, String name) {
        return new MapCreate(type, keySize, valueSize, maxEntries, mapFlags, name, 0, 0, 0, 0, 0);
    }
}
