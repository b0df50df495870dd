/**
 * BPF local storage (spec-local-storage-map-in-map.md §1–§6): data that hangs off a kernel object
 * instead of living in a keyed map.
 *
 * <p><b>The shared core</b> (kernel/bpf/bpf_local_storage.c): an owner ({@link
 * org.ebpf4j.map.storage.StorageOwner}: a socket, a task, a cgroup, an inode) holds one pointer to its
 * {@link org.ebpf4j.map.storage.LocalStorage}, which lists one
 * {@link org.ebpf4j.map.storage.LocalStorageElem} per map, newest first, and caches up to 16 of
 * them by each map's {@code cache_idx} (least-used slot first per map type,
 * {@link org.ebpf4j.map.storage.LocalStorageCache}). A map
 * ({@link org.ebpf4j.map.storage.LocalStorageMap}) holds no keys, only buckets that let map
 * destruction find its elements. Owner destruction ({@link
 * org.ebpf4j.map.storage.LocalStorage#destroy}) and map destruction may race: whichever unlinks
 * an element from its storage (under the storage lock) frees it, so each element is freed once.
 *
 * <p><b>The hit path lives in the arena</b> ({@link org.ebpf4j.map.storage.LocalStorageLayout}):
 * the owner's block holds its storage pointer, the storage's {@code cache[16]} is an arena block
 * and each element's {@code sdata} starts with its map's kernel address, so
 * {@code bpf_*_storage_get} answers a cache hit with four arena loads and no Java object
 * ({@code LocalStorageMap.helperGet(OwnerResolver, ...)}); misses, creation and every writer
 * go through the Java objects under the storage lock, which keep the arena words in step.
 *
 * <p><b>Owner types</b>, one thin file each: {@link org.ebpf4j.map.storage.SkStorageMap}
 * (net/core/bpf_sk_storage.c: option-memory charging, full sockets only, BPF_F_CLONE),
 * {@link org.ebpf4j.map.storage.TaskStorageMap} (pidfd keys),
 * {@link org.ebpf4j.map.storage.CgrpStorageMap} (cgroup fd keys),
 * {@link org.ebpf4j.map.storage.InodeStorageMap} (kernel/bpf/bpf_inode_storage.c: any fd of the
 * inode, O_PATH included; nothing without a BPF LSM blob). Their helpers (107/108, 145/146,
 * 156/157, 210/211) are registered by {@link org.ebpf4j.map.storage.LocalStorageHelpers} with an
 * {@link org.ebpf4j.map.storage.OwnerResolver} that turns the owner pointer a program holds into
 * the owner ({@link org.ebpf4j.map.storage.OwnerTable}, one per runtime through {@code OwnerTable.of(registry)},
 * is the arena-backed one whose blocks carry the storage pointer; a resolver without storage
 * words still works, through the slow path).
 *
 * <p><b>Legacy cgroup storage</b> (kernel/bpf/local_storage.c):
 * {@link org.ebpf4j.map.storage.CgroupStorageMap} with one
 * {@link org.ebpf4j.map.storage.CgroupStorage} per attach point, made by the cgroup attach path
 * and reached by {@code bpf_get_local_storage} through the run's
 * {@link org.ebpf4j.map.storage.CgroupStorageRunCtx}.
 */
package org.ebpf4j.map.storage;
