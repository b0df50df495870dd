package org.ebpf4j.kernel.net.diag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A sock_diag dump request: {@code struct inet_diag_req_v2} (family u8, protocol u8, ext u8,
 * pad u8, states u32, {@code struct inet_diag_sockid} 48 bytes, ignored by a dump) plus the
 * optional {@code INET_DIAG_REQ_SK_BPF_STORAGES} nest of {@code SK_DIAG_BPF_STORAGE_REQ_MAP_FD}
 * u32s, as iproute2's {@code ss} builds it ({@code --bpf-maps}: an empty nest; {@code
 * --bpf-map-id=ID}: one fd per map).
 *
 * @param storageMapFds null: no storage attribute; empty: every SK_STORAGE; else those maps' fds
 */
public record InetDiagReq(int family, int protocol, int ext, int states, int[] storageMapFds) {
    /** A dump of {@code protocol} sockets of {@code family} in {@code states}, no extensions. */
    public static InetDiagReq dump(int family, int protocol, int states) {
        return new InetDiagReq(family, protocol, 0, states, null);
    }

    /** The same request with an {@code INET_DIAG_REQ_SK_BPF_STORAGES} nest of these map fds (none: all). */
    public InetDiagReq withStorages(int... mapFds) {
        return new InetDiagReq(family, protocol, ext, states, mapFds.clone());
    }

    /** The fixed part: {@code struct inet_diag_req_v2}, 56 bytes. */
    public byte[] fixedPart() {
        ByteBuffer b = ByteBuffer.allocate(InetDiag.REQ_V2_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) family).put(1, (byte) protocol).put(2, (byte) ext).putInt(4, states);
        return b.array();
    }

    /** The whole netlink message ({@code NLM_F_REQUEST | NLM_F_DUMP}, SOCK_DIAG_BY_FAMILY) with sequence {@code seq}. */
    public byte[] encode(int seq) {
        NlBuf b = NlBuf.unbounded();
        int msg = b.nlmsgPut(0, seq, InetDiag.SOCK_DIAG_BY_FAMILY, 0, Netlink.NLM_F_REQUEST | Netlink.NLM_F_DUMP);
        b.putRaw(fixedPart());
        if (storageMapFds != null) {
            int nest = b.nestStart(InetDiag.INET_DIAG_REQ_SK_BPF_STORAGES);
            for (int fd : storageMapFds) {
                b.putU32(InetDiag.SK_DIAG_BPF_STORAGE_REQ_MAP_FD, fd);
            }
            b.nestEnd(nest);
        }
        b.nlmsgEnd(msg);
        return b.bytes();
    }

    /** Decodes the fixed part ({@code payload} holds at least 56 bytes). */
    static InetDiagReq decodeFixed(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        return new InetDiagReq(b.get(0) & 0xff, b.get(1) & 0xff, b.get(2) & 0xff, b.getInt(4), null);
    }
}
