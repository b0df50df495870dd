package org.ebpf4j.syscall;

import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfFormatException;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.kernel.BtfObject;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * {@code map_check_btf} (kernel/bpf/syscall.c): the key and value types a map was created with
 * must have the map's sizes, and the value's special fields (here: {@code struct bpf_spin_lock})
 * are found. The type-specific parts ({@code map->ops->map_check_btf}) that decide whether a
 * key type may be left out are listed here, in the one place that needs them.
 */
final class MapBtf {
    private MapBtf() {}

    /** Map types with a {@code map_check_btf} op, for which {@code btf_key_type_id} 0 is allowed. */
    private static boolean keyMayBeVoid(MapType t) {
        return t == MapType.ARRAY || t == MapType.PERCPU_ARRAY || t == MapType.BLOOM_FILTER || t == MapType.LPM_TRIE
                || t == MapType.SK_STORAGE || t == MapType.INODE_STORAGE || t == MapType.TASK_STORAGE
                || t == MapType.CGRP_STORAGE || t == MapType.CGROUP_STORAGE || t == MapType.PERCPU_CGROUP_STORAGE
                || t == MapType.QUEUE || t == MapType.STACK || t == MapType.RINGBUF || t == MapType.ARENA;
    }

    private static boolean isLocalStorage(MapType t) {
        return t == MapType.SK_STORAGE || t == MapType.INODE_STORAGE || t == MapType.TASK_STORAGE || t == MapType.CGRP_STORAGE;
    }

    /** Types whose values may hold a {@code bpf_spin_lock} (else EOPNOTSUPP). */
    private static boolean spinLockAllowed(MapType t) {
        return t == MapType.HASH || t == MapType.ARRAY || t == MapType.CGROUP_STORAGE || t == MapType.SK_STORAGE
                || t == MapType.INODE_STORAGE || t == MapType.TASK_STORAGE || t == MapType.CGRP_STORAGE;
    }

    /**
     * Checks the BTF types and returns the spin lock offset in the value, or -1.
     * EINVAL for a size mismatch or a bad id, EACCES for a spin lock in a BPF_F_RDONLY_PROG map,
     * EOPNOTSUPP for a spin lock in a map type that cannot hold one.
     */
    static int check(BtfObject obj, MapType type, int keyId, int valueId, int keySize, int valueSize, int mapFlags) {
        Btf btf = obj.btf();
        try {
            if (keyId != 0) {
                long ks = sizeOf(btf, keyId, "btf_key_type_id");
                if (ks != keySize) {
                    throw new BpfException(Errno.EINVAL, "btf_key_type_id " + keyId + " has size " + ks + ", key_size is " + keySize);
                }
                if (isLocalStorage(type) && !(btf.resolve(keyId) instanceof BtfType.Int i && i.size() == 4
                        && i.bitOffset() == 0 && i.bits() == 32)) {   // bpf_local_storage_map_check_btf: btf_type_is_i32
                    throw new BpfException(Errno.EINVAL, "btf_key_type_id " + keyId + ": " + type + " needs a 32-bit int key type");
                }
            } else if (!keyMayBeVoid(type)) {
                throw new BpfException(Errno.EINVAL, "btf_key_type_id 0: " + type + " needs a key type");
            }
            long vs = sizeOf(btf, valueId, "btf_value_type_id");
            if (vs != valueSize) {
                throw new BpfException(Errno.EINVAL, "btf_value_type_id " + valueId + " has size " + vs + ", value_size is " + valueSize);
            }
            int lock = spinLockOff(btf, valueId, 0, 0);
            if (lock == -2) {
                throw new BpfException(Errno.EINVAL, "value type " + valueId + " has more than one bpf_spin_lock");
            }
            if (lock >= 0) {
                if ((mapFlags & MapFlags.BPF_F_RDONLY_PROG) != 0) {
                    throw new BpfException(Errno.EACCES, "bpf_spin_lock in a BPF_F_RDONLY_PROG map");
                }
                if (!spinLockAllowed(type)) {
                    throw new BpfException(Errno.EOPNOTSUPP, "bpf_spin_lock in a " + type + " value");
                }
            }
            return lock;
        } catch (BtfFormatException | IllegalArgumentException e) {
            throw new BpfException(Errno.EINVAL, "map BTF: " + e.getMessage());
        }
    }

    private static long sizeOf(Btf btf, int id, String field) {
        if (id <= 0 || id >= btf.typeCount()) {
            throw new BpfException(Errno.EINVAL, field + " " + Integer.toUnsignedString(id) + " is not a type of the BTF (" + (btf.typeCount() - 1) + " types)");
        }
        BtfType t = btf.resolve(id);
        if (t instanceof BtfType.Void || t instanceof BtfType.Fwd) {
            throw new BpfException(Errno.EINVAL, field + " " + id + " has no size");
        }
        return btf.sizeOf(id);
    }

    /**
     * Offset of the (single) {@code struct bpf_spin_lock} in type {@code id}, searching nested
     * structs as {@code btf_parse_fields} does: -1 none, -2 more than one.
     */
    private static int spinLockOff(Btf btf, int id, int base, int depth) {
        if (depth > 8) {
            return -1;
        }
        BtfType t = btf.resolve(id);
        if (!(t instanceof BtfType.Struct s)) {
            return -1;
        }
        if (s.name().equals("bpf_spin_lock")) {
            return base;
        }
        int found = -1;
        for (BtfType.Member m : s.members()) {
            int off = spinLockOff(btf, m.type(), base + (int) (m.bitOffset() / 8), depth + 1);
            if (off == -2 || (off >= 0 && found >= 0)) {
                return -2;
            }
            if (off >= 0) {
                found = off;
            }
        }
        return found;
    }
}
