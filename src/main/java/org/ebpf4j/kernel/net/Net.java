package org.ebpf4j.kernel.net;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.trace.SyscallNr;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupRunner;
import org.ebpf4j.kernel.cgroup.CgroupTree;
import org.ebpf4j.kernel.cgroup.SockoptHooks;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The network namespace of one runtime: sockets owned by tasks through their fd tables, the
 * port tables, the loopback device (127.0.0.0/8, ::1) and the socket syscalls, each firing the
 * cgroup hooks Linux fires at the same point (net/socket.c, net/ipv4/af_inet.c, udp.c,
 * tcp_ipv4.c, kernel/bpf/cgroup.c). Syscalls are the boundary: they throw
 * {@link BpfException} with the errno Linux returns; hooks and helpers return codes.
 *
 * <p>Model limits (documented in docs/scenarios.md): no dual-stack (an AF_INET6 socket speaks
 * IPv6 only), ephemeral ports are handed out in order from 32768, nothing blocks (accept/recv on
 * an empty queue answer EAGAIN), a TCP SYN that is dropped or finds a full backlog fails connect
 * with ETIMEDOUT at once, pure ACKs for data are not modelled.
 *
 * <p>One lock ({@code this}) guards port tables, queues and socket state: the model favours
 * clarity over parallel traffic. Hook programs run with it held, as the kernel runs most of
 * them under {@code lock_sock}.
 */
public final class Net {
    static final int EPHEMERAL_LOW = 32768;
    static final int EPHEMERAL_HIGH = 60999;

    private final Runtime runtime;
    /** The trampoline of {@code bpf_sk_storage_free(struct sock *sk)}, called as a socket is destructed. */
    private final org.ebpf4j.kernel.trampoline.Trampoline skStorageFree;
    private final CgroupTree cgroups;
    private final CgroupRunner runner;
    private final SockHooks hooks;
    private final Tcp tcp;
    private final Sockopts sockopts;
    private final SockoptHooks sockoptHooks;
    private final org.ebpf4j.kernel.net.diag.SockDiag diag = new org.ebpf4j.kernel.net.diag.SockDiag(this);
    /** Where {@code struct sock} / {@code struct socket} fields are in the model kernel BTF, and a socket's block. */
    private final SockLayout sockLayout;
    private final SockMirror sockMirror;
    private final AtomicLong cookies = new AtomicLong();
    private final Map<Long, List<Socket>> ports = new HashMap<>();
    private final Map<Long, Socket> mirrors = new ConcurrentHashMap<>();
    private final Map<Long, HookRun> contexts = new ConcurrentHashMap<>();
    private final ThreadLocal<HookRun> current = new ThreadLocal<>();
    private final List<Socket> live = new ArrayList<>();
    private int nextEphemeral = EPHEMERAL_LOW;

    public Net(Runtime runtime, CgroupTree cgroups) {
        this.runtime = runtime;
        this.skStorageFree = runtime.trampolines().of("bpf_sk_storage_free");
        this.cgroups = cgroups;
        this.sockLayout = new SockLayout(runtime.kernelBtf());
        this.sockMirror = new SockMirror(runtime.arena(), sockLayout);
        this.runner = new CgroupRunner(runtime.rcu(), runtime.cgroupStorageCtx());
        this.hooks = new SockHooks(this);
        this.tcp = new Tcp(this, hooks);
        this.sockopts = new Sockopts();
        this.sockoptHooks = new SockoptHooks(runtime);
    }

    public Runtime runtime() { return runtime; }

    public CgroupTree cgroups() { return cgroups; }

    /** NETLINK_SOCK_DIAG of this namespace ({@code ss}'s view: sockets with their SK_STORAGE values). */
    public org.ebpf4j.kernel.net.diag.SockDiag diag() { return diag; }

    Arena arena() { return runtime.arena(); }

    /** The model kernel's {@code struct sock} / {@code struct socket} layout and a socket's arena block. */
    public SockLayout sockLayout() { return sockLayout; }

    CgroupRunner runner() { return runner; }

