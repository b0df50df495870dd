package org.ebpf4j.map;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.ToIntFunction;
import org.ebpf4j.map.storage.CgroupStorageMap;
import org.ebpf4j.map.storage.CgrpStorageMap;
import org.ebpf4j.map.storage.LocalStorageMap;
import org.ebpf4j.map.storage.SkStorageMap;
import org.ebpf4j.map.storage.InodeStorageMap;
import org.ebpf4j.map.storage.TaskStorageMap;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * Map type → ops, as {@code include/linux/bpf_types.h} builds {@code bpf_map_types[]}; plus the
 * part of {@code map_create()} (kernel/bpf/syscall.c) that depends on the type, in the kernel's
 * order. A new map type adds one line to {@link #KINDS} and nothing else.
 *
 * <p>The table is immutable; creation state lives in the {@link MapEnv} passed in.
 */
public final class MapTypes {
    private MapTypes() {}

    /** One row of the table: {@code map_alloc_check} (0 or -errno) and {@code map_alloc}. */
    record Kind(ToIntFunction<MapAttr> allocCheck, BiFunction<MapAttr, MapEnv, MapBase> alloc) {}

    private static final Map<MapType, Kind> KINDS;

    static {
        EnumMap<MapType, Kind> k = new EnumMap<>(MapType.class);
        k.put(MapType.ARRAY, new Kind(ArrayMap::allocCheck, ArrayMap::new));
        k.put(MapType.PERCPU_ARRAY, new Kind(ArrayMap::allocCheck, ArrayMap::new));
        k.put(MapType.HASH, new Kind(HashTab::allocCheck, HashMap::new));
        k.put(MapType.PERCPU_HASH, new Kind(HashTab::allocCheck, PercpuHashMap::new));
        k.put(MapType.LRU_HASH, new Kind(HashTab::allocCheck, LruHashMap::new));
        k.put(MapType.LRU_PERCPU_HASH, new Kind(HashTab::allocCheck, LruPercpuHashMap::new));
        k.put(MapType.QUEUE, new Kind(QueueStackMap::allocCheck, QueueStackMap::new));
        k.put(MapType.STACK, new Kind(QueueStackMap::allocCheck, QueueStackMap::new));
        k.put(MapType.BLOOM_FILTER, new Kind(BloomFilterMap::allocCheck, BloomFilterMap::new));
        k.put(MapType.PROG_ARRAY, new Kind(ProgArrayMap::allocCheck, ProgArrayMap::new));
        k.put(MapType.ARRAY_OF_MAPS, new Kind(ArrayOfMaps::allocCheck, ArrayOfMaps::new));
        k.put(MapType.HASH_OF_MAPS, new Kind(HashOfMaps::allocCheck, HashOfMaps::new));
        k.put(MapType.LPM_TRIE, new Kind(LpmTrieMap::allocCheck, LpmTrieMap::new));
        k.put(MapType.RINGBUF, new Kind(RingBufMap::allocCheck, RingBufMap::new));
        k.put(MapType.SK_STORAGE, new Kind(LocalStorageMap::allocCheck, SkStorageMap::new));
        k.put(MapType.INODE_STORAGE, new Kind(LocalStorageMap::allocCheck, InodeStorageMap::new));
        k.put(MapType.TASK_STORAGE, new Kind(LocalStorageMap::allocCheck, TaskStorageMap::new));
        k.put(MapType.CGRP_STORAGE, new Kind(LocalStorageMap::allocCheck, CgrpStorageMap::new));
        k.put(MapType.CGROUP_STORAGE, new Kind(CgroupStorageMap::allocCheck, CgroupStorageMap::new));
        k.put(MapType.PERCPU_CGROUP_STORAGE, new Kind(CgroupStorageMap::allocCheck, CgroupStorageMap::new));
        KINDS = java.util.Collections.unmodifiableMap(k);
    }

    /** True if ebpf4j implements {@code type}. */
    public static boolean supported(MapType type) { return type != null && KINDS.containsKey(type); }

    /**
     * The type-dependent checks of {@code map_create} up to and including {@code map_alloc_check};
     * 0 or -errno (the syscall layer has already done CHECK_ATTR).
     */
    public static int allocCheck(MapAttr attr) {
        return check(attr).errno == null ? 0 : check(attr).errno.negative();
    }

    private record Verdict(Errno errno, String why) {}

    private static Verdict check(MapAttr a) {
        if (a.type() == null) {
            return new Verdict(Errno.EINVAL, "map_type is not a Linux 6.18 map type");
        }
        // map_create(): map_extra only for BLOOM_FILTER and ARENA
        if (a.type() != MapType.BLOOM_FILTER && a.type() != MapType.ARENA && a.mapExtra() != 0) {
            return new Verdict(Errno.EINVAL, "map_extra 0x" + Long.toHexString(a.mapExtra()) + " is only for BLOOM_FILTER and ARENA");
        }
        // btf_vmlinux_value_type_id only for STRUCT_OPS; a key type id needs a value type id
        if (a.btfVmlinuxValueTypeId() != 0) {
            if (a.type() != MapType.STRUCT_OPS || a.btfKeyTypeId() != 0 || a.btfValueTypeId() != 0) {
                return new Verdict(Errno.EINVAL, "btf_vmlinux_value_type_id " + a.btfVmlinuxValueTypeId() + " is only for STRUCT_OPS");
            }
        } else if (a.btfKeyTypeId() != 0 && a.btfValueTypeId() == 0) {
            return new Verdict(Errno.EINVAL, "btf_key_type_id " + a.btfKeyTypeId() + " without btf_value_type_id");
        }
        // bpf_get_file_flag(): RDONLY together with WRONLY
        if (a.has(MapFlags.BPF_F_RDONLY) && a.has(MapFlags.BPF_F_WRONLY)) {
            return new Verdict(Errno.EINVAL, "map_flags 0x" + Integer.toHexString(a.mapFlags()) + ": BPF_F_RDONLY with BPF_F_WRONLY");
        }
        // numa_node must name an online node; the model has one node, 0
        int node = a.effectiveNumaNode();
        if (node != MapFlags.NUMA_NO_NODE && node != 0) {
            return new Verdict(Errno.EINVAL, "numa_node " + node + " is not an online node");
        }
        Kind kind = KINDS.get(a.type());
        if (kind == null) {
            return new Verdict(Errno.EINVAL, "map_type " + a.type() + " is not implemented by ebpf4j");
        }
        int err = kind.allocCheck().applyAsInt(a);
        if (err != 0) {
            return new Verdict(Errno.of(err), "map_alloc_check of " + a.type() + " refused key_size " + a.keySize()
                    + ", value_size " + a.valueSize() + ", max_entries " + Integer.toUnsignedString(a.maxEntries())
                    + ", map_flags 0x" + Integer.toHexString(a.mapFlags()));
        }
        return new Verdict(null, null);
    }

    /**
     * {@code find_and_alloc_map} + the rest of {@code map_create} that is the map's business:
     * checks, allocation, the name, then the id (after which the map is visible). Throws
     * {@link BpfException} with the kernel's errno; nothing is left allocated on failure.
     */
    public static BpfMap create(MapAttr attr, MapEnv env) {
        Verdict v = check(attr);
        if (v.errno != null) {
            throw new BpfException(v.errno, v.why);
        }
        MapBase map = KINDS.get(attr.type()).alloc().apply(attr, env);
        if (!validName(attr.name())) {   // bpf_obj_name_cpy runs after map_alloc
            map.freeStorageNow();
            throw new BpfException(Errno.EINVAL, "map_name \"" + attr.name() + "\": at most 15 of [A-Za-z0-9_.]");
        }
        map.publish();
        return map;
    }

    /** {@code bpf_obj_name_cpy}: up to BPF_OBJ_NAME_LEN-1 characters, each alnum, '_' or '.'. */
    static boolean validName(String name) {
        if (name.length() > 15) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
