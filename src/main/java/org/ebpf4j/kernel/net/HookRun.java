package org.ebpf4j.kernel.net;

import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgRunCtx;

/**
 * What the socket helpers need to know about the hook run in progress on this thread: the
 * socket the context is about, the task on whose behalf it runs ({@code current}), the run
 * context ({@code bpf_cg_run_ctx}: retval) and, for skb hooks, the packet in the arena.
 * Published in {@link Net} for the duration of one effective-array run.
 */
final class HookRun implements org.ebpf4j.vm.helper.PacketSource {
    final Socket sk;
    final Task task;
    final CgRunCtx rc;
    final long ctx;
    long pkt;
    int pktLen;
    /** sock_addr hooks: bpf_bind allowed (connect4/6 only). */
    boolean bindAllowed;
    /** sock_ops: the op being run (bpf_setsockopt restrictions). */
    int sockOp = -1;

    @Override
    public long pkt() { return pkt; }

    @Override
    public int pktLen() { return pktLen; }

    HookRun(Socket sk, Task task, CgRunCtx rc, long ctx) {
        this.sk = sk;
        this.task = task;
        this.rc = rc;
        this.ctx = ctx;
    }
}