    Sockopts sockopts() { return sockopts; }

    long nextCookie() { return cookies.incrementAndGet(); }

    /** {@code init_net}'s cookie, what {@code bpf_get_netns_cookie} returns (the first namespace: 1). */
    public long netnsCookie() { return 1; }

    /** The cgroup {@code task} runs in (the root if its cgroup is gone). */
    public Cgroup cgroupOf(Task task) {
        Cgroup c = task == null ? null : cgroups.byId(task.cgroupId());
        return c != null ? c : cgroups.root();
    }

    /** Live sockets (not yet destroyed), for diagnostics and tests. */
    public synchronized List<Socket> sockets() { return List.copyOf(live); }

    // ---- socket(2), close(2) ----

    /**
     * socket(2): EAFNOSUPPORT for a family other than AF_INET/AF_INET6, EINVAL for an unknown
     * type, EPROTONOSUPPORT for a protocol that does not match the type; then the cgroup's
     * sock_create programs run and may refuse (EPERM, or what they set with bpf_set_retval).
     */
    public int socket(Task task, int family, int type, int protocol) {
        task.syscall(SyscallNr.SOCKET, family, type, protocol);
        if (family == org.ebpf4j.kernel.net.diag.Netlink.AF_NETLINK) {
            return diag.socket(task, type, protocol);
        }
        if (family != SockAddr.AF_INET && family != SockAddr.AF_INET6) {
            throw new BpfException(Errno.EAFNOSUPPORT, "socket: family " + family + " (only AF_INET 2, AF_INET6 10 and AF_NETLINK 16)");
        }
        int t = type & 0xf;   // SOCK_NONBLOCK/SOCK_CLOEXEC are flags above
        if (t != Socket.SOCK_STREAM && t != Socket.SOCK_DGRAM) {
            throw new BpfException(t == 3 ? Errno.EPROTONOSUPPORT : Errno.EINVAL, "socket: type " + type + " (only SOCK_STREAM 1 and SOCK_DGRAM 2)");
        }
        int want = t == Socket.SOCK_STREAM ? Socket.IPPROTO_TCP : Socket.IPPROTO_UDP;
        if (protocol != 0 && protocol != want) {
            throw new BpfException(Errno.EPROTONOSUPPORT, "socket: protocol " + protocol + " does not go with type " + t);
        }
        Cgroup cg = cgroupOf(task);
        cg.bpfGet();   // cgroup_sk_alloc
        Socket s;
        try {
            s = new Socket(this, family, t, want, task.pid(), cg, task.origin("socket"));
        } catch (BpfException e) {
            cg.bpfPut();
            throw e;
        }
        s.grafted = true;   // inet_create → sock_init_data(sock, sk): sk->sk_socket = sock
        synchronized (this) {
            live.add(s);
            track(s);
            int err = hooks.sock(CgroupHook.INET_SOCK_CREATE, s, task);
            if (err != 0) {
                s.put();   // sk_common_release: no fd, no sock_release hook
                throw new BpfException(errno(err), "socket: refused by a cgroup/sock_create program of " + cg.path());
            }
        }
        // __sock_create: security_socket_post_create after the protocol's create; a refusal releases the socket
        int lsmErr = runtime.lsm().socketPostCreate(task, s.sock, family, t, want);
        if (lsmErr != 0) {
            synchronized (this) {
                s.put();
            }
            org.ebpf4j.kernel.trampoline.Lsm.check(lsmErr, "socket");
        }
        s.adoptFirstFile();
        try {
            return task.fds().install(new File.SocketFile(s, File.FMODE_RDWR));
        } catch (BpfException e) {
            s.anyPut();
            throw e;
        }
    }

    /** close(2) of a socket fd (or any fd): the last fd of a socket releases it. */
    public void close(Task task, int fd) {
        task.syscall(SyscallNr.CLOSE, fd);
        task.fds().close(fd);
    }

