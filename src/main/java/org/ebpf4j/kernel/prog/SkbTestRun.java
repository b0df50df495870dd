package org.ebpf4j.kernel.prog;

import static org.ebpf4j.memory.SkBuffLayout.*;

import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.TestRunSock;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;

/**
 * {@code bpf_prog_test_run_skb} (net/bpf/test_run.c) on the loopback device of the model: the
 * frame in data_in goes through {@code eth_type_trans} (protocol, pkt_type against lo's all-zero
 * address, the Ethernet header pulled); a fresh dummy socket ({@link TestRunSock}: the caller's
 * cgroup, a new cookie and empty local storage each call, shared by the call's repeats, freed at
 * its end) gets the family and addresses of an IPv4 or IPv6 header and is {@code skb->sk};
 * tc programs (L2) see the frame from the Ethernet header, the others from the
 * network header. ctx_in may set only mark, priority, ingress_ifindex, ifindex, cb, tstamp,
 * wire_len, gso_segs, gso_size and hwtstamp ({@code convert___skb_to_skb}: anything else non-zero
 * is EINVAL). After the run non-L2 frames get their Ethernet header back, zeroed, as the kernel
 * pushes it (observed on 6.18: data_out of a cgroup_skb run starts with 14 zero bytes).
 *
 * <p>Observed on 6.18 for a cgroup_skb program and a 64-byte IPv4 frame: len 50, pkt_type 0,
 * protocol 0x0008 (big-endian ETH_P_IP read as u32), ifindex 1, family 2, remote_ip4 = the IP
 * destination, local_ip4 = the IP source, and data_end = data + 50; skb->sk non-NULL and a full
 * socket: family 2, type 0, protocol 0, state 7 (TCP_CLOSE), src_ip4/dst_ip4 = the IP source and
 * destination, ports 0, rx_queue_mapping -1, uid 0, cgroup = the caller's; a non-IP frame: family 0.
 */
final class SkbTestRun {
    private SkbTestRun() {}

    static final int ETH_HLEN = 14;
    static final int PAGE_SIZE = 4096;
    /** NET_SKB_PAD + NET_IP_ALIGN on x86-64. */
    static final int HEADROOM = 64;
    /** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)). */
    static final int TAILROOM = 320;
    /** GSO_LEGACY_MAX_SIZE, GSO_MAX_SEGS. */
    static final long GSO_LEGACY_MAX_SIZE = 65536, GSO_MAX_SEGS = 65535;
    static final int LOOPBACK_IFINDEX = 1;

