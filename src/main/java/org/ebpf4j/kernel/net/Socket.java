package org.ebpf4j.kernel.net;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.ebpf4j.kernel.KernelObject;
import org.ebpf4j.kernel.ObjKind;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.map.storage.LocalStorage;
import org.ebpf4j.map.storage.SkStorageOwner;

/**
 * One socket of the modelled network ({@code struct socket} + {@code struct sock}, net/ipv4/af_inet.c).
 *
 * <p>Two counts, as in the kernel: the file references (one per fd naming it: {@link #anyGet()})
 * and the sock reference count ({@code sk_refcnt}: {@link #inc()}/{@link #put()}), which the
 * file references, an in-flight packet, a connected peer's pending accept and the loopback
 * delivery path each hold. When the last fd goes the socket is released ({@code inet_release}:
 * sock_release hook, TCP FIN, unbind); when the last sock reference goes it is destroyed
 * ({@code sk_destruct}: storage freed, the cgroup's BPF reference dropped).
 *
 * <p>The socket keeps a {@code struct bpf_sock} mirror in the arena ({@link #mirror()}) that
 * {@code skb->sk}, {@code ctx->sk} and {@code bpf_sk_fullsock} hand to programs, refreshed on
 * every state change; TCP sockets also keep a {@code struct bpf_tcp_sock} mirror. In the same
 * arena block ({@link SockLayout}) lie its {@code struct sock} ({@link #sk()}), what BTF-typed
 * programs are handed, and its {@code struct socket} ({@link #sock()}), both laid out as the
 * model kernel's BTF says and kept current ({@link SockMirror}).
 *
 * <p>Guarded by the owning {@link Net}'s lock except the reference counts and the cookie.
 */
public final class Socket extends KernelObject implements SkStorageOwner {
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;

    /** A datagram or byte run waiting in a receive queue, with the address it came from. */
    public record Datagram(SockAddr from, byte[] data) {}

    final Net net;
    final int family;
    final int type;
    final int protocol;
    final int ownerPid;
    final Cgroup cgroup;
    final long mirror;
    /** Arena address of the {@code struct sock} (model kernel BTF layout). */
    final long sk;
    /** Arena address of the {@code struct socket} (model kernel BTF layout). */
    final long sock;
    final long tcpMirror;
    /**
     * Whether a {@code struct socket} owns this sock ({@code sk->sk_socket} set: {@code sock_init_data},
     * {@code sock_graft} on accept; cleared by {@code sock_orphan} at release). Bare and
     * not-yet-accepted sockets have none.
     */
    boolean grafted;
    volatile int state = TcpState.CLOSE;
    SockAddr local;
    SockAddr peer;
    /** Whether the local address was set by bind() (not by autobind). */
    boolean userBound;
    Socket peerSock;
    Socket listener;
    int backlog;
    final Deque<Datagram> rcvq = new ArrayDeque<>();
    final Deque<Socket> acceptq = new ArrayDeque<>();
    final Map<Long, byte[]> options = new HashMap<>();
    int mark;
    int priority;
    int cbFlags;
    long segsIn;
    long segsOut;
    long bytesReceived;
    long bytesAcked;
    boolean shutdownRead;
    volatile long cookie;
    /**
     * {@code sk->sk_uid} when it is not the creator's: a socket made without a {@code struct
     * socket} ({@code sock_init_data(NULL, sk)}, BPF_PROG_TEST_RUN's dummy) has uid 0. -1: the
     * owner task's uid.
     */
    int skUid = -1;
    private final AtomicInteger fileRefs = new AtomicInteger();
    private final List<Runnable> destructors = new ArrayList<>();
    private volatile boolean released;
    /** {@code sk->sk_bpf_storage} (SK_STORAGE). */
    private final AtomicReference<LocalStorage> skBpfStorage = new AtomicReference<>();
    /** {@code sk->sk_omem_alloc}: option memory, what SK_STORAGE elements are charged to. */
    private final AtomicInteger omemAlloc = new AtomicInteger();

    Socket(Net net, int family, int type, int protocol, int ownerPid, Cgroup cgroup, String origin) {
        super(ObjKind.SOCKET, origin);
        this.net = net;
        this.family = family;
        this.type = type;
        this.protocol = protocol;
        this.ownerPid = ownerPid;
        this.cgroup = cgroup;
        this.mirror = net.arena().alloc(net.sockLayout().alloc());
        if (mirror == 0) {
            throw new org.ebpf4j.uapi.BpfException(org.ebpf4j.uapi.Errno.ENOMEM, "socket: arena full, no block for its struct sock");
        }
        this.sk = mirror + SockLayout.SK;
        this.sock = mirror + net.sockLayout().socketAt;
        this.tcpMirror = type == SOCK_STREAM ? net.arena().alloc(SockLayouts.TcpSock.SIZE) : 0;
    }

    public int family() { return family; }

    /** SOCK_STREAM or SOCK_DGRAM. */
    public int type() { return type; }

    public int protocol() { return protocol; }

    /** The pid of the process that created it. */
    public int ownerPid() { return ownerPid; }

    /** The cgroup the socket was created in ({@code sk->sk_cgrp_data}); its hooks run for it. */
    public Cgroup cgroup() { return cgroup; }

    /** A {@code BPF_TCP_*} state (UDP: CLOSE, or ESTABLISHED once connected). */
    public int state() { return state; }