    /**
     * {@code pidfd_getfd(2)}: a new fd in {@code to} for the socket behind {@code from}'s
     * {@code fd} (what a tool uses to name another process's socket, e.g. as an SK_STORAGE key).
     */
    public int pidfdGetfd(Task from, int fd, Task to) {
        Socket s = sock(from, fd);
        s.anyGet();
        try {
            return to.fds().install(new File.SocketFile(s, File.FMODE_RDWR));
        } catch (BpfException e) {
            s.anyPut();
            throw e;
        }
    }

    /** The socket behind {@code fd}: EBADF if not open, ENOTSOCK if not a socket. */
    public Socket sock(Task task, int fd) {
        File f = task.fds().get(fd);
        if (!(f instanceof File.SocketFile sf) || !(sf.sock() instanceof Socket s)) {
            throw new BpfException(Errno.ENOTSOCK, "fd " + fd + " is a " + f.what() + " fd, not a socket");
        }
        return s;
    }

    /** {@code inet_release}, run when the last fd goes: sock_release hook, TCP close, unbind. */
    synchronized void release(Socket s) {
        hooks.sock(CgroupHook.INET_SOCK_RELEASE, s, runtime.task(s.ownerPid));
        if (s.type == Socket.SOCK_STREAM) {
            tcp.close(s);
        }
        unhash(s);
        s.grafted = false;   // sock_orphan: sk->sk_socket = NULL
        setState(s, TcpState.CLOSE);
        syncSock(s);
        runtime.fs().releaseInodeOf(s);   // sock_release: the sockfs inode goes with the struct socket
    }

    /**
     * {@code sk_alloc} without a {@code struct socket}: a bare kernel socket in {@code cg}
     * (which must already hold the socket's BPF reference, {@code cgroup_sk_alloc}), reachable
     * by its {@code bpf_sock} mirror, in no port table and behind no fd. Dropping its one
     * reference ({@link Socket#put()}, {@code sk_free}) destroys it.
     */
    Socket allocBare(int family, int ownerPid, Cgroup cg, String origin) {
        Socket s = new Socket(this, family, 0, 0, ownerPid, cg, origin);
        synchronized (this) {
            live.add(s);
            track(s);
        }
        return s;
    }

    /**
     * Makes {@code s} reachable from its {@code bpf_sock} and its {@code struct sock} addresses:
     * for the slow lookups ({@link #socketAt}) and, through the owner block between the two
     * ({@link SockLayout}), for the local-storage fast path; writes its {@code struct sock}.
     */
    private void track(Socket s) {
        sockMirror.init(s, runtime.mirrors().cgroup(s.cgroup).address());
        mirrors.put(s.mirror, s);
        mirrors.put(s.sk, s);
        owners().registerAt(s, s.mirror + SockLayouts.Sock.OWNER_BLOCK);
    }

    private org.ebpf4j.map.storage.OwnerTable owners() {
        return org.ebpf4j.map.storage.OwnerTable.of(runtime.mapRegistry());
    }

    /** Rewrites {@code s}'s {@code bpf_sock} mirror and {@code struct sock} from its state. */
    void syncMirror(Socket s) {
        hooks.syncMirror(s);
        sockMirror.write(s);
    }

    /** Rewrites {@code s}'s {@code struct sock} / {@code struct socket} from its state (bind, connect, state, options). */
    void syncSock(Socket s) { sockMirror.write(s); }

    /** {@code sock_gen_cookie} gave {@code s} its cookie: {@code sk->sk_cookie} now holds it. */
    void cookiePublished(Socket s, long cookie) { sockMirror.cookie(s, cookie); }

    /** {@code __sk_destruct} → {@code bpf_sk_storage_free(sk)}: through its trampoline (fentry/fexit programs see sk). */
    void skStorageFree(Socket s, Runnable free) {
        skStorageFree.call(new long[] {s.sk}, () -> {
            free.run();
            return 0;
        });
    }

