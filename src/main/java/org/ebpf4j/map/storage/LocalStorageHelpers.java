package org.ebpf4j.map.storage;

import org.ebpf4j.map.BpfMap;
import org.ebpf4j.map.MapRegistry;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * The program-side helpers of the local-storage maps (spec §2): {@code bpf_sk_storage_get} (107)
 * / {@code _delete} (108), {@code bpf_inode_storage_get} (145) / {@code _delete} (146),
 * {@code bpf_task_storage_get} (156) / {@code _delete} (157),
 * {@code bpf_cgrp_storage_get} (210) / {@code _delete} (211). r1 is the map pointer, r2 the
 * owner pointer (resolved by the runtime's {@link OwnerResolver}), r3 the initial value or NULL,
 * r4 the flags. A map of the wrong type gets NULL / -EINVAL (the verifier rejects such programs
 * at load on Linux; the run-time check only keeps a bad program from touching the wrong map).
 */
public final class LocalStorageHelpers {
    private LocalStorageHelpers() {}

    public static final int BPF_FUNC_sk_storage_get = 107;
    public static final int BPF_FUNC_sk_storage_delete = 108;
    public static final int BPF_FUNC_inode_storage_get = 145;
    public static final int BPF_FUNC_inode_storage_delete = 146;
    public static final int BPF_FUNC_task_storage_get = 156;
    public static final int BPF_FUNC_task_storage_delete = 157;
    public static final int BPF_FUNC_cgrp_storage_get = 210;
    public static final int BPF_FUNC_cgrp_storage_delete = 211;

    private static final long EINVAL = -22;

    /** Registers the eight helpers into {@code t}, resolving maps through {@code maps} and owners through {@code owners}. */
    public static void register(HelperTable t, MapRegistry maps, OwnerResolver owners) {
        t.register(new HelperProto(BPF_FUNC_sk_storage_get, "bpf_sk_storage_get",
                (s, map, sk, value, flags, x) -> maps.byAddress(map) instanceof SkStorageMap m
                        ? m.helperGet(owners, sk, value, flags) : 0));
        t.register(new HelperProto(BPF_FUNC_sk_storage_delete, "bpf_sk_storage_delete",
                (s, map, sk, a, b, c) -> delete(maps.byAddress(map) instanceof SkStorageMap m ? m : null, owners.ownerAt(sk))));
        t.register(new HelperProto(BPF_FUNC_inode_storage_get, "bpf_inode_storage_get",
                (s, map, inode, value, flags, x) -> maps.byAddress(map) instanceof InodeStorageMap m
                        ? m.helperGet(owners, inode, value, flags) : 0));
        t.register(new HelperProto(BPF_FUNC_inode_storage_delete, "bpf_inode_storage_delete",
                (s, map, inode, a, b, c) -> delete(maps.byAddress(map) instanceof InodeStorageMap m ? m : null, owners.ownerAt(inode))));
        t.register(new HelperProto(BPF_FUNC_task_storage_get, "bpf_task_storage_get",
                (s, map, task, value, flags, x) -> maps.byAddress(map) instanceof TaskStorageMap m
                        ? m.helperGet(owners, task, value, flags) : 0));
        t.register(new HelperProto(BPF_FUNC_task_storage_delete, "bpf_task_storage_delete",
                (s, map, task, a, b, c) -> delete(maps.byAddress(map) instanceof TaskStorageMap m ? m : null, owners.ownerAt(task))));
        t.register(new HelperProto(BPF_FUNC_cgrp_storage_get, "bpf_cgrp_storage_get",
                (s, map, cg, value, flags, x) -> maps.byAddress(map) instanceof CgrpStorageMap m
                        ? m.helperGet(owners, cg, value, flags) : 0));
        t.register(new HelperProto(BPF_FUNC_cgrp_storage_delete, "bpf_cgrp_storage_delete",
                (s, map, cg, a, b, c) -> delete(maps.byAddress(map) instanceof CgrpStorageMap m ? m : null, owners.ownerAt(cg))));
    }

    private static long delete(LocalStorageMap m, StorageOwner owner) {
        return m == null ? EINVAL : m.helperDelete(owner);
    }

    /** The map the helper was given, if it is a local-storage map (for callers that dispatch themselves). */
    static LocalStorageMap asStorageMap(BpfMap m) { return m instanceof LocalStorageMap l ? l : null; }
}
