package org.ebpf4j.map.storage;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapBase;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.map.MapRegistry;
import org.ebpf4j.map.MapValues;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * The legacy BPF_MAP_TYPE_CGROUP_STORAGE (19) and PERCPU_CGROUP_STORAGE (21) of
 * kernel/bpf/local_storage.c (spec §6, seed 1): one {@link CgroupStorage} per attach point,
 * made by the attach path ({@link #findOrAlloc} then {@link #link} once the attach succeeded),
 * reused on re-attach, freed with the cgroup ({@link #cgroupReleased}) or the map. Programs reach
 * their storage with {@code bpf_get_local_storage} (81) through the run's
 * {@link CgroupStorageRunCtx}; user space may look up and update existing storages but never
 * create or delete one.
 */
public final class CgroupStorageMap extends MapBase {
    public static final int BPF_FUNC_get_local_storage = 81;
    /** {@code sizeof(struct bpf_cgroup_storage_key)}: {u64 cgroup_inode_id; u32 attach_type;} + padding. */
    public static final int KEY_SIZE_ISOLATED = 16;
    public static final int KEY_SIZE_SHARED = 8;

    private record Key(long cgroupId, int attachType) {}

    private final boolean percpu;
    private final boolean isolated;
    private final int slot;
    private final int cpus;
    /** {@code map->lock}: guards {@link #byKey} and {@link #list}. */
    private final Object lock = new Object();
    private final Map<Key, CgroupStorage> byKey = new HashMap<>();
    /** The map's list, most recently linked first ({@code list_add} at the head). */
    private final List<CgroupStorage> list = new ArrayList<>();

    public CgroupStorageMap(MapAttr attr, MapEnv env) {
        super(attr, env);
        this.percpu = attr.type() == MapType.PERCPU_CGROUP_STORAGE;
        this.isolated = attr.keySize() == KEY_SIZE_ISOLATED;
        this.slot = MapFlags.round8(attr.valueSize());
        this.cpus = env.possibleCpus();
    }

    /** {@code cgroup_storage_map_alloc()} (§6.1), after the generic checks: 0 or -errno, in the kernel's order. */
    public static int allocCheck(MapAttr a) {
        long max = LocalStorageMap.MAX_VALUE_SIZE;
        if (a.type() == MapType.PERCPU_CGROUP_STORAGE) {
            max = Math.min(max, MapFlags.PCPU_MIN_UNIT_SIZE);
        }
        if (a.keySize() != KEY_SIZE_ISOLATED && a.keySize() != KEY_SIZE_SHARED) {
            return Errno.EINVAL.negative();
        }
        if (a.valueSize() == 0) {
            return Errno.EINVAL.negative();
        }
        if (Integer.toUnsignedLong(a.valueSize()) > max) {
            return Errno.E2BIG.negative();
        }
        if ((a.mapFlags() & ~(MapFlags.BPF_F_NUMA_NODE | MapFlags.BPF_F_ACCESS_MASK)) != 0 || !MapFlags.accessOk(a.mapFlags())) {
            return Errno.EINVAL.negative();
        }
        if (a.maxEntries() != 0) {
            return Errno.EINVAL.negative();
        }
        return 0;
    }

    public boolean percpu() { return percpu; }

    /** {@code cgroup_storage_type(map)}: {@link CgroupStorageRunCtx#SHARED} or {@link CgroupStorageRunCtx#PERCPU}. */
    public int stype() { return percpu ? CgroupStorageRunCtx.PERCPU : CgroupStorageRunCtx.SHARED; }

    /** {@code attach_type_isolated()}: a 16-byte key keeps attach types apart. */
    public boolean attachTypeIsolated() { return isolated; }

    int slot() { return slot; }

    private int bufSize() { return percpu ? slot * cpus : slot; }

    private Key key(long cgroupId, int attachType) { return new Key(cgroupId, isolated ? attachType : -1); }

    // ---- attach side (kernel/bpf/cgroup.c bpf_cgroup_storages_alloc/link, cgroup_bpf_release) ----

    /**
     * {@code bpf_cgroup_storages_alloc()} for this map: the linked storage of (cgroup, attach
     * type) if there is one, else a new zero-filled one, not yet linked; null when out of memory
     * (the attach then fails with ENOMEM).
     */
    public CgroupStorage findOrAlloc(long cgroupId, int attachType) {
        synchronized (lock) {
            CgroupStorage s = byKey.get(key(cgroupId, attachType));
            if (s != null) {
                return s;
            }
        }
        return allocUnlinked(cgroupId, attachType);
    }

    /** A fresh zeroed storage that no syscall can see (attach candidate, or BPF_PROG_TEST_RUN's). */
    public CgroupStorage allocUnlinked(long cgroupId, int attachType) {
        long buf = arena.alloc(bufSize());
        return buf == 0 ? null : new CgroupStorage(this, cgroupId, attachType, buf);
    }

    /**
     * {@code bpf_cgroup_storage_link()}: publishes a storage made by {@link #findOrAlloc} once
     * the attach succeeded (a no-op for a reused one). If a racing attach linked one for the same
     * key first, {@code s} is freed and that one returned: use the result.
     */
    public CgroupStorage link(CgroupStorage s) {
        synchronized (lock) {
            if (s.linked) {
                return s;
            }
            CgroupStorage old = byKey.putIfAbsent(key(s.cgroupId, s.attachType), s);
            if (old != null) {
                freeUnlinked(s);
                return old;
            }
            s.linked = true;
            list.add(0, s);
            return s;
        }
    }

    /** Frees a storage that was never linked (a failed attach, a finished test run). Linked ones are ignored. */
    public void freeUnlinked(CgroupStorage s) {
        if (s != null && !s.linked && !s.freed) {
            s.freed = true;
            long buf = s.buf;
            env.afterGracePeriod().accept(() -> arena.free(buf, bufSize()));
        }
    }

    /** {@code cgroup_bpf_release()}: the cgroup's storages of this map are unlinked and freed after a grace period. */
    public void cgroupReleased(long cgroupId) {
        List<CgroupStorage> gone = new ArrayList<>();
        synchronized (lock) {
            for (CgroupStorage s : list) {
                if (s.cgroupId == cgroupId) {
                    gone.add(s);
                }
            }
            list.removeAll(gone);
            for (CgroupStorage s : gone) {
                byKey.remove(key(s.cgroupId, s.attachType));
                s.linked = false;
            }
        }
        gone.forEach(this::freeUnlinked);
    }

    /** The linked storage of an attach point, or null (tests, diagnostics). */
    public CgroupStorage storage(long cgroupId, int attachType) {
        synchronized (lock) {
            return byKey.get(key(cgroupId, attachType));
        }
    }

    // ---- program side ----

    /**
     * {@code bpf_cgroup_storage_assign()} over a program's used maps: at most one map per
     * storage type, else EBUSY ("only one cgroup storage of each type is allowed"). Returns the
     * maps by {@link #stype()} (entries may be null).
     */
    public static CgroupStorageMap[] assign(Iterable<? extends BpfMap> usedMaps) {
        CgroupStorageMap[] byType = new CgroupStorageMap[CgroupStorageRunCtx.TYPES];
        for (BpfMap m : usedMaps) {
            if (m instanceof CgroupStorageMap c) {
                CgroupStorageMap prev = byType[c.stype()];
                if (prev != null && prev != c) {
                    throw new BpfException(Errno.EBUSY, "only one cgroup storage of each type is allowed: map ids "
                            + prev.id() + " and " + c.id() + " are both " + c.type());
                }
                byType[c.stype()] = c;
            }
        }
        return byType;
    }

    /** {@code bpf_get_local_storage(map, flags)} (81): the running item's storage; never NULL on a cgroup run. */
    public static void registerHelper(HelperTable t, MapRegistry maps, CgroupStorageRunCtx ctx) {
        t.register(new HelperProto(BPF_FUNC_get_local_storage, "bpf_get_local_storage", (s, map, flags, a, b, c) -> {
            if (!(maps.byAddress(map) instanceof CgroupStorageMap m)) {
                return 0;
            }
            CgroupStorage st = ctx.current(m.stype());
            return st == null ? 0 : st.data(s.cpu());
        }));
    }

    /**
     * cgroup_storage_map_ops has no {@code map_meta_equal}: a legacy cgroup storage map cannot be
     * (the template of) an inner map, outer creation fails with ENOTSUPP (spec-local-storage §7.2).
     */
    @Override
    public org.ebpf4j.map.MetaEqual metaEqual() { return org.ebpf4j.map.MetaEqual.NONE; }

    // ---- syscall side ----

    @Override
    public int syscallValueSize() { return percpu ? slot * cpus : attr.valueSize(); }

    private CgroupStorage find(byte[] key) {
        checkKey(key);
        ByteBuffer b = ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN);
        long id = b.getLong(0);
        int at = isolated ? b.getInt(8) : -1;
        synchronized (lock) {
            return byKey.get(new Key(id, at));
        }
    }

    private BpfException noStorage(byte[] key) {
        return new BpfException(Errno.ENOENT, type() + " map id " + id() + ": no storage is attached for cgroup id "
                + ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getLong(0)
                + (isolated ? " attach type " + ByteBuffer.wrap(key).order(ByteOrder.LITTLE_ENDIAN).getInt(8) : ""));
    }

    /** {@code cgroup_storage_lookup_elem} / {@code bpf_percpu_cgroup_storage_copy}. */
    @Override
    public byte[] lookup(byte[] key, long flags) {
        checkLookupFlags(flags);
        CgroupStorage s = find(key);
        if (s == null) {
            throw noStorage(key);
        }
        byte[] out = new byte[syscallValueSize()];
        long buf = s.buf;
        if (percpu) {
            MemorySegment.copy(mem, java.lang.foreign.ValueLayout.JAVA_BYTE, arena.offset(buf, bufSize()), out, 0, out.length);
        } else if ((flags & MapFlags.BPF_F_LOCK) != 0) {
            MapValues.lock(arena, buf + lockOff);
            try {
                MapValues.copyOut(mem, arena.offset(buf, attr.valueSize()), out, 0, out.length, lockOff);
            } finally {
                MapValues.unlock(arena, buf + lockOff);
            }
        } else {
            MapValues.copyOut(mem, arena.offset(buf, attr.valueSize()), out, 0, out.length, lockOff);
        }
        return out;
    }

    /**
     * {@code cgroup_storage_update_elem} (shared: flags other than F_LOCK|EXIST → EINVAL, so
     * NOEXIST is EINVAL; absent → ENOENT; F_LOCK in place; else a new buffer swapped in) and
     * {@code bpf_percpu_cgroup_storage_update} (flags other than ANY/EXIST → EINVAL).
     */
    @Override
    public void update(byte[] key, byte[] value, long flags) {
        long allowed = percpu ? MapFlags.BPF_EXIST : MapFlags.BPF_F_LOCK | MapFlags.BPF_EXIST;
        if ((flags & ~allowed) != 0) {
            throw new BpfException(Errno.EINVAL, type() + " update flags 0x" + Long.toHexString(flags)
                    + ": only BPF_ANY, BPF_EXIST" + (percpu ? "" : " and BPF_F_LOCK") + " (storages are made by attach)");
        }
        checkLockFlag(flags);
        checkValue(value);
        CgroupStorage s = find(key);
        if (s == null) {
            throw noStorage(key);
        }
        MemorySegment src = MemorySegment.ofArray(value);
        if (percpu) {
            MemorySegment.copy(src, 0, mem, arena.offset(s.buf, bufSize()), value.length);
            return;
        }
        if ((flags & MapFlags.BPF_F_LOCK) != 0) {
            MapValues.copyLocked(arena, s.buf, src, 0, mem, arena.offset(s.buf, attr.valueSize()), attr.valueSize(), lockOff);
            return;
        }
        long nb = arena.alloc(slot);
        if (nb == 0) {
            throw new BpfException(Errno.ENOMEM, "no arena memory for a new " + type() + " value buffer");
        }
        MapValues.copy(src, 0, mem, arena.offset(nb, attr.valueSize()), attr.valueSize(), lockOff);
        long old;
        synchronized (s) {
            old = s.buf;
            s.buf = nb;   // xchg(&storage->buf, new)
        }
        env.afterGracePeriod().accept(() -> arena.free(old, slot));   // kfree_rcu
    }

    /** {@code cgroup_storage_delete_elem}: always EINVAL. */
    @Override
    public void delete(byte[] key) {
        throw new BpfException(Errno.EINVAL, type() + ": storages cannot be deleted from user space (freed with the cgroup or the map)");
    }

    /**
     * {@code cgroup_storage_get_next_key} (with the 2026 end-of-list fix): most recently linked
     * first; an unknown key or the last one → ENOENT.
     */
    @Override
    public byte[] getNextKey(byte[] key) {
        synchronized (lock) {
            int i = 0;
            if (key != null) {
                CgroupStorage cur = find(key);
                i = cur == null ? -1 : list.indexOf(cur) + 1;
                if (cur == null || i <= 0) {
                    throw new BpfException(Errno.ENOENT, type() + " map id " + id() + ": key not in the map");
                }
            }
            if (i >= list.size()) {
                throw new BpfException(Errno.ENOENT, type() + " map id " + id() + ": no more keys");
            }
            CgroupStorage s = list.get(i);
            ByteBuffer out = ByteBuffer.allocate(attr.keySize()).order(ByteOrder.LITTLE_ENDIAN).putLong(s.cgroupId);
            if (isolated) {
                out.putInt(s.attachType);
            }
            return out.array();
        }
    }

    @Override
    public long memUsage() {
        synchronized (lock) {
            return 128L + (long) list.size() * (104 + bufSize());   // sizeof(struct bpf_cgroup_storage) = 104 on 6.18
        }
    }

    /** {@code cgroup_storage_map_free}: every linked storage goes with the map. */
    @Override
    protected void freeStorage() {
        List<CgroupStorage> all;
        synchronized (lock) {
            all = new ArrayList<>(list);
            list.clear();
            byKey.clear();
        }
        for (CgroupStorage s : all) {
            s.linked = false;
            s.freed = true;
            arena.free(s.buf, bufSize());
        }
    }
}