    /** {@code sk_destruct}: the cgroup reference goes, mirrors are freed after a grace period. */
    void destroyed(Socket s) {
        synchronized (this) {
            unhash(s);
            live.remove(s);
        }
        s.cgroup.bpfPut();
        owners().unregister(s.mirror + SockLayouts.Sock.OWNER_BLOCK);
        Arena a = arena();
        runtime.rcu().callAfterGracePeriod(() -> {
            mirrors.remove(s.mirror, s);
            mirrors.remove(s.sk, s);
            a.free(s.mirror, sockLayout.alloc());
            if (s.tcpMirror != 0) {
                a.free(s.tcpMirror, SockLayouts.TcpSock.SIZE);
            }
        });
    }

    // ---- bind, connect, listen, accept ----

    /** The {@code struct sockaddr_in} / {@code sockaddr_in6} bytes a user would pass for {@code a}. */
    static byte[] sockaddr(SockAddr a) {
        boolean v4 = a.family() == SockAddr.AF_INET;
        byte[] b = new byte[v4 ? 16 : 28];
        b[0] = (byte) a.family();
        b[1] = (byte) (a.family() >> 8);
        b[2] = (byte) (a.port() >> 8);   // sin_port, network order
        b[3] = (byte) a.port();
        byte[] ip = a.addr();
        System.arraycopy(ip, 0, b, v4 ? 4 : 8, Math.min(ip.length, v4 ? 4 : 16));
        return b;
    }

    /**
     * bind(2) ({@code inet_bind}): EAFNOSUPPORT for a foreign family; the bind4/6 programs run
     * first and may rewrite the address (bit1 of their return waives CAP_NET_BIND_SERVICE);
     * EINVAL if already bound; EACCES for a port below 1024 without CAP_NET_BIND_SERVICE;
     * EADDRNOTAVAIL for an address not on loopback; EADDRINUSE; then post_bind4/6 may refuse
     * (the bind is undone).
     */
    public synchronized void bind(Task task, int fd, SockAddr addr) {
        task.syscall(SyscallNr.BIND, fd);
        Socket s = sock(task, fd);
        // __sys_bind: security_socket_bind before the protocol's bind (and its family check)
        org.ebpf4j.kernel.trampoline.Lsm.check(runtime.lsm().socketBind(task, s.sock, sockaddr(addr)), "bind " + addr);
        if (addr.family() != s.family) {
            throw new BpfException(Errno.EAFNOSUPPORT, "bind: address family " + addr.family() + " on an AF " + s.family + " socket");
        }
        SockAddr[] a = {addr};
        CgRunCtx rc = new CgRunCtx(0);
        int err = hooks.sockAddr(s.family == SockAddr.AF_INET ? CgroupHook.INET4_BIND : CgroupHook.INET6_BIND, s, task, a, null, rc);
        if (err != 0) {
            throw new BpfException(errno(err), "bind " + addr + ": refused by a cgroup/bind program");
        }
        SockAddr to = a[0];
        if (s.local != null) {
            throw new BpfException(Errno.EINVAL, "bind: socket is already bound to " + s.local);
        }
        boolean noCap = (rc.retFlags & CgroupRunner.BPF_RET_FLAG_BIT1) != 0;
        if (to.port() != 0 && to.port() < 1024 && !noCap && !task.capable(Cap.NET_BIND_SERVICE)) {
            throw new BpfException(Errno.EACCES, "bind: port " + to.port() + " < 1024 needs CAP_NET_BIND_SERVICE");
        }
        if (!to.isWildcard() && !to.isLoopback()) {
            throw new BpfException(Errno.EADDRNOTAVAIL, "bind: " + to + " is not a local address (only loopback exists)");
        }
        hash(s, to.port() == 0 ? to.withPort(ephemeral(s, to)) : to);
        s.userBound = true;
        err = hooks.sock(s.family == SockAddr.AF_INET ? CgroupHook.INET4_POST_BIND : CgroupHook.INET6_POST_BIND, s, task);
        if (err != 0) {
            unhash(s);
            s.local = null;
            s.userBound = false;
            syncSock(s);
            throw new BpfException(errno(err), "bind " + to + ": refused by a cgroup/post_bind program");
        }
    }

