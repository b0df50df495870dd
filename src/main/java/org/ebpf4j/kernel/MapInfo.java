package org.ebpf4j.kernel;

import org.ebpf4j.uapi.MapType;

/** {@code struct bpf_map_info} as {@code bpf_map_get_info_by_fd} fills it (kernel/bpf/syscall.c). */
public record MapInfo(
        MapType type,
        int id,
        int keySize,
        int valueSize,
        int maxEntries,
        int mapFlags,
        String name,
        int ifindex,
        int btfVmlinuxValueTypeId,
        long netnsDev,
        long netnsIno,
        int btfId,
        int btfKeyTypeId,
        int btfValueTypeId,
        long mapExtra) implements ObjInfo {}
