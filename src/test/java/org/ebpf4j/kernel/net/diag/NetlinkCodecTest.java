package org.ebpf4j.kernel.net.diag;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The netlink wire format of include/uapi/linux/netlink.h and include/net/netlink.h: 4-byte
 * alignment, nest flags, puts that fit whole or not at all (the kernel's -EMSGSIZE with the skb
 * untouched), cancel, and decoding that stops where {@code NLMSG_OK}/{@code nla_ok} stop.
 */
class NetlinkCodecTest {
    @Test
    void requestBytesAreWhatSsSends() {
        // iproute2 ss --bpf-map-id for map fd 4: nlmsghdr, inet_diag_req_v2, then
        // INET_DIAG_REQ_SK_BPF_STORAGES|NLA_F_NESTED { SK_DIAG_BPF_STORAGE_REQ_MAP_FD 4 }
        byte[] req = InetDiagReq.dump(2, 6, 1 << 10).withStorages(4).encode(7);
        assertEquals(16 + 56 + 12, req.length);
        assertEquals("54000000" + "1400" + "0103" + "07000000" + "00000000", HexFormat.of().formatHex(req, 0, 16));
        assertEquals("02060000" + "00040000", HexFormat.of().formatHex(req, 16, 24));
        assertEquals("0c000280" + "08000100" + "04000000", HexFormat.of().formatHex(req, 72, 84));
        // --bpf-maps: an empty nest
        byte[] all = InetDiagReq.dump(2, 6, 1 << 10).withStorages().encode(7);
        assertEquals("04000280", HexFormat.of().formatHex(all, 72, 76));
    }

    @Test
    void putsFitWholeOrLeaveTheBufferUntouched() {
        NlBuf b = new NlBuf(16);
        assertTrue(b.putU8(8, 1));               // 5 bytes, padded to 8
        assertEquals(8, b.len());
        assertEquals("0500080001000000", HexFormat.of().formatHex(b.bytes()));
        assertFalse(b.putU64(21, 1), "12 bytes do not fit in the 8 left");
        assertEquals(8, b.len());
        assertTrue(b.putU32(15, 0x01020304));
        assertEquals(0, b.tailroom());
        assertEquals(-1, b.nestStart(20));
        b.expand(64);
        int nest = b.nestStart(20);
        b.putU32(2, 9);
        b.nestCancel(nest);
        assertEquals(16, b.len(), "a cancelled nest leaves nothing");
        assertEquals(-1, b.nlmsgPut(0, 0, 20, 100, 0), "a message that does not fit");
    }

    @Test
    void decodingStopsAtMalformedLengths() {
        NlBuf b = NlBuf.unbounded();
        b.putU32(1, 5);
        b.putU16(2, 6);
        byte[] good = b.bytes();
        List<Netlink.Attr> a = Netlink.attrs(good, 0, good.length);
        assertEquals(2, a.size());
        assertEquals(5, a.get(0).u32());
        assertEquals(6, a.get(1).u16());
        byte[] bad = good.clone();
        bad[8] = 2;   // second attribute's nla_len below NLA_HDRLEN
        assertEquals(1, Netlink.attrs(bad, 0, bad.length).size());
        byte[] msgs = InetDiagReq.dump(2, 6, 0).encode(1);
        assertEquals(1, Netlink.messages(msgs, msgs.length).size());
        assertEquals(org.ebpf4j.uapi.Errno.EINVAL, assertThrows(org.ebpf4j.uapi.BpfException.class,
                () -> Netlink.messages(msgs, 30)).errno(), "a cut message (a datagram read with MSG_TRUNC)");
    }
}