    /**
     * connect(2): EAFNOSUPPORT for a foreign family, then connect4/6 programs (may rewrite the
     * destination, EPERM on deny); UDP records the peer, TCP runs the handshake ({@link Tcp}).
     */
    public synchronized void connect(Task task, int fd, SockAddr addr) {
        task.syscall(SyscallNr.CONNECT, fd);
        Socket s = sock(task, fd);
        org.ebpf4j.kernel.trampoline.Lsm.check(runtime.lsm().socketConnect(task, s.sock, sockaddr(addr)),
                "connect " + addr);
        if (addr.family() != s.family) {
            throw new BpfException(Errno.EAFNOSUPPORT, "connect: address family " + addr.family() + " on an AF " + s.family + " socket");
        }
        if (s.type == Socket.SOCK_STREAM && s.state != TcpState.CLOSE) {
            throw new BpfException(Errno.EISCONN, "connect: socket is " + TcpState.name(s.state));
        }
        SockAddr[] a = {addr};
        int err = hooks.sockAddr(s.family == SockAddr.AF_INET ? CgroupHook.INET4_CONNECT : CgroupHook.INET6_CONNECT,
                s, task, a, null, new CgRunCtx(0));
        if (err != 0) {
            throw new BpfException(errno(err), "connect " + addr + ": refused by a cgroup/connect program");
        }
        SockAddr to = a[0];
        if (s.type == Socket.SOCK_DGRAM) {
            autobind(s, to);
            s.peer = to;
            setState(s, TcpState.ESTABLISHED);
            syncSock(s);
            return;
        }
        tcp.connect(s, task, to);
    }

    /** listen(2): EOPNOTSUPP on UDP, EINVAL unless closed or listening; autobinds; TCP_LISTEN_CB. */
    public synchronized void listen(Task task, int fd, int backlog) {
        task.syscall(SyscallNr.LISTEN, fd, backlog);
        Socket s = sock(task, fd);
        if (s.type != Socket.SOCK_STREAM) {
            throw new BpfException(Errno.EOPNOTSUPP, "listen on a datagram socket");
        }
        if (s.state != TcpState.CLOSE && s.state != TcpState.LISTEN) {
            throw new BpfException(Errno.EINVAL, "listen on a " + TcpState.name(s.state) + " socket");
        }
        if (s.local == null) {
            hash(s, SockAddr.any(s.family).withPort(ephemeral(s, SockAddr.any(s.family))));
        }
        s.backlog = Math.max(1, Math.min(backlog, 4096));
        if (s.state != TcpState.LISTEN) {
            setState(s, TcpState.LISTEN);
            hooks.sockOps(s, task, SockOps.TCP_LISTEN_CB);
        }
    }

    /** accept(2), non-blocking: EINVAL if not listening, EAGAIN if no connection waits. */
    public int accept(Task task, int fd) {
        task.syscall(SyscallNr.ACCEPT, fd);
        Socket child;
        synchronized (this) {
            Socket s = sock(task, fd);
            if (s.state != TcpState.LISTEN) {
                throw new BpfException(Errno.EINVAL, "accept on a socket that is not listening");
            }
            child = s.acceptq.poll();
            if (child == null) {
                throw new BpfException(Errno.EAGAIN, "accept: no pending connection");
            }
        }
        child.adoptFirstFile();   // the accept queue's reference becomes the fd's
        synchronized (this) {
            child.grafted = true;   // inet_accept → sock_graft(sk2, newsock)
            syncSock(child);
        }
        try {
            return task.fds().install(new File.SocketFile(child, File.FMODE_RDWR));
        } catch (BpfException e) {
            child.anyPut();
            throw e;
        }
    }

    // ---- data ----

