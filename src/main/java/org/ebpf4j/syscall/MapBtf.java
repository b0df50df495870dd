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
 * must have the map's sizes, and the value's special fields ({@code btf_parse_fields}: the
 * kernel structs {@code bpf_spin_lock}, {@code bpf_timer}, {@code bpf_wq}, {@code bpf_list_head} ...
 * and {@code __uptr} pointers) are found and checked against the map type. The type-specific parts ({@code map->ops->map_check_btf}) that decide whether a
 * key type may be left out are listed here, in the one place that needs them.
 */
final class MapBtf {
    private MapBtf() {}

    /** Map types with a {@code map_check_btf} op, for which {@code btf_key_type_id} 0 is allowed. */
    private static boolean keyMayBeVoid(MapType t) {
        return t == MapType.ARRAY || t == MapType.PERCPU_ARRAY || t == MapType.BLOOM_FILTER || t == MapType.LPM_TRIE
                || t == MapType.SK_STORAGE || t == MapType.INODE_STORAGE || t == MapType.TASK_STORAGE
                || t == MapType.CGRP_STORAGE || t == MapType.CGROUP_STORAGE || t == MapType.PERCPU_CGROUP_STORAGE
                || t == MapType.QUEUE || t == MapType.STACK || t == MapType.RINGBUF || t == MapType.ARENA
                || noBtf(t);
    }

    /**
     * Map types whose {@code map_check_btf} op is {@code map_check_no_btf}: any key or value type
     * id fails the create with ENOTSUPP, after the generic checks (spec-local-storage §10.3 MM-C5).
     */
    private static boolean noBtf(MapType t) {
        return t == MapType.ARRAY_OF_MAPS || t == MapType.HASH_OF_MAPS || t == MapType.PERF_EVENT_ARRAY
                || t == MapType.CGROUP_ARRAY;
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
     * EINVAL for a size mismatch or a bad id, EACCES for a special field in a BPF_F_RDONLY_PROG or
     * BPF_F_WRONLY_PROG map, EOPNOTSUPP for a special field (spin lock, timer, wq, list head, rb root,
     * {@code __uptr}) in a map type that cannot hold one (spec-local-storage-map-in-map §1.2 step E).
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
            SpecialFields f = new SpecialFields(btf);
            f.scan(valueId, 0, 0);
            if (f.locks > 1) {
                throw new BpfException(Errno.EINVAL, "value type " + valueId + " has more than one bpf_spin_lock");
            }
            // btf_parse_fields: bpf_list_head and bpf_rb_root need a bpf_spin_lock beside them
            if ((f.has(F_LIST_HEAD) || f.has(F_RB_ROOT)) && f.locks == 0) {
                throw new BpfException(Errno.EINVAL, "value type " + valueId + ": bpf_list_head/bpf_rb_root need a bpf_spin_lock");
            }
            if (f.mask != 0 && (mapFlags & (MapFlags.BPF_F_RDONLY_PROG | MapFlags.BPF_F_WRONLY_PROG)) != 0) {
                throw new BpfException(Errno.EACCES, "special field " + f.first() + " in a BPF_F_RDONLY_PROG/BPF_F_WRONLY_PROG map");
            }
            // map_check_btf: each field kind, in field_mask bit order, against the map types that may hold it
            for (int bit = 0; bit < FIELD_NAMES.length; bit++) {
                if (f.has(1 << bit) && !fieldAllowed(1 << bit, type)) {
                    throw new BpfException(Errno.EOPNOTSUPP, FIELD_NAMES[bit] + " in a " + type + " value");
                }
            }
            if (noBtf(type)) {   // map->ops->map_check_btf runs last
                throw new BpfException(Errno.ENOTSUPP, type + " takes no BTF key/value types (map_check_no_btf)");
            }
            return f.lockOff;
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

    /** Field kinds, bit i = {@code enum btf_field_type} order in include/linux/bpf.h (kptrs, nodes, refcount not modelled). */
    private static final int F_SPIN_LOCK = 1, F_TIMER = 1 << 1, F_LIST_HEAD = 1 << 2, F_RB_ROOT = 1 << 3,
            F_WORKQUEUE = 1 << 4, F_UPTR = 1 << 5, F_TASK_WORK = 1 << 6;
    private static final String[] FIELD_NAMES = {"bpf_spin_lock", "bpf_timer", "bpf_list_head", "bpf_rb_root",
            "bpf_wq", "__uptr", "bpf_task_work"};

    /** The {@code switch (field_mask & (1 << i))} of map_check_btf (kernel/bpf/syscall.c). */
    private static boolean fieldAllowed(int field, MapType t) {
        return switch (field) {
            case F_SPIN_LOCK -> spinLockAllowed(t);
            case F_TIMER, F_WORKQUEUE, F_TASK_WORK, F_LIST_HEAD, F_RB_ROOT ->
                    t == MapType.HASH || t == MapType.LRU_HASH || t == MapType.ARRAY;
            case F_UPTR -> t == MapType.TASK_STORAGE;
            default -> false;
        };
    }

    /**
     * The special fields of a value type, searching nested structs as {@code btf_find_field} does:
     * the kernel structs by name, and pointers tagged {@code __uptr} (PTR → TYPE_TAG "uptr").
     */
    private static final class SpecialFields {
        final Btf btf;
        int mask;
        int locks;
        int lockOff = -1;

        SpecialFields(Btf btf) { this.btf = btf; }

        boolean has(int field) { return (mask & field) != 0; }

        String first() { return FIELD_NAMES[Integer.numberOfTrailingZeros(mask)]; }

        void scan(int id, int base, int depth) {
            if (depth > 8) {
                return;
            }
            BtfType t = btf.resolve(id);
            if (t instanceof BtfType.Ptr p && btf.type(p.type()) instanceof BtfType.TypeTag tag && tag.name().equals("uptr")) {
                mask |= F_UPTR;
                return;
            }
            if (!(t instanceof BtfType.Struct s)) {
                return;
            }
            switch (s.name()) {
                case "bpf_spin_lock" -> { mask |= F_SPIN_LOCK; locks++; lockOff = base; }
                case "bpf_timer" -> mask |= F_TIMER;
                case "bpf_list_head" -> mask |= F_LIST_HEAD;
                case "bpf_rb_root" -> mask |= F_RB_ROOT;
                case "bpf_wq" -> mask |= F_WORKQUEUE;
                case "bpf_task_work" -> mask |= F_TASK_WORK;
                default -> {
                    for (BtfType.Member m : s.members()) {
                        scan(m.type(), base + (int) (m.bitOffset() / 8), depth + 1);
                    }
                }
            }
        }
    }
}
