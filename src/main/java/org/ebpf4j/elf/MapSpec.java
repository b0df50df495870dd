package org.ebpf4j.elf;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.ebpf4j.uapi.MapType;

/**
 * One map an object declares, as libbpf's {@code struct bpf_map_def} plus BTF ids and initial
 * contents, before any map is created. Immutable: {@link #initialValue()} returns a copy.
 *
 * @param name            map name as libbpf gives it (internal maps: {@code <obj>.data} etc.,
 *                        see {@link InternalMaps#name})
 * @param origin          where the definition came from
 * @param sectionName     the ELF section holding the definition or the data
 * @param type            map type
 * @param keySize         key size in bytes
 * @param valueSize       value size in bytes
 * @param maxEntries      max_entries
 * @param mapFlags        map_flags
 * @param pinning         pinning, from {@code __uint(pinning, LIBBPF_PIN_BY_NAME)}
 * @param mapExtra        map_extra (bloom filter hash count, arena address)
 * @param numaNode        numa_node (meaningful only with BPF_F_NUMA_NODE)
 * @param btfKeyTypeId    BTF type id of the key, 0 if none
 * @param btfValueTypeId  BTF type id of the value (a DATASEC for internal maps), 0 if none
 * @param innerMap        the inner map template of a map-in-map, else null
 * @param initialValue    value 0's bytes for internal maps (global data), else null
 * @param initialSlots    map-in-map / prog-array slots set by {@code __array(values, …)} initialisers
 */
public record MapSpec(String name, Origin origin, String sectionName, MapType type, int keySize, int valueSize,
                      int maxEntries, int mapFlags, Pinning pinning, long mapExtra, int numaNode,
                      int btfKeyTypeId, int btfValueTypeId, MapSpec innerMap, byte[] initialValue,
                      List<Slot> initialSlots) {

    /** Where a definition came from. */
    public enum Origin {
        /** {@code SEC(".maps")} with BTF-described attributes. */
        BTF,
        /** {@code struct bpf_map_def} in {@code SEC("maps")}: dropped by libbpf 1.0, still read here. */
        LEGACY,
        /** Internal map of a {@code .data}/{@code .data.*} section (LIBBPF_MAP_DATA). */
        DATA,
        /** Internal map of a {@code .rodata}/{@code .rodata.*} section: BPF_F_RDONLY_PROG. */
        RODATA,
        /** Internal map of {@code .bss}/{@code .bss.*}: initially zero. */
        BSS,
        /** Internal map holding the {@code __kconfig} externs. */
        KCONFIG
    }

    /** libbpf's {@code enum libbpf_pin_type}. */
    public enum Pinning { NONE, BY_NAME }

    /** One initial slot of a map-in-map or prog array: key {@code index} holds {@code target}. */
    public record Slot(int index, String target) {}

    public MapSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        initialValue = initialValue == null ? null : initialValue.clone();
        initialSlots = List.copyOf(initialSlots);
    }

    /** A copy of the initial bytes of value 0, or null for maps without initial data. */
    @Override
    public byte[] initialValue() { return initialValue == null ? null : initialValue.clone(); }

    public boolean isInternal() {
        return origin == Origin.DATA || origin == Origin.RODATA || origin == Origin.BSS || origin == Origin.KCONFIG;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MapSpec m && name.equals(m.name) && origin == m.origin
                && Objects.equals(sectionName, m.sectionName) && type == m.type && keySize == m.keySize
                && valueSize == m.valueSize && maxEntries == m.maxEntries && mapFlags == m.mapFlags
                && pinning == m.pinning && mapExtra == m.mapExtra && numaNode == m.numaNode
                && btfKeyTypeId == m.btfKeyTypeId && btfValueTypeId == m.btfValueTypeId
                && Objects.equals(innerMap, m.innerMap) && Arrays.equals(initialValue, m.initialValue)
                && initialSlots.equals(m.initialSlots);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, keySize, valueSize, maxEntries, mapFlags, Arrays.hashCode(initialValue));
    }

    @Override
    public String toString() {
        return "MapSpec[" + name + " " + type + " key=" + keySize + " value=" + valueSize + " max_entries="
                + maxEntries + " flags=0x" + Integer.toHexString(mapFlags) + " origin=" + origin + "]";
    }
}
