package org.ebpf4j.syscall;

import org.ebpf4j.uapi.MapType;

/**
 * BPF_MAP_CREATE's part of {@code union bpf_attr} (include/uapi/linux/bpf.h), raw as user space
 * passes it: {@code mapType} is the number (an unknown one gets EINVAL), fds are fds of the
 * calling task.
 */
public record MapCreateAttr(
        int mapType,
        int keySize,
        int valueSize,
        int maxEntries,
        int mapFlags,
        int innerMapFd,
        int numaNode,
        String mapName,
        int mapIfindex,
        int btfFd,
        int btfKeyTypeId,
        int btfValueTypeId,
        int btfVmlinuxValueTypeId,
        long mapExtra) {

    public MapCreateAttr {
        mapName = mapName == null ? "" : mapName;
    }

    /** The common case: a type, sizes, max_entries and flags; everything else zero. */
    public static MapCreateAttr of(MapType type, int keySize, int valueSize, int maxEntries, int mapFlags) {
        return new MapCreateAttr(type.value(), keySize, valueSize, maxEntries, mapFlags, 0, 0, "", 0, 0, 0, 0, 0, 0);
    }

    public MapCreateAttr withName(String name) {
        return new MapCreateAttr(mapType, keySize, valueSize, maxEntries, mapFlags, innerMapFd, numaNode, name, mapIfindex,
                btfFd, btfKeyTypeId, btfValueTypeId, btfVmlinuxValueTypeId, mapExtra);
    }

    public MapCreateAttr withBtf(int fd, int keyTypeId, int valueTypeId) {
        return new MapCreateAttr(mapType, keySize, valueSize, maxEntries, mapFlags, innerMapFd, numaNode, mapName, mapIfindex,
                fd, keyTypeId, valueTypeId, btfVmlinuxValueTypeId, mapExtra);
    }

    public MapCreateAttr withMapExtra(long extra) {
        return new MapCreateAttr(mapType, keySize, valueSize, maxEntries, mapFlags, innerMapFd, numaNode, mapName, mapIfindex,
                btfFd, btfKeyTypeId, btfValueTypeId, btfVmlinuxValueTypeId, extra);
    }

    public MapCreateAttr withNumaNode(int node) {
        return new MapCreateAttr(mapType, keySize, valueSize, maxEntries, mapFlags, innerMapFd, node, mapName, mapIfindex,
                btfFd, btfKeyTypeId, btfValueTypeId, btfVmlinuxValueTypeId, mapExtra);
    }

    public MapCreateAttr withInnerMapFd(int fd) {
        return new MapCreateAttr(mapType, keySize, valueSize, maxEntries, mapFlags, fd, numaNode, mapName, mapIfindex,
                btfFd, btfKeyTypeId, btfValueTypeId, btfVmlinuxValueTypeId, mapExtra);
    }
}
