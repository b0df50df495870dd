package org.ebpf4j.kernel.net.diag;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.ebpf4j.kernel.net.SockAddr;

/**
 * One socket of a sock_diag dump reply, decoded from its {@code struct inet_diag_msg} (72
 * bytes) and attributes: what {@code ss -e --bpf-maps} prints.
 *
 * @param storages the {@code INET_DIAG_SK_BPF_STORAGES} entries in reply order; null when the
 *                 reply carried no such attribute (no storage of the selected maps, or a socket
 *                 type whose diag fill never adds it: UDP)
 * @param skmeminfo the {@code INET_DIAG_SKMEMINFO} u32s, or null if not asked for
 */
public record DiagSock(int family, int state, SockAddr src, SockAddr dst, long cookie, int expires, int rqueue,
                       int wqueue, int uid, int inode, long cgroupId, List<Storage> storages, int[] skmeminfo) {

    /** One {@code SK_DIAG_BPF_STORAGE}: a map id and a copy of the socket's value in that map. */
    public record Storage(int mapId, byte[] value) {
        @Override
        public String toString() { return "map_id " + mapId + " value " + HexFormat.of().formatHex(value); }

        @Override
        public boolean equals(Object o) { return o instanceof Storage s && s.mapId == mapId && Arrays.equals(s.value, value); }

        @Override
        public int hashCode() { return mapId * 31 + Arrays.hashCode(value); }
    }

    /** Decodes a SOCK_DIAG_BY_FAMILY reply message. */
    public static DiagSock decode(Netlink.Msg m) {
        byte[] p = m.payload();
        if (p.length < InetDiag.MSG_SIZE) {
            throw new IllegalArgumentException("inet_diag_msg of " + p.length + " bytes (need 72)");
        }
        ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
        int family = b.get(0) & 0xff;
        int alen = family == SockAddr.AF_INET6 ? 16 : 4;
        int sport = ((p[4] & 0xff) << 8) | (p[5] & 0xff);
        int dport = ((p[6] & 0xff) << 8) | (p[7] & 0xff);
        SockAddr src = new SockAddr(family, Arrays.copyOfRange(p, 8, 8 + alen), sport);
        SockAddr dst = new SockAddr(family, Arrays.copyOfRange(p, 24, 24 + alen), dport);
        long cookie = (b.getInt(44) & 0xffffffffL) | ((long) b.getInt(48) << 32);
        List<Storage> stg = null;
        int[] mem = null;
        long cg = 0;
        for (Netlink.Attr a : Netlink.attrs(p, InetDiag.MSG_SIZE, p.length - InetDiag.MSG_SIZE)) {
            switch (a.type()) {
                case InetDiag.INET_DIAG_SK_BPF_STORAGES -> stg = storages(a);
                case InetDiag.INET_DIAG_CGROUP_ID -> cg = a.u64();
                case InetDiag.INET_DIAG_SKMEMINFO -> {
                    ByteBuffer mb = ByteBuffer.wrap(a.data()).order(ByteOrder.LITTLE_ENDIAN);
                    mem = new int[a.data().length / 4];
                    for (int i = 0; i < mem.length; i++) {
                        mem[i] = mb.getInt(i * 4);
                    }
                }
                default -> { }
            }
        }
        return new DiagSock(family, b.get(1) & 0xff, src, dst, cookie, b.getInt(52), b.getInt(56), b.getInt(60),
                b.getInt(64), b.getInt(68), cg, stg, mem);
    }

    /** The {@code SK_DIAG_BPF_STORAGE} nests of an {@code INET_DIAG_SK_BPF_STORAGES} attribute (PAD attributes skipped). */
    static List<Storage> storages(Netlink.Attr nest) {
        List<Storage> out = new ArrayList<>();
        for (Netlink.Attr s : nest.nestedAttrs()) {
            if (s.type() != InetDiag.SK_DIAG_BPF_STORAGE) {
                continue;
            }
            int id = 0;
            byte[] v = null;
            for (Netlink.Attr f : s.nestedAttrs()) {
                if (f.type() == InetDiag.SK_DIAG_BPF_STORAGE_MAP_ID) {
                    id = f.u32();
                } else if (f.type() == InetDiag.SK_DIAG_BPF_STORAGE_MAP_VALUE) {
                    v = f.data();
                }
            }
            out.add(new Storage(id, v == null ? new byte[0] : v));
        }
        return List.copyOf(out);
    }
}
