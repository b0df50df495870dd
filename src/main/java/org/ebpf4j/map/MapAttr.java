package org.ebpf4j.map;

import org.ebpf4j.uapi.MapType;

/**
 * The BPF_MAP_CREATE attributes a map type looks at ({@code union bpf_attr}'s map_create part,
 * include/uapi/linux/bpf.h), with file descriptors already resolved by the syscall layer.
 *
 * @param type          map_type; null when the number is not a Linux 6.18 map type (→ EINVAL)
 * @param innerMap      the template map behind {@code inner_map_fd} (map-in-map), or null
 * @param numaNode      numa_node as given; only meaningful with {@code BPF_F_NUMA_NODE}
 * @param name          map_name, at most 15 characters of [A-Za-z0-9_.]; "" when none
 * @param mapExtra      map_extra (BLOOM_FILTER: number of hash functions in bits 0-3)
 * @param spinLockOff   offset of the {@code struct bpf_spin_lock} in the value as BTF describes it,
 *                      or -1 when the value has none (BTF parsing lives elsewhere; we take the offset)
 */
public record MapAttr(
        MapType type,
        int keySize,
        int valueSize,
        int maxEntries,
        int mapFlags,
        BpfMap innerMap,
        int numaNode,
        String name,
        int btfFd,
        int btfKeyTypeId,
        int btfValueTypeId,
        int btfVmlinuxValueTypeId,
        long mapExtra,
        int mapIfindex,
        int spinLockOff) {

    public MapAttr {
        name = name == null ? "" : name;
    }

    /** The common case: no BTF, no inner map, no name, no spin lock. */
    public static MapAttr of(MapType type, int keySize, int valueSize, int maxEntries, int mapFlags) {
        return new MapAttr(type, keySize, valueSize, maxEntries, mapFlags, null, 0, "", 0, 0, 0, 0, 0, 0, -1);
    }

    public MapAttr withSpinLockOff(int off) {
        return new MapAttr(type, keySize, valueSize, maxEntries, mapFlags, innerMap, numaNode, name, btfFd,
                btfKeyTypeId, btfValueTypeId, btfVmlinuxValueTypeId, mapExtra, mapIfindex, off);
    }

    public MapAttr withMapExtra(long extra) {
        return new MapAttr(type, keySize, valueSize, maxEntries, mapFlags, innerMap, numaNode, name, btfFd,
                btfKeyTypeId, btfValueTypeId, btfVmlinuxValueTypeId, extra, mapIfindex, spinLockOff);
    }

    public MapAttr withName(String n) {
        return new MapAttr(type, keySize, valueSize, maxEntries, mapFlags, innerMap, numaNode, n, btfFd,
                btfKeyTypeId, btfValueTypeId, btfVmlinuxValueTypeId, mapExtra, mapIfindex, spinLockOff);
    }

    public MapAttr withNumaNode(int node) {
        return new MapAttr(type, keySize, valueSize, maxEntries, mapFlags, innerMap, node, name, btfFd,
                btfKeyTypeId, btfValueTypeId, btfVmlinuxValueTypeId, mapExtra, mapIfindex, spinLockOff);
    }

    public MapAttr withInnerMap(BpfMap inner) {
        return new MapAttr(type, keySize, valueSize, maxEntries, mapFlags, inner, numaNode, name, btfFd,
                btfKeyTypeId, btfValueTypeId, btfVmlinuxValueTypeId, mapExtra, mapIfindex, spinLockOff);
    }

    /** {@code bpf_map_attr_numa_node()}: numa_node if BPF_F_NUMA_NODE is set, else NUMA_NO_NODE. */
    public int effectiveNumaNode() {
        return (mapFlags & MapFlags.BPF_F_NUMA_NODE) != 0 ? numaNode : MapFlags.NUMA_NO_NODE;
    }

    public boolean hasSpinLock() { return spinLockOff >= 0; }

    public boolean has(int flag) { return (mapFlags & flag) != 0; }
}