    /**
     * sendto(2)/sendmsg(2). UDP: EDESTADDRREQ without a destination on an unconnected socket,
     * EAFNOSUPPORT for a foreign family; sendmsg4/6 programs run when a destination is given and
     * may rewrite it and the source; then egress: a drop fails the call with EPERM, while a drop
     * with congestion notification is lost silently (udp_send_skb hides ip_send_skb's ENOBUFS
     * without IP_RECVERR, as this machine's 6.18 showed). TCP: ENOTCONN unless established.
     * Returns the bytes sent.
     */
    public synchronized int sendto(Task task, int fd, byte[] data, SockAddr dst) {
        task.syscall(SyscallNr.SENDTO, fd, data == null ? 0 : data.length);
        Socket s = sock(task, fd);
        if (s.type == Socket.SOCK_STREAM) {
            return tcp.send(s, task, data);
        }
        return Udp.send(this, hooks, s, task, data, dst);
    }

    /**
     * recvfrom(2), non-blocking: the next datagram (UDP, truncated to {@code max}) or up to
     * {@code max} bytes (TCP) with the source address as recvmsg4/6 programs rewrote it. EAGAIN
     * if nothing waits; TCP: ENOTCONN unless connected, an empty result at end of stream.
     */
    public synchronized Socket.Datagram recvfrom(Task task, int fd, int max) {
        task.syscall(SyscallNr.RECVFROM, fd, max);
        Socket s = sock(task, fd);
        if (s.type == Socket.SOCK_STREAM) {
            return tcp.recv(s, task, max);
        }
        Socket.Datagram d = s.rcvq.poll();
        if (d == null) {
            throw new BpfException(Errno.EAGAIN, "recvfrom: no datagram queued");
        }
        byte[] bytes = d.data().length > max ? java.util.Arrays.copyOf(d.data(), max) : d.data();
        SockAddr[] from = {d.from()};
        hooks.sockAddr(s.family == SockAddr.AF_INET ? CgroupHook.UDP4_RECVMSG : CgroupHook.UDP6_RECVMSG,
                s, task, from, null, new CgRunCtx(0));
        return new Socket.Datagram(from[0], bytes);
    }

    /** getsockname(2): the local address (wildcard:0 if unbound), as getsockname4/6 programs rewrite it. */
    public synchronized SockAddr getsockname(Task task, int fd) {
        task.syscall(SyscallNr.GETSOCKNAME, fd);
        Socket s = sock(task, fd);
        SockAddr[] a = {s.local != null ? s.local : SockAddr.any(s.family)};
        hooks.sockAddr(s.family == SockAddr.AF_INET ? CgroupHook.INET4_GETSOCKNAME : CgroupHook.INET6_GETSOCKNAME,
                s, task, a, null, new CgRunCtx(0));
        return a[0];
    }

    /** getpeername(2): ENOTCONN without a peer; else as getpeername4/6 programs rewrite it. */
    public synchronized SockAddr getpeername(Task task, int fd) {
        task.syscall(SyscallNr.GETPEERNAME, fd);
        Socket s = sock(task, fd);
        if (s.peer == null || s.state != TcpState.ESTABLISHED && s.state != TcpState.CLOSE_WAIT) {
            throw new BpfException(Errno.ENOTCONN, "getpeername: socket is not connected");
        }
        SockAddr[] a = {s.peer};
        hooks.sockAddr(s.family == SockAddr.AF_INET ? CgroupHook.INET4_GETPEERNAME : CgroupHook.INET6_GETPEERNAME,
                s, task, a, null, new CgRunCtx(0));
        return a[0];
    }

    /**
     * setsockopt(2) ({@code do_sock_setsockopt}, net/socket.c): the socket cgroup's
     * cgroup/setsockopt chain runs first ({@link SockoptHooks}, spec §5.3) and may refuse, bypass
     * the handler or hand it other values; then the socket's own handler ({@link Sockopts}).
     */
    public synchronized void setsockopt(Task task, int fd, int level, int optname, byte[] optval) {
        task.syscall(SyscallNr.SETSOCKOPT, fd, level, optname);
        Socket s = sock(task, fd);
        hooks.syncMirror(s);
        SockoptHooks.SetResult r = sockoptHooks.setsockopt(task, s.cgroup, s.mirror, level, optname, optval);
        switch (r) {
            case SockoptHooks.SetResult.Fail f -> throw new BpfException(errno(f.ret()),
                    "setsockopt(" + level + ", " + optname + "): refused by a cgroup/setsockopt program of " + s.cgroup.path());
            case SockoptHooks.SetResult.Bypass b -> { }
            case SockoptHooks.SetResult.Proceed p -> sockopts.kernelSet(s, task, p.level(), p.optname(), p.optval());
        }
    }