    /** The bound local address, or null. */
    public synchronized SockAddr local() { return local; }

    /** The connected peer address, or null. */
    public synchronized SockAddr peer() { return peer; }

    /** Arena address of the {@code struct bpf_sock} mirror. */
    public long mirror() { return mirror; }

    /**
     * Arena address of the {@code struct sock}: what the kernel passes as {@code struct sock *}
     * to BTF-typed programs (fentry on {@code bpf_sk_storage_free}, iterators ...).
     */
    public long sk() { return sk; }

    /** Arena address of the {@code struct socket} (the LSM socket hooks' argument). */
    public long sock() { return sock; }

    /** Arena address of the {@code struct bpf_tcp_sock} mirror; 0 for UDP. */
    public long tcpMirror() { return tcpMirror; }

    /** {@code SO_MARK}. */
    public synchronized int mark() { return mark; }

    /** {@code bpf_sock_ops_cb_flags}. */
    public synchronized int cbFlags() { return cbFlags; }

    /**
     * {@code sk->sk_uid}: the creator's uid (65534, the overflow uid, once the creator is
     * reaped, as {@code bpf_get_socket_uid} answers here), or 0 for a socket made without a
     * {@code struct socket}.
     */
    public int uid() {
        if (skUid >= 0) {
            return skUid;
        }
        org.ebpf4j.kernel.Task t = net.runtime().task(ownerPid);
        return t == null ? 65534 : t.uid();
    }

    /** {@code sk_max_ack_backlog} (listen(2)'s backlog, clamped). */
    public synchronized int backlog() { return backlog; }

    /** {@code SO_PRIORITY}. */
    public synchronized int priority() { return priority; }

    /** {@code sk->sk_shutdown & RCV_SHUTDOWN}: the peer closed its side (TCP). */
    public synchronized boolean shutdownRead() { return shutdownRead; }

    /**
     * Whether the socket is in its protocol's lookup table, which is what sock_diag walks
     * ({@code udp_table}, TCP's listening and established hashes): bound and not released.
     */
    public synchronized boolean hashed() { return local != null && !released; }

    /** Datagrams (or segments) waiting to be read. */
    public synchronized int queued() { return rcvq.size(); }

    /** Connections waiting in accept(). */
    public synchronized int pendingAccepts() { return acceptq.size(); }

    /**
     * {@code sock_gen_cookie}: the socket cookie, assigned on first use from the network's
     * counter (1, 2, 3 … in order of first request, as observed) and stable afterwards.
     */
    public long cookie() {
        long c = cookie;
        if (c != 0) {
            return c;
        }
        synchronized (this) {
            if (cookie == 0) {
                cookie = net.nextCookie();
                net.cookiePublished(this, cookie);
            }
            return cookie;
        }
    }

    /**
     * Registers what to run when the socket is destroyed ({@code sk_destruct}), e.g. freeing its
     * local storage ({@code bpf_sk_storage_free}). Runs once, in registration order.
     */
    public void onDestroy(Runnable r) {
        synchronized (destructors) {
            destructors.add(r);
        }
    }

    boolean released() { return released; }

    // ---- SK_STORAGE owner (net/core/bpf_sk_storage.c) ----

    /** Linux 6.18's default {@code net.core.optmem_max} (per netns; the model has one). */
    public static final int OPTMEM_MAX = 131072;

    @Override
    public AtomicReference<LocalStorage> bpfStorage() { return skBpfStorage; }

    @Override
    public int omemAlloc() { return omemAlloc.get(); }

    @Override
    public void omemAdd(int delta) { omemAlloc.addAndGet(delta); }

    @Override
    public int optmemMax() { return OPTMEM_MAX; }

    /** {@code refcount_inc_not_zero(&sk->sk_refcnt)}: a socket being destroyed gets no new storage. */
    @Override
    public boolean acceptsNewStorage() { return alive(); }

    // ---- file references: one per fd ----

    /** The creator's reference (from construction) becomes the first fd's. */
    void adoptFirstFile() { fileRefs.incrementAndGet(); }

    @Override
    public void anyGet() {
        fileRefs.incrementAndGet();
        inc();
    }

    @Override
    public boolean tryAnyGet() {
        if (!tryInc()) {
            return false;
        }
        fileRefs.incrementAndGet();
        return true;
    }

    /** An fd goes; the last one releases the socket ({@code sock_close} → {@code inet_release}). */
    @Override
    public void anyPut() {
        if (fileRefs.decrementAndGet() == 0) {
            released = true;
            net.release(this);
        }
        put();
    }

    @Override
    protected void destroy() {
        List<Runnable> ds;
        synchronized (destructors) {
            ds = List.copyOf(destructors);
            destructors.clear();
        }
        ds.forEach(Runnable::run);
        net.skStorageFree(this, () -> LocalStorage.destroy(this));   // __sk_destruct → bpf_sk_storage_free
        net.destroyed(this);
    }

    @Override
    public String describe() {
        return "socket " + (type == SOCK_STREAM ? "tcp" : "udp") + (family == SockAddr.AF_INET6 ? "6" : "4")
                + " " + (local == null ? "unbound" : local) + (peer == null ? "" : " -> " + peer)
                + " (" + TcpState.name(state) + ", pid " + ownerPid + ")";
    }
}