    static TestRunResult run(TestRun tr, Task task, BpfProg prog, TestRunAttr attr) {
        if ((attr.flags() & ~TestRunAttr.BPF_F_TEST_SKB_CHECKSUM_COMPLETE) != 0 || attr.cpu() != 0 || attr.batchSize() != 0) {
            throw new BpfException(Errno.EINVAL, "skb test runs take only BPF_F_TEST_SKB_CHECKSUM_COMPLETE, no cpu or batch_size");
        }
        byte[] data = attr.dataIn() == null ? new byte[0] : attr.dataIn();
        int size = data.length;
        if (size < ETH_HLEN || size > PAGE_SIZE - HEADROOM - TAILROOM) {
            throw new BpfException(Errno.EINVAL, "data_size_in " + size + " must be in " + ETH_HLEN + ".."
                    + (PAGE_SIZE - HEADROOM - TAILROOM));
        }
        byte[] ctx = TestRun.ctxInit(attr, SIZE);
        if (ctx != null && u32(ctx, IFINDEX) > LOOPBACK_IFINDEX) {
            throw new BpfException(Errno.ENODEV, "ifindex " + u32(ctx, IFINDEX) + ": the model has only lo (1)");
        }
        ProgType t = prog.progType();
        boolean l2 = t == ProgType.SCHED_CLS || t == ProgType.SCHED_ACT;

        // eth_type_trans(): protocol and pkt_type, then the Ethernet header is pulled
        int ethType = ((data[12] & 0xff) << 8) | (data[13] & 0xff);
        int protoBe;
        if (ethType >= 0x0600) {
            protoBe = (data[12] & 0xff) | ((data[13] & 0xff) << 8);
        } else {
            boolean raw8023 = size >= 16 && (data[14] & 0xff) == 0xff && (data[15] & 0xff) == 0xff;
            protoBe = (raw8023 ? 0x0001 : 0x0004) << 8;   // htons(ETH_P_802_3) / htons(ETH_P_802_2)
        }
        int pktType;
        if ((data[0] & 1) != 0) {
            boolean bcast = true;
            for (int i = 0; i < 6; i++) {
                bcast &= (data[i] & 0xff) == 0xff;
            }
            pktType = bcast ? 1 : 2;   // PACKET_BROADCAST, PACKET_MULTICAST
        } else {
            boolean host = true;
            for (int i = 0; i < 6; i++) {
                host &= data[i] == 0;   // lo's dev_addr is all zero
            }
            pktType = host ? 0 : 3;    // PACKET_HOST, PACKET_OTHERHOST
        }
        int len = size - ETH_HLEN;

        // the dummy socket: family and addresses from the network header (the kernel's switch on skb->protocol)
        int family = 0;
        byte[] saddr = null;
        byte[] daddr = null;
        if (protoBe == 0x0008) {            // htons(ETH_P_IP)
            family = SockAddr.AF_INET;
            if (len >= 20) {
                saddr = java.util.Arrays.copyOfRange(data, ETH_HLEN + 12, ETH_HLEN + 16);
                daddr = java.util.Arrays.copyOfRange(data, ETH_HLEN + 16, ETH_HLEN + 20);
            }
        } else if (protoBe == 0xdd86) {     // htons(ETH_P_IPV6)
            family = SockAddr.AF_INET6;
            if (len >= 40) {
                saddr = java.util.Arrays.copyOfRange(data, ETH_HLEN + 8, ETH_HLEN + 24);
                daddr = java.util.Arrays.copyOfRange(data, ETH_HLEN + 24, ETH_HLEN + 40);
            }
        }

        Arena a = tr.arena();
        long bufSize = HEADROOM + size + TAILROOM;
        long buf = a.alloc(bufSize);
        long c = a.alloc(ALLOC_SIZE);
        if (buf == 0 || c == 0) {
            if (buf != 0) {
                a.free(buf, bufSize);
            }
            if (c != 0) {
                a.free(c, ALLOC_SIZE);
            }
            throw new BpfException(Errno.ENOMEM, "no arena memory for a " + size + "-byte skb");
        }
        TestRunSock sock = TestRunSock.alloc(tr.net(), task, family, saddr, daddr);
        try {
            a.fill(buf, bufSize, (byte) 0);
            a.copyIn(buf + HEADROOM, data);
            a.fill(c, ALLOC_SIZE, (byte) 0);
            long start = buf + HEADROOM + (l2 ? 0 : ETH_HLEN);
            int skbLen = l2 ? size : len;
            a.store32(c + LEN, skbLen);
            a.store32(c + PKT_TYPE, pktType);
            a.store32(c + PROTOCOL, protoBe);
            a.store32(c + IFINDEX, LOOPBACK_IFINDEX);
            socketFields(a, c, family, saddr, daddr);
            if (ctx != null) {
                convertToSkb(a, c, ctx, skbLen);
            } else {
                a.store32(c + WIRE_LEN, skbLen);
            }
            setPointers(a, c, start, skbLen);
            a.store64(c + SK, sock.mirror());

            TestRun.Runs runs;
            sock.enter(c, start, skbLen);
            try {
                runs = tr.repeat(prog, c, attr.repeat());
            } finally {
                sock.leave();
            }

            // the program may have moved the pointers (helpers that change the packet): read them back
            long dataPtr = a.load64(c + KERN_DATA);
            long end = a.load64(c + KERN_DATA_END);
            int outLen = (int) (end - dataPtr);
            byte[] out;
            if (l2) {
                out = a.copyOut(dataPtr, outLen);
            } else {
                out = new byte[ETH_HLEN + outLen];    // memset(__skb_push(skb, hh_len), 0, hh_len)
                System.arraycopy(a.copyOut(dataPtr, outLen), 0, out, ETH_HLEN, outLen);
            }
            byte[] ctxOut = ctx == null ? null : convertFromSkb(a, c);
            return TestRun.finish(attr, runs, out, ctxOut);
        } finally {
            sock.close();   // sk_free: the socket and its local storage go with the call
            a.free(buf, bufSize);
            a.free(c, ALLOC_SIZE);
        }
    }

