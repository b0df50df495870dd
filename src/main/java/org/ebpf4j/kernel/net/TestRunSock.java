package org.ebpf4j.kernel.net;

import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.cgroup.Cgroup;

/**
 * The dummy socket of one BPF_PROG_TEST_RUN call on an skb program ({@code
 * bpf_prog_test_run_skb}, net/bpf/test_run.c): {@code sk_alloc(net, AF_UNSPEC, ...)} then
 * {@code sock_init_data(NULL, sk)}, so a bare kernel socket with no fd, no port and no
 * {@code struct socket}: type 0, protocol 0, TCP_CLOSE, uid 0, mark and priority 0, no rx queue
 * (-1), in the calling task's cgroup ({@code cgroup_sk_alloc} reads current's). The IP header of
 * the packet sets its family and addresses ({@code sk_rcv_saddr} = source, {@code sk_daddr} =
 * destination); any other protocol leaves the family AF_UNSPEC (observed on 6.18: family 0).
 *
 * <p>A new one per call, used by every repeat of that call (so a new cookie, from the
 * namespace's counter on first use, and empty sk storage each call: spec kernel-observed-6.18
 * "TEST_RUN quirks"); {@link #close()} is the call's {@code sk_free}, which frees its local
 * storage. While {@link #enter entered}, the socket helpers see the test run's {@code __sk_buff}
 * as a context about this socket over the given packet ({@code bpf_skb_load_bytes},
 * {@code bpf_get_socket_cookie(skb)}, {@code bpf_skb_cgroup_id} ...).
 */
public final class TestRunSock implements AutoCloseable {
    private final Net net;
    private final Socket sk;
    private final Task task;
    private HookRun run;
    private HookRun outer;
    private boolean closed;

    private TestRunSock(Net net, Socket sk, Task task) {
        this.net = net;
        this.sk = sk;
        this.task = task;
    }

    /**
     * Allocates the dummy socket for {@code task}'s test run. {@code family} is
     * {@link SockAddr#AF_INET}, {@link SockAddr#AF_INET6} or 0; {@code saddr}/{@code daddr} the
     * IP header's addresses (4 or 16 bytes), or null when the packet was too short to hold them.
     */
    public static TestRunSock alloc(Net net, Task task, int family, byte[] saddr, byte[] daddr) {
        Cgroup cg = net.cgroupOf(task);
        cg.bpfGet();   // cgroup_sk_alloc
        Socket s = net.allocBare(family, task == null ? 0 : task.pid(), cg,
                task == null ? "BPF_PROG_TEST_RUN" : task.origin("BPF_PROG_TEST_RUN"));
        s.skUid = 0;
        if (saddr != null && daddr != null && (family == SockAddr.AF_INET || family == SockAddr.AF_INET6)) {
            s.local = new SockAddr(family, saddr, 0);   // sk_rcv_saddr; sk_num stays 0
            s.peer = new SockAddr(family, daddr, 0);    // sk_daddr; sk_dport stays 0
        }
        net.syncMirror(s);
        return new TestRunSock(net, s, task);
    }

    public Socket socket() { return sk; }

    /** Arena address of the socket's {@code struct bpf_sock} mirror: what {@code skb->sk} holds. */
    public long mirror() { return sk.mirror; }

    /**
     * Makes the context at {@code ctx} an skb about this socket for the socket helpers, its
     * packet the {@code len} bytes at {@code pkt} (where {@code skb->data} points). Until
     * {@link #leave()}; on this thread only.
     */
    public void enter(long ctx, long pkt, int len) {
        if (run != null) {
            throw new IllegalStateException("test run socket already entered");
        }
        HookRun r = new HookRun(sk, task, new CgRunCtx(0), ctx);
        r.pkt = pkt;
        r.pktLen = len;
        outer = net.enter(r);
        run = r;
    }

    /** Ends what {@link #enter} began. */
    public void leave() {
        if (run != null) {
            net.leave(run, outer);
            run = null;
            outer = null;
        }
    }

    /** {@code sk_free}: leaves if still entered, then drops the socket's one reference (destroying it). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        leave();
        sk.put();
    }
}
