package org.ebpf4j.kernel.link;

import org.ebpf4j.kernel.ObjInfo;

/**
 * {@code struct bpf_link_info} for a cgroup link (spec §7.6): {@code type} (3), {@code id},
 * {@code prog_id}, then the union at offset 16: {@code cgroup.cgroup_id} (0 once defunct) and
 * {@code cgroup.attach_type}.
 */
public record CgroupLinkInfo(int type, int id, int progId, long cgroupId, int attachType) implements ObjInfo {
    /** The struct's bytes as the kernel lays them out (little-endian, 32 bytes incl. padding). */
    public byte[] toBytes() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, type).putInt(4, id).putInt(8, progId).putLong(16, cgroupId).putInt(24, attachType);
        return b.array();
    }
}
