package org.ebpf4j.kernel.net.diag;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.net.Net;
import org.ebpf4j.kernel.net.Socket;
import org.ebpf4j.kernel.net.TcpState;
import org.ebpf4j.map.storage.SkStorageDiag;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.Errno;

/**
 * One running inet_diag dump ({@code struct netlink_callback} with its {@code
 * inet_diag_dump_data}; net/ipv4/inet_diag.c {@code __inet_diag_dump}, the TCP and UDP
 * handlers' dump loops). Each {@link #step} fills one datagram with as many sockets as fit,
 * resuming after the sockets already sent; sockets closed meanwhile are gone, new ones appear.
 *
 * <p>Which sockets: those of the network namespace ({@link Net}) in their protocol's table
 * (UDP: bound; TCP: listening or with a connection, not bound-only CLOSE sockets), of the
 * request's family and protocol, whose state bit is in {@code idiag_states}, and whose ports
 * match {@code id.idiag_sport}/{@code idiag_dport} where those are non-zero. Order: creation
 * order (Linux: hash-table order).
 */
final class InetDiagDump implements InetDiagFill.Ctx {
    /** One {@code netlink_dump}: the datagram to queue and whether it ended the dump (NLMSG_DONE). */
    record Step(byte[] datagram, boolean finished) {}

    private final Net net;
    private final Rcu rcu;
    private final int portid;
    private final int seq;
    private final int type;
    private final int family;
    private final int protocol;
    private final int ext;
    private final int states;
    private final int sport;
    private final int dport;
    private final boolean netAdmin;
    private final SkStorageDiag diag;
    private final List<MapObject> mapRefs;
    private final Set<Socket> dumped = Collections.newSetFromMap(new IdentityHashMap<>());
    private int minDumpAlloc;
    private boolean done;

    InetDiagDump(Net net, int portid, int seq, int type, byte[] req, int protocol, boolean netAdmin,
                 SkStorageDiag diag, List<MapObject> mapRefs) {
        this.net = net;
        this.rcu = net.runtime().rcu();
        this.portid = portid;
        this.seq = seq;
        this.type = type;
        this.family = req[0] & 0xff;
        this.protocol = protocol;
        this.ext = req[2] & 0xff;
        this.states = (req[4] & 0xff) | (req[5] & 0xff) << 8 | (req[6] & 0xff) << 16 | (req[7] & 0xff) << 24;
        this.sport = (req[8] & 0xff) << 8 | (req[9] & 0xff);
        this.dport = (req[10] & 0xff) << 8 | (req[11] & 0xff);
        this.netAdmin = netAdmin;
        this.diag = diag;
        this.mapRefs = List.copyOf(mapRefs);
    }

    /**
     * {@code netlink_dump} with an skb of {@code alloc} bytes: {@code __inet_diag_dump} fills
     * it, growing it when not even the first socket fitted and the fill asked for more
     * ({@code cb->min_dump_alloc}); an empty result ends the dump with NLMSG_DONE carrying 0 or
     * the dump's error.
     */
    Step step(int alloc) {
        NlBuf skb = new NlBuf(alloc);
        int err;
        while (true) {
            int prev = minDumpAlloc;
            err = handlerDump(skb);
            if (skb.len() == 0 && minDumpAlloc > prev) {
                skb.expand(expandedCapacity(skb.capacity(), minDumpAlloc) - skb.capacity());
                continue;
            }
            break;
        }
        int ret = err != 0 ? err : skb.len();
        if (ret > 0) {
            return new Step(skb.bytes(), false);
        }
        int at = skb.nlmsgPut(portid, seq, Netlink.NLMSG_DONE, 4, Netlink.NLM_F_MULTI);
        skb.putU32At(at + Netlink.NLMSG_HDRLEN, ret);
        return new Step(skb.bytes(), true);
    }

    /** {@code SKB_DATA_ALIGN(sizeof(struct skb_shared_info))} on x86_64. */
    static final int SHINFO = 320;

    /**
     * The room of an skb of {@code cap} bytes after {@code pskb_expand_head(skb, 0, ntail)}: the
     * new buffer is kmalloc'ed for {@code SKB_DATA_ALIGN(cap + ntail)} plus the shared info and the
     * skb may use all of what kmalloc gave, which here (more than 4 KiB) is the next power of two.
     */
    static int expandedCapacity(int cap, int ntail) {
        long size = ((long) cap + ntail + 63 & ~63L) + SHINFO;
        long slab = Long.highestOneBit(size - 1) << 1;
        return (int) Math.min(Integer.MAX_VALUE, slab - SHINFO);
    }

    /** The protocol handler's dump loop: stops at the first socket that does not fit. 0 or -ENOENT (no handler). */
    private int handlerDump(NlBuf skb) {
        if (protocol != Socket.IPPROTO_TCP && protocol != Socket.IPPROTO_UDP) {
            return Errno.ENOENT.negative();   // inet_diag_lock_handler: no such handler
        }
        Rcu.Reader r = rcu.reader();
        r.lock();
        try {
            for (Socket s : net.sockets()) {
                if (dumped.contains(s) || !matches(s)) {
                    continue;
                }
                if (InetDiagFill.fill(s, skb, this) < 0) {
                    break;
                }
                dumped.add(s);
            }
        } finally {
            r.unlock();
        }
        return 0;
    }

    private boolean matches(Socket s) {
        if (s.protocol() != protocol || s.family() != family || !s.hashed()) {
            return false;
        }
        int st = s.state();
        if (protocol == Socket.IPPROTO_TCP && st == TcpState.CLOSE) {
            return false;   // bound-only TCP sockets live in bhash2 only (TCPF_BOUND_INACTIVE dumps: not modelled)
        }
        if ((states & InetDiag.stateBit(st)) == 0) {
            return false;
        }
        if (sport != 0 && (s.local() == null || s.local().port() != sport)) {
            return false;
        }
        return dport == 0 || (s.peer() != null && s.peer().port() == dport);
    }

    /** {@code inet_diag_dump_done}: {@code bpf_sk_storage_diag_free} drops the map references. */
    void done() {
        if (!done) {
            done = true;
            mapRefs.forEach(MapObject::put);
        }
    }

    @Override public int portid() { return portid; }

    @Override public int seq() { return seq; }

    @Override public int type() { return type; }

    @Override public int ext() { return ext; }

    @Override public boolean netAdmin() { return netAdmin; }

    @Override public SkStorageDiag storageDiag() { return diag; }

    @Override public List<SkStorageDiag.Entry> storageValues(Socket s) { return diag.values(s); }

    @Override public int minDumpAlloc() { return minDumpAlloc; }

    @Override public void minDumpAlloc(int v) { minDumpAlloc = v; }
}
