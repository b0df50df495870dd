package org.ebpf4j.kernel.net.diag;

import java.util.ArrayDeque;
import java.util.Deque;
import org.ebpf4j.kernel.KernelObject;
import org.ebpf4j.kernel.ObjKind;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * One {@code NETLINK_SOCK_DIAG} socket (net/netlink/af_netlink.c): a port id, a receive queue of
 * reply datagrams (one {@code sk_buff} each) and at most one running dump ({@code nlk->cb}).
 *
 * <p>A dump produces one datagram per {@link InetDiagDump#step} ({@code netlink_dump}): one at
 * {@code netlink_dump_start} (inside sendmsg), then one after each recvmsg while the queue holds
 * at most half of the receive buffer. Each datagram is sized as {@code netlink_dump} sizes its
 * skb: the largest of {@code cb->min_dump_alloc}, {@code NLMSG_GOODSIZE} and the largest recvmsg
 * buffer seen so far (capped at 32 KiB less overhead). A reader with a smaller buffer gets the
 * head of the datagram and MSG_TRUNC; the rest is lost, as on Linux.
 *
 * <p>Closing the last fd ends a running dump ({@code netlink_release} → {@code cb->done}), which
 * drops the references the dump took on the maps it was asked for.
 */
public final class SockDiagSocket extends KernelObject {
    /** {@code NLMSG_GOODSIZE} on x86_64 with 4 KiB pages: {@code SKB_WITH_OVERHEAD(PAGE_SIZE)}. */
    public static final int NLMSG_GOODSIZE = 3776;
    /** {@code SKB_WITH_OVERHEAD(32768)}: the cap on {@code max_recvmsg_len}. */
    public static final int MAX_RECVMSG_LEN = 32768 - 320;
    /** {@code net.core.rmem_default}: the socket's receive buffer. */
    public static final int RCVBUF = 212992;

    /** What recvmsg returns: the bytes copied, the datagram's full length, and whether it was cut (MSG_TRUNC). */
    public record Recv(byte[] data, int datagramLength, boolean truncated) {
        /** recvmsg's return value: the full length with MSG_TRUNC in flags, else the bytes copied. */
        public int returned(int flags) { return (flags & Netlink.MSG_TRUNC) != 0 ? datagramLength : data.length; }
    }

    final SockDiag owner;
    final int portid;
    /** Whether the opener had CAP_NET_ADMIN (the file's credentials, {@code netlink_net_capable}). */
    final boolean openerNetAdmin;
    private final Deque<byte[]> rcvq = new ArrayDeque<>();
    private int queuedBytes;
    private InetDiagDump dump;
    private int maxRecvmsgLen;

    SockDiagSocket(SockDiag owner, int portid, boolean openerNetAdmin, String origin) {
        super(ObjKind.SOCKET, origin);
        this.owner = owner;
        this.portid = portid;
        this.openerNetAdmin = openerNetAdmin;
    }

    /** The port id replies carry in {@code nlmsg_pid} (the first netlink socket of a process gets its pid). */
    public int portid() { return portid; }

    /** Datagrams waiting to be read. */
    public synchronized int queued() { return rcvq.size(); }

    /** Whether a dump is in progress ({@code nlk->cb_running}). */
    public synchronized boolean dumping() { return dump != null; }

    synchronized void queue(byte[] datagram) {
        rcvq.add(datagram);
        queuedBytes += datagram.length;
    }

    /** {@code netlink_dump_start}: EBUSY if a dump runs; the first datagram is produced at once. */
    synchronized void startDump(InetDiagDump d) {
        if (dump != null) {
            d.done();
            throw new BpfException(Errno.EBUSY, "sock_diag: a dump is already running on this socket");
        }
        dump = d;
        stepDump();
    }

    /** One {@code netlink_dump} call. */
    private void stepDump() {
        int alloc = Math.max(dump.minDumpAlloc(), NLMSG_GOODSIZE);
        if (alloc < maxRecvmsgLen) {
            alloc = maxRecvmsgLen;
        }
        InetDiagDump.Step s = dump.step(alloc);
        queue(s.datagram());
        if (s.finished()) {
            dump.done();
            dump = null;
        }
    }

    /** recvmsg(2), non-blocking: EAGAIN when nothing waits. */
    synchronized Recv recv(int len, int flags) {
        byte[] d = rcvq.peek();
        if (d == null) {
            throw new BpfException(Errno.EAGAIN, "sock_diag recvmsg: no datagram queued");
        }
        if (len < 0) {
            throw new BpfException(Errno.EINVAL, "recvmsg: negative length " + len);
        }
        maxRecvmsgLen = Math.min(Math.max(maxRecvmsgLen, len), MAX_RECVMSG_LEN);
        int copied = Math.min(len, d.length);
        byte[] out = java.util.Arrays.copyOf(d, copied);
        if ((flags & Netlink.MSG_PEEK) == 0) {
            rcvq.poll();
            queuedBytes -= d.length;
        }
        if (dump != null && queuedBytes <= RCVBUF / 2) {
            stepDump();
        }
        return new Recv(out, d.length, copied < d.length);
    }

    @Override
    protected synchronized void destroy() {
        if (dump != null) {
            dump.done();
            dump = null;
        }
        rcvq.clear();
        owner.released(this);
    }

    @Override
    public String describe() { return "netlink sock_diag socket portid " + portid; }
}