    /** The 32-bit packet pointer fields and the 64-bit kernel side the rewritten loads read. */
    private static void setPointers(Arena a, long c, long data, int len) {
        a.store64(c + KERN_DATA, data);
        a.store64(c + KERN_DATA_END, data + len);
        a.store64(c + KERN_DATA_META, data);
        a.store32(c + DATA, data);
        a.store32(c + DATA_END, data + len);
        a.store32(c + DATA_META, data);
    }

    /**
     * The {@code __sk_buff} fields the kernel reads through {@code skb->sk} (the dummy socket):
     * family, and the addresses when the header held them; ports stay 0 (the dummy socket has
     * no {@code sk_num}/{@code sk_dport}; observed on 6.18). Not IPv4/IPv6: family AF_UNSPEC.
     */
    private static void socketFields(Arena a, long c, int family, byte[] saddr, byte[] daddr) {
        a.store32(c + FAMILY, family);
        if (saddr == null) {
            return;
        }
        if (family == SockAddr.AF_INET) {
            a.copyIn(c + LOCAL_IP4, saddr, 0, 4);
            a.copyIn(c + REMOTE_IP4, daddr, 0, 4);
        } else {
            a.copyIn(c + LOCAL_IP6, saddr, 0, 16);
            a.copyIn(c + REMOTE_IP6, daddr, 0, 16);
        }
    }

    /** {@code convert___skb_to_skb}: only the settable fields may be non-zero. */
    private static void convertToSkb(Arena a, long c, byte[] ctx, int skbLen) {
        zero(ctx, 0, MARK, "before mark");
        zero(ctx, MARK + 4, PRIORITY, "between mark and priority");
        zero(ctx, IFINDEX + 4, CB, "between ifindex and cb");
        zero(ctx, CB + CB_SIZE, TSTAMP, "between cb and tstamp");
        zero(ctx, GSO_SEGS + 4, GSO_SIZE, "between gso_segs and gso_size");
        zero(ctx, GSO_SIZE + 4, HWTSTAMP, "between gso_size and hwtstamp");
        a.store32(c + MARK, u32(ctx, MARK));
        a.store32(c + PRIORITY, u32(ctx, PRIORITY));
        a.store32(c + INGRESS_IFINDEX, u32(ctx, INGRESS_IFINDEX));
        a.store64(c + TSTAMP, u64(ctx, TSTAMP));
        a.copyIn(c + CB, ctx, CB, CB_SIZE);
        long wire = u32(ctx, WIRE_LEN);
        if (wire == 0) {
            wire = skbLen;
        } else if (wire < skbLen || wire > GSO_LEGACY_MAX_SIZE) {
            throw new BpfException(Errno.EINVAL, "wire_len " + wire + " must be in " + skbLen + ".." + GSO_LEGACY_MAX_SIZE);
        }
        a.store32(c + WIRE_LEN, wire);
        long segs = u32(ctx, GSO_SEGS);
        if (segs > GSO_MAX_SEGS) {
            throw new BpfException(Errno.EINVAL, "gso_segs " + segs + " is over GSO_MAX_SEGS " + GSO_MAX_SEGS);
        }
        a.store32(c + GSO_SEGS, segs);
        a.store32(c + GSO_SIZE, u32(ctx, GSO_SIZE));
        a.store64(c + HWTSTAMP, u64(ctx, HWTSTAMP));
    }

    /** {@code convert_skb_to___skb}: the fields that come back; the rest of ctx_out is zero. */
    private static byte[] convertFromSkb(Arena a, long c) {
        byte[] out = new byte[SIZE];
        byte[] all = a.copyOut(c, SIZE);
        for (int[] f : new int[][] {{MARK, 4}, {PRIORITY, 4}, {INGRESS_IFINDEX, 4}, {IFINDEX, 4}, {CB, CB_SIZE},
                                    {TSTAMP, 8}, {WIRE_LEN, 4}, {GSO_SEGS, 4}, {GSO_SIZE, 4}, {HWTSTAMP, 8}}) {
            System.arraycopy(all, f[0], out, f[0], f[1]);
        }
        return out;
    }

    private static void zero(byte[] ctx, int from, int to, String where) {
        for (int i = from; i < to; i++) {
            if (ctx[i] != 0) {
                throw new BpfException(Errno.EINVAL, "ctx_in byte " + i + " (" + where + ") must be zero");
            }
        }
    }

    static long u32(byte[] b, int off) {
        return (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0xffL) << 24;
    }

    static long u64(byte[] b, int off) { return u32(b, off) | u32(b, off + 4) << 32; }
}
