package org.ebpf4j.kernel.net.diag;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.net.Net;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.trace.SyscallNr;
import org.ebpf4j.map.storage.SkStorageDiag;
import org.ebpf4j.map.storage.SkStorageMap;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * NETLINK_SOCK_DIAG of one network namespace: the socket calls a tool such as iproute2's
 * {@code ss} makes (net/netlink/af_netlink.c, net/core/sock_diag.c, net/ipv4/inet_diag.c), and a
 * typed {@link #dump} on top for library users and tests.
 *
 * <p>Requests go in as bytes through {@link #sendmsg}, replies come out as bytes through
 * {@link #recvmsg}, laid out as include/uapi/linux/{netlink,sock_diag,inet_diag}.h say. As on
 * Linux, sendmsg of a well-formed request succeeds even when the request is refused: the error
 * comes back as an NLMSG_ERROR reply carrying -errno and a copy of the request (no
 * NETLINK_CAP_ACK/EXT_ACK in this model). Checks in Linux's order: message type (EINVAL),
 * family (EINVAL ≥ AF_MAX, ENOENT for one without a handler here), request length (EINVAL),
 * a dump already running (EBUSY), INET_DIAG_REQ_PROTOCOL length (EINVAL), then the SK_STORAGE
 * selection ({@code bpf_sk_storage_diag_alloc}, spec-local-storage §4.4): no CAP_BPF/SYS_ADMIN
 * EPERM, a map-fd attribute not 4 bytes long EINVAL (all are checked before any fd), then per fd
 * in order: not open EBADF, not a map EINVAL, not SK_STORAGE EINVAL, listed twice EEXIST.
 *
 * <p>Not modelled (answered EOPNOTSUPP): exact-socket requests (no NLM_F_DUMP), SOCK_DESTROY,
 * the compat request types 18/19, and INET_DIAG_REQ_BYTECODE filters.
 */
public final class SockDiag {
    /** {@code AF_MAX} of Linux 6.18. */
    static final int AF_MAX = 46;

    private final Net net;
    private final Set<Integer> ports = new HashSet<>();
    private int rover = -4097;

    public SockDiag(Net net) { this.net = net; }

    /**
     * {@code socket(AF_NETLINK, type, NETLINK_SOCK_DIAG)}: SOCK_RAW or SOCK_DGRAM (flags above
     * 0xf ignored), else ESOCKTNOSUPPORT; another netlink protocol is EPROTONOSUPPORT. The
     * socket is bound at once to a port id: the task's pid if free, else -4097, -4098, ...
     * (Linux binds on first use and picks a random negative id on a collision).
     */
    public int socket(Task task, int type, int protocol) {
        int t = type & 0xf;
        if (t != Netlink.SOCK_RAW && t != Netlink.SOCK_DGRAM) {
            throw new BpfException(Errno.ESOCKTNOSUPPORT, "socket(AF_NETLINK): type " + type + " (only SOCK_RAW 3, SOCK_DGRAM 2)");
        }
        if (protocol != Netlink.NETLINK_SOCK_DIAG) {
            throw new BpfException(Errno.EPROTONOSUPPORT, "socket(AF_NETLINK): protocol " + protocol
                    + " (only NETLINK_SOCK_DIAG 4 is modelled)");
        }
        int portid;
        synchronized (ports) {
            portid = task.pid();
            while (!ports.add(portid)) {
                portid = rover--;
            }
        }
        SockDiagSocket s = new SockDiagSocket(this, portid, task.capable(Cap.NET_ADMIN), task.origin("socket(AF_NETLINK)"));
        try {
            return task.fds().install(new File.SocketFile(s, File.FMODE_RDWR));
        } catch (BpfException e) {
            s.anyPut();
            throw e;
        }
    }

    void released(SockDiagSocket s) {
        synchronized (ports) {
            ports.remove(s.portid);
        }
    }

    /** The sock_diag socket behind {@code fd}: EBADF if not open, ENOTSOCK if not a socket, EOPNOTSUPP for another socket. */
    public static SockDiagSocket of(Task task, int fd) {
        File f = task.fds().get(fd);
        if (!(f instanceof File.SocketFile sf)) {
            throw new BpfException(Errno.ENOTSOCK, "fd " + fd + " is a " + f.what() + " fd, not a socket");
        }
        if (!(sf.sock() instanceof SockDiagSocket s)) {
            throw new BpfException(Errno.EOPNOTSUPP, "fd " + fd + " is not a NETLINK_SOCK_DIAG socket");
        }
        return s;
    }

    /**
     * sendmsg(2) of {@code msg} to the kernel ({@code netlink_rcv_skb}): every whole message is
     * handled in turn; a refused one is answered with NLMSG_ERROR, and so is any with NLM_F_ACK
     * (error 0) unless it started a dump. Returns the bytes sent.
     */
    public int sendmsg(Task task, int fd, byte[] msg) {
        task.syscall(SyscallNr.SENDMSG, fd, msg.length);
        SockDiagSocket sock = of(task, fd);
        int off = 0;
        while (msg.length - off >= Netlink.NLMSG_HDRLEN) {
            int len = le32(msg, off);
            if (len < Netlink.NLMSG_HDRLEN || len > msg.length - off) {
                break;
            }
            byte[] one = Arrays.copyOfRange(msg, off, off + len);
            int flags = le16(one, 6);
            int err = 0;
            boolean dumpStarted = false;
            if ((flags & Netlink.NLM_F_REQUEST) != 0 && le16(one, 4) >= Netlink.NLMSG_MIN_TYPE) {
                try {
                    dumpStarted = rcvMsg(task, sock, one);
                } catch (BpfException e) {
                    err = e.errno().negative();
                }
            }
            if (!dumpStarted && (err != 0 || (flags & Netlink.NLM_F_ACK) != 0)) {
                sock.queue(ack(sock.portid, one, err));
            }
            off += Math.min(Netlink.align(len), msg.length - off);
        }
        return msg.length;
    }

    /** {@code sock_diag_rcv_msg} → {@code __sock_diag_cmd} → {@code inet_diag_handler_cmd}: true if a dump started. */
    private boolean rcvMsg(Task task, SockDiagSocket sock, byte[] m) {
        int type = le16(m, 4);
        int payload = m.length - Netlink.NLMSG_HDRLEN;
        if (type == InetDiag.TCPDIAG_GETSOCK || type == InetDiag.DCCPDIAG_GETSOCK) {
            throw new BpfException(Errno.EOPNOTSUPP, "sock_diag: compat request type " + type + " is not modelled");
        }
        if (type != InetDiag.SOCK_DIAG_BY_FAMILY && type != InetDiag.SOCK_DESTROY) {
            throw new BpfException(Errno.EINVAL, "sock_diag: message type " + type);
        }
        if (payload < 2) {
            throw new BpfException(Errno.EINVAL, "sock_diag: request of " + payload + " bytes");
        }
        int family = m[Netlink.NLMSG_HDRLEN] & 0xff;
        if (family >= AF_MAX) {
            throw new BpfException(Errno.EINVAL, "sock_diag: family " + family + " >= AF_MAX");
        }
        if (family != SockAddr.AF_INET && family != SockAddr.AF_INET6) {
            throw new BpfException(Errno.ENOENT, "sock_diag: no diag handler for family " + family + " in this model");
        }
        if (payload < InetDiag.REQ_V2_SIZE) {
            throw new BpfException(Errno.EINVAL, "inet_diag: request of " + payload + " bytes < sizeof(inet_diag_req_v2) 56");
        }
        int flags = le16(m, 6);
        if (type != InetDiag.SOCK_DIAG_BY_FAMILY || (flags & Netlink.NLM_F_DUMP) != Netlink.NLM_F_DUMP) {
            throw new BpfException(Errno.EOPNOTSUPP, "inet_diag: only NLM_F_DUMP requests are modelled");
        }
        if (sock.dumping()) {
            throw new BpfException(Errno.EBUSY, "sock_diag: a dump is already running on this socket");
        }
        byte[] req = Arrays.copyOfRange(m, Netlink.NLMSG_HDRLEN, Netlink.NLMSG_HDRLEN + InetDiag.REQ_V2_SIZE);
        Netlink.Attr[] nlas = new Netlink.Attr[InetDiag.INET_DIAG_REQ_MAX_PLUS1];
        int attrOff = Netlink.NLMSG_HDRLEN + Netlink.align(InetDiag.REQ_V2_SIZE);
        for (Netlink.Attr a : Netlink.attrs(m, attrOff, Math.max(0, m.length - attrOff))) {   // inet_diag_parse_attrs
            if (a.type() == InetDiag.INET_DIAG_REQ_PROTOCOL && a.data().length != 4) {
                throw new BpfException(Errno.EINVAL, "inet_diag: INET_DIAG_REQ_PROTOCOL of " + a.data().length + " bytes (need 4)");
            }
            if (a.type() < nlas.length) {
                nlas[a.type()] = a;
            }
        }
        if (nlas[InetDiag.INET_DIAG_REQ_BYTECODE] != null) {
            throw new BpfException(Errno.EOPNOTSUPP, "inet_diag: INET_DIAG_REQ_BYTECODE filters are not modelled");
        }
        List<MapObject> refs = new ArrayList<>();
        SkStorageDiag diag = null;
        if (nlas[InetDiag.INET_DIAG_REQ_SK_BPF_STORAGES] != null) {
            diag = storageDiagAlloc(task, nlas[InetDiag.INET_DIAG_REQ_SK_BPF_STORAGES], refs);
        }
        int protocol = nlas[InetDiag.INET_DIAG_REQ_PROTOCOL] != null ? nlas[InetDiag.INET_DIAG_REQ_PROTOCOL].u32() : req[1] & 0xff;
        boolean netAdmin = sock.openerNetAdmin && task.capable(Cap.NET_ADMIN);
        sock.startDump(new InetDiagDump(net, sock.portid, le32(m, 8), type, req, protocol, netAdmin, diag, refs));
        return true;
    }

    /**
     * {@code bpf_sk_storage_diag_alloc} (net/core/bpf_sk_storage.c): the maps named by the
     * nest's SK_DIAG_BPF_STORAGE_REQ_MAP_FD u32s, each with a reference (added to {@code refs}),
     * in request order; none named = every map.
     */
    static SkStorageDiag storageDiagAlloc(Task task, Netlink.Attr nest, List<MapObject> refs) {
        if (!task.capable(Cap.BPF) && !task.capable(Cap.SYS_ADMIN)) {
            throw new BpfException(Errno.EPERM, "sock_diag: dumping SK_STORAGE needs CAP_BPF (" + task + ")");
        }
        List<Netlink.Attr> fds = new ArrayList<>();
        for (Netlink.Attr a : nest.nestedAttrs()) {
            if (a.type() == InetDiag.SK_DIAG_BPF_STORAGE_REQ_MAP_FD) {
                if (a.data().length != 4) {
                    throw new BpfException(Errno.EINVAL, "sock_diag: SK_DIAG_BPF_STORAGE_REQ_MAP_FD of " + a.data().length + " bytes (need 4)");
                }
                fds.add(a);
            }
        }
        List<SkStorageMap> maps = new ArrayList<>();
        try {
            for (Netlink.Attr a : fds) {
                int fd = a.u32();
                File f = task.fds().peek(fd);
                if (f == null) {
                    throw new BpfException(Errno.EBADF, "sock_diag: map fd " + fd + " is not open");
                }
                if (!(f instanceof File.MapFile mf)) {
                    throw new BpfException(Errno.EINVAL, "sock_diag: fd " + fd + " is a " + f.what() + " fd, not a map");
                }
                MapObject mo = mf.map();
                if (!mo.tryInc()) {
                    throw new BpfException(Errno.EBADF, "sock_diag: map fd " + fd + " was closed");
                }
                if (!(mo.map() instanceof SkStorageMap sm)) {
                    mo.put();
                    throw new BpfException(Errno.EINVAL, "sock_diag: map fd " + fd + " is " + mo.describe() + ", not SK_STORAGE");
                }
                if (refs.contains(mo)) {
                    mo.put();
                    throw new BpfException(Errno.EEXIST, "sock_diag: map fd " + fd + " (" + mo.describe() + ") is listed twice");
                }
                refs.add(mo);
                maps.add(sm);
            }
        } catch (BpfException e) {
            refs.forEach(MapObject::put);
            refs.clear();
            throw e;
        }
        return new SkStorageDiag(maps);
    }

    /** {@code netlink_ack}: NLMSG_ERROR with {@code err} and the request (whole on error; its header only on success, NLM_F_CAPPED). */
    private static byte[] ack(int portid, byte[] req, int err) {
        int echo = err != 0 ? req.length : Netlink.NLMSG_HDRLEN;
        NlBuf b = NlBuf.unbounded();
        int at = b.nlmsgPut(portid, le32(req, 8), Netlink.NLMSG_ERROR, 4 + echo, err != 0 ? 0 : 0x100);
        b.putU32At(at + Netlink.NLMSG_HDRLEN, err);
        b.write(at + Netlink.NLMSG_HDRLEN + 4, Arrays.copyOf(req, echo));
        if (err == 0) {
            b.putU32At(at + Netlink.NLMSG_HDRLEN + 4, Netlink.NLMSG_HDRLEN);
        }
        return b.bytes();
    }

    /**
     * recvmsg(2) on a sock_diag socket, non-blocking: the next reply datagram, cut to
     * {@code len} bytes (MSG_TRUNC set when cut); MSG_PEEK leaves it queued. EAGAIN if none.
     */
    public SockDiagSocket.Recv recvmsg(Task task, int fd, int len, int flags) {
        task.syscall(SyscallNr.RECVMSG, fd, len, flags);
        return of(task, fd).recv(len, flags);
    }

    /**
     * The whole exchange as {@code ss} makes it: open a socket, send {@code req} as a dump,
     * read every reply (each sized first with MSG_PEEK|MSG_TRUNC, as iproute2's
     * {@code rtnl_recvmsg} does), close. An NLMSG_ERROR reply or a DONE with an error throws
     * {@link BpfException} with that errno.
     */
    public List<DiagSock> dump(Task task, InetDiagReq req) {
        int fd = socket(task, Netlink.SOCK_DGRAM, Netlink.NETLINK_SOCK_DIAG);
        try {
            sendmsg(task, fd, req.encode(1));
            List<DiagSock> out = new ArrayList<>();
            while (true) {
                int size = recvmsg(task, fd, 0, Netlink.MSG_PEEK | Netlink.MSG_TRUNC).datagramLength();
                SockDiagSocket.Recv r = recvmsg(task, fd, size, 0);
                for (Netlink.Msg m : Netlink.messages(r.data(), r.data().length)) {
                    if (m.type() == Netlink.NLMSG_ERROR || m.type() == Netlink.NLMSG_DONE) {
                        if (m.error() != 0) {
                            Errno e = Errno.of(m.error());
                            throw new BpfException(e == null ? Errno.EINVAL : e, "sock_diag: the dump was answered with "
                                    + (m.type() == Netlink.NLMSG_ERROR ? "NLMSG_ERROR" : "NLMSG_DONE") + " -" + m.error());
                        }
                        return out;
                    }
                    out.add(DiagSock.decode(m));
                }
            }
        } finally {
            task.fds().close(fd);
        }
    }

    static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    static int le16(byte[] b, int at) { return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8; }
}