    /**
     * getsockopt(2) with a buffer of {@code optlen} bytes ({@code do_sock_getsockopt}): the
     * socket's handler runs, then the cgroup/getsockopt chain sees its result and may change
     * value, length and return ({@link SockoptHooks}, spec §5.3). Returns the bytes the caller
     * receives (length = the new optlen).
     */
    public synchronized byte[] getsockopt(Task task, int fd, int level, int optname, int optlen) {
        task.syscall(SyscallNr.GETSOCKOPT, fd, level, optname);
        Socket s = sock(task, fd);
        if (optlen < 0) {
            throw new BpfException(Errno.EINVAL, "getsockopt: optlen " + optlen + " < 0");
        }
        byte[] kv = null;
        BpfException kernelError = null;
        try {
            kv = sockopts.kernelGet(s, level, optname, optlen);
        } catch (BpfException e) {
            kernelError = e;
        }
        if (SockoptHooks.bypassesGetsockopt(level, optname)) {
            if (kernelError != null) {
                throw kernelError;
            }
            return kv;
        }
        hooks.syncMirror(s);
        int kret = kernelError == null ? 0 : kernelError.errno().negative();
        SockoptHooks.GetResult r = sockoptHooks.getsockopt(task, s.cgroup, s.mirror, level, optname, optlen, false, kret, kv);
        if (r.ret() < 0) {
            if (kernelError != null && r.ret() == kret) {
                throw kernelError;
            }
            throw new BpfException(errno(r.ret()), "getsockopt(" + level + ", " + optname + ") fails with " + r.ret()
                    + (kret < 0 ? " (the kernel said " + kret + ")" : "") + " after the cgroup/getsockopt programs of " + s.cgroup.path());
        }
        if (r.rewritten()) {
            return r.optval();
        }
        return kv != null ? kv : new byte[0];
    }

    // ---- port tables and loopback delivery ----

    private static long portKey(int protocol, int family, int port) { return (long) protocol << 32 | (long) family << 16 | port; }

    /** Adds {@code s} to the port table at {@code at}; EADDRINUSE if an overlapping address holds the port. */
    void hash(Socket s, SockAddr at) {
        List<Socket> bound = ports.computeIfAbsent(portKey(s.protocol, s.family, at.port()), k -> new ArrayList<>());
        for (Socket o : bound) {
            boolean overlap = o.local.isWildcard() || at.isWildcard() || o.local.sameAddr(at);
            if (overlap && !(Sockopts.reusePort(o) && Sockopts.reusePort(s))) {
                throw new BpfException(Errno.EADDRINUSE, "bind: " + at + " is in use by " + o.describe());
            }
        }
        bound.add(s);
        s.local = at;
        syncSock(s);
    }

    /** An accepted child shares the listener's port ({@code inet_ehash}): it joins the table without a conflict check. */
    void hashChild(Socket child, SockAddr local, SockAddr peer) {
        live.add(child);
        track(child);
        ports.computeIfAbsent(portKey(child.protocol, child.family, local.port()), k -> new ArrayList<>()).add(child);
        child.local = local;
        child.peer = peer;
        syncSock(child);
    }

    void unhash(Socket s) {
        if (s.local == null) {
            return;
        }
        List<Socket> bound = ports.get(portKey(s.protocol, s.family, s.local.port()));
        if (bound != null) {
            bound.remove(s);
        }
    }

