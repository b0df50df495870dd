package org.ebpf4j.map.storage;

/**
 * {@code struct bpf_cgroup_storage} (include/linux/bpf-cgroup-defs.h, kernel/bpf/local_storage.c;
 * spec §6.2): the one value of a legacy CGROUP_STORAGE / PERCPU_CGROUP_STORAGE map for one
 * attach point: (cgroup, attach type), or the cgroup alone for 8-byte-key maps. Made at attach,
 * shared by every program attached there that uses the map, kept across detach and re-attach,
 * freed only with the cgroup's BPF state or the map.
 *
 * <p>Shared: {@link #buf} is the arena address of the current value buffer; a syscall update
 * without BPF_F_LOCK swaps in a new buffer ({@code xchg}) and frees the old one after a grace
 * period (writes made through the old pointer meanwhile are lost). Per-CPU: {@link #buf} holds
 * one {@code round_up(value_size, 8)} slot per possible CPU, never swapped.
 */
public final class CgroupStorage {
    final CgroupStorageMap map;
    /** {@code key.cgroup_inode_id}. */
    final long cgroupId;
    /** {@code key.attach_type}: of the first attach, even for 8-byte-key maps. */
    final int attachType;
    volatile long buf;
    /** Linked into the map (visible to syscalls); false for unlinked attach candidates and test runs. */
    volatile boolean linked;
    volatile boolean freed;

    CgroupStorage(CgroupStorageMap map, long cgroupId, int attachType, long buf) {
        this.map = map;
        this.cgroupId = cgroupId;
        this.attachType = attachType;
        this.buf = buf;
    }

    public CgroupStorageMap map() { return map; }

    public long cgroupId() { return cgroupId; }

    public int attachType() { return attachType; }

    public boolean linked() { return linked; }

    /** What {@code bpf_get_local_storage} returns on {@code cpu}: the value's arena address, never 0. */
    public long data(int cpu) { return map.percpu() ? buf + (long) cpu * map.slot() : buf; }
}