    /** Picks the next free ephemeral port (in order, unlike Linux's randomised search). */
    int ephemeral(Socket s, SockAddr at) {
        for (int i = 0; i <= EPHEMERAL_HIGH - EPHEMERAL_LOW; i++) {
            int p = nextEphemeral;
            nextEphemeral = p == EPHEMERAL_HIGH ? EPHEMERAL_LOW : p + 1;
            List<Socket> bound = ports.get(portKey(s.protocol, s.family, p));
            if (bound == null || bound.isEmpty()) {
                return p;
            }
        }
        throw new BpfException(Errno.EADDRNOTAVAIL, "no free ephemeral port");
    }

    /** {@code inet_autobind} for a socket about to talk to {@code dst}: an ephemeral port, no post_bind hook. */
    void autobind(Socket s, SockAddr dst) {
        if (s.local == null) {
            hash(s, SockAddr.any(s.family).withPort(ephemeral(s, SockAddr.any(s.family))));
        }
    }

    /** The source address of a packet from {@code s} to {@code dst}: the bound address, or loopback's. */
    static SockAddr source(Socket s, SockAddr dst) {
        if (!s.local.isWildcard()) {
            return s.local;
        }
        byte[] a = new byte[s.family == SockAddr.AF_INET ? 4 : 16];
        if (s.family == SockAddr.AF_INET) {
            a[0] = 127;
            a[3] = 1;
        } else {
            a[15] = 1;
        }
        return s.local.withAddr(a);
    }

    /** The socket of {@code protocol} that receives at {@code dst} from {@code src}: exact address first, then wildcard. */
    Socket lookup(int protocol, SockAddr dst, SockAddr src, boolean listening) {
        List<Socket> bound = ports.get(portKey(protocol, dst.family(), dst.port()));
        if (bound == null) {
            return null;
        }
        Socket wild = null;
        for (Socket o : bound) {
            if (o.released() || listening && o.state != TcpState.LISTEN) {
                continue;
            }
            if (!listening && o.peer != null && !o.peer.equals(src)) {
                continue;
            }
            if (o.local.sameAddr(dst)) {
                return o;
            }
            if (o.local.isWildcard() && wild == null) {
                wild = o;
            }
        }
        return wild;
    }

    /** Sets the TCP state, with the sockops STATE_CB when the socket asked for it. */
    void setState(Socket s, int state) {
        int old = s.state;
        s.state = state;
        syncSock(s);
        if (old != state && s.type == Socket.SOCK_STREAM && (s.cbFlags & SockOps.STATE_CB_FLAG) != 0) {
            hooks.sockOps(s, runtime.task(s.ownerPid), SockOps.STATE_CB, old, state);
        }
    }

    // ---- what helpers see ----

    HookRun enter(HookRun r) {
        HookRun outer = current.get();
        current.set(r);
        contexts.put(r.ctx, r);
        return outer;
    }

    void leave(HookRun r, HookRun outer) {
        contexts.remove(r.ctx, r);
        if (outer == null) {
            current.remove();
        } else {
            current.set(outer);
        }
    }

    /** The hook run in progress on this thread, or null. */
    HookRun current() { return current.get(); }

    /**
     * The hook run whose context is at {@code ctx}, or null. The program calling a helper almost
     * always runs this thread's innermost hook, so that run is checked first: one thread-local
     * read and a compare instead of a boxed key and a hash lookup per helper call (185 calls of
     * bpf_skb_load_bytes per run of the parser_1500 bench).
     */
    HookRun context(long ctx) {
        HookRun r = current.get();
        return r != null && r.ctx == ctx ? r : contexts.get(ctx);
    }

    /** The socket whose {@code bpf_sock} mirror or {@code struct sock} is at {@code addr}, or null. */
    Socket byMirror(long addr) { return mirrors.get(addr); }

    /**
     * The socket whose {@code bpf_sock} mirror or {@code struct sock} is at {@code addr}, or null:
     * the one socket behind both pointer kinds. Public for local storage owners.
     */
    public Socket socketAt(long addr) { return byMirror(addr); }

    static Errno errno(int negative) {
        Errno e = Errno.of(negative);
        return e != null ? e : Errno.EPERM;
    }
}
