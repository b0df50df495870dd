package org.ebpf4j.kernel.cgroup;

import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.memory.BpfSockoptLayout;
import org.ebpf4j.uapi.Errno;

/**
 * The cgroup/setsockopt and cgroup/getsockopt hooks as the socket layer calls them
 * ({@code __cgroup_bpf_run_filter_setsockopt} / {@code _getsockopt} of kernel/bpf/cgroup.c, the
 * {@code BPF_CGROUP_RUN_PROG_*SOCKOPT} wrappers of include/linux/bpf-cgroup.h and their callers
 * {@code do_sock_setsockopt} / {@code do_sock_getsockopt} in net/socket.c; spec §5.3,
 * Documentation/bpf/prog_cgroup_sockopt.rst). It builds the {@code struct bpf_sockopt} context
 * ({@link BpfSockoptLayout}) and the option buffer in the arena, runs the socket cgroup's
 * effective array through the {@link CgroupRunner} and applies the kernel's buffer rules.
 *
 * <p>This is the API the socket model calls; it is stable:
 * <ul>
 *   <li>{@link #setsockopt} runs <em>before</em> the protocol handler and says whether and with
 *       what the handler runs ({@link SetResult});</li>
 *   <li>{@link #getsockopt} runs <em>after</em> the protocol handler with its return value and
 *       output, and says what the syscall returns and what lands in the user's buffer
 *       ({@link GetResult}).</li>
 * </ul>
 * Both do nothing when the cgroup has no program for the hook (the kernel's
 * {@code cgroup_bpf_sock_enabled} test). The caller does the checks Linux makes before the hooks
 * (a negative setsockopt optlen is EINVAL in {@code do_sock_setsockopt}), skips getsockopt for
 * options the protocol exempts ({@link #bypassesGetsockopt}) and for compat syscalls, and runs
 * both on the socket's cgroup ({@code sk_cgrp_data}), not the caller's.
 *
 * <p>Thread-safe: each call has its own context and buffer, freed when it returns (the programs
 * have finished with them by then).
 */
public final class SockoptHooks {
    /** x86-64 PAGE_SIZE: the largest buffer a sockopt program gets. */
    public static final int PAGE_SIZE = 4096;
    /** SOL_TCP and TCP_ZEROCOPY_RECEIVE: the option {@code tcp_bpf_bypass_getsockopt} exempts. */
    public static final int SOL_TCP = 6, TCP_ZEROCOPY_RECEIVE = 35;

    private final Runtime rt;
    private final Arena arena;
    private final CgroupRunner runner;

    public SockoptHooks(Runtime rt) {
        this.rt = rt;
        this.arena = rt.arena();
        this.runner = new CgroupRunner(rt.rcu(), rt.cgroupStorageCtx());
    }

    /** What setsockopt(2) does after the cgroup hook. */
    public sealed interface SetResult {
        /** The syscall fails with {@code -errno} ({@code ret < 0}); the protocol handler does not run. */
        record Fail(int ret) implements SetResult {}

        /**
         * The syscall returns 0 without running the protocol handler: a program set
         * {@code ctx->optlen = -1}, or left a positive value with bpf_set_retval.
         */
        record Bypass() implements SetResult {}

        /**
         * The protocol handler runs with these values: {@code level}/{@code optname} possibly
         * rewritten, and {@code optval} either the user's original bytes (when a program left
         * {@code optlen} 0, or nothing was attached) or the program's buffer cut to its
         * {@code optlen}; {@code optval.length} is the optlen the handler gets.
         */
        record Proceed(int level, int optname, byte[] optval) implements SetResult {}
    }

    /**
     * What getsockopt(2) returns after the cgroup hook.
     *
     * @param ret       the syscall's result: 0 or {@code -errno} (possibly 0 although the protocol
     *                  handler failed, if a program cleared the error)
     * @param rewritten false: the user's buffer and {@code *optlen} stay as the protocol handler
     *                  left them; true: {@code *optlen} becomes {@link #optlen} and {@link #optval}
     *                  is copied to the user's buffer
     * @param optlen    the new {@code *optlen} when rewritten (with a NULL user optval it may be
     *                  any non-zero value the program left, even negative, as on Linux)
     * @param optval    the bytes to copy when rewritten ({@code optlen} bytes; empty when the user
     *                  passed a NULL optval)
     */
    public record GetResult(int ret, boolean rewritten, int optlen, byte[] optval) {
        static GetResult untouched(int ret) { return new GetResult(ret, false, 0, null); }
    }

    /** Whether the protocol exempts {@code level}/{@code optname} from cgroup/getsockopt (TCP only). */
    public static boolean bypassesGetsockopt(int level, int optname) {
        return level == SOL_TCP && optname == TCP_ZEROCOPY_RECEIVE;
    }

    /**
     * cgroup/setsockopt for a socket of {@code cgrp}: {@code optval} is what the user passed
     * ({@code optval.length} = its optlen, at least 0). {@code sk} is the arena address of the
     * socket's {@code struct bpf_sock} mirror ({@code ctx->sk}); {@code task} the caller (the
     * current task helpers see; may be null).
     */
    public SetResult setsockopt(Task task, Cgroup cgrp, long sk, int level, int optname, byte[] optval) {
        int optlen = optval.length;
        if (cgrp.effective(CgroupHook.SETSOCKOPT).isEmpty()) {
            return new SetResult.Proceed(level, optname, optval);
        }
        int maxOptlen = Math.min(Math.max(16, optlen), PAGE_SIZE);   // sockopt_alloc_buf
        long ctx = arena.alloc(BpfSockoptLayout.SIZE + maxOptlen);
        try {
            long buf = ctx + BpfSockoptLayout.SIZE;
            arena.fill(ctx, BpfSockoptLayout.SIZE + maxOptlen, (byte) 0);
            arena.copyIn(buf, optval, 0, Math.min(optlen, maxOptlen));
            fillCtx(ctx, sk, buf, maxOptlen, level, optname, optlen);
            CgRunCtx rc = new CgRunCtx(0);
            int ret = run(task, cgrp, CgroupHook.SETSOCKOPT, ctx, rc);
            if (ret < 0) {
                return new SetResult.Fail(ret);
            }
            if (ret > 0) {
                return new SetResult.Bypass();
            }
            int ctxOptlen = (int) arena.load32(ctx + BpfSockoptLayout.OPTLEN);
            if (ctxOptlen == -1) {
                return new SetResult.Bypass();
            }
            if (ctxOptlen > maxOptlen || ctxOptlen < -1) {
                if (optlen > PAGE_SIZE && ctxOptlen >= 0) {
                    // the program could not see the whole option: its buffer is ignored
                    return new SetResult.Proceed(level, optname, optval);
                }
                return new SetResult.Fail(Errno.EFAULT.negative());
            }
            int newLevel = (int) arena.load32(ctx + BpfSockoptLayout.LEVEL);
            int newOptname = (int) arena.load32(ctx + BpfSockoptLayout.OPTNAME);
            byte[] value = ctxOptlen == 0 ? optval : arena.copyOut(buf, ctxOptlen);
            return new SetResult.Proceed(newLevel, newOptname, value);
        } finally {
            arena.free(ctx, BpfSockoptLayout.SIZE + maxOptlen);
        }
    }

    /**
     * cgroup/getsockopt for a socket of {@code cgrp}, after the protocol handler ran.
     *
     * @param maxOptlen     the user's {@code *optlen} read before the handler ran
     * @param optvalNull    whether the user's optval pointer is NULL
     * @param kernelRetval  the protocol handler's return (0 or {@code -errno})
     * @param kernelOptval  when {@code kernelRetval == 0}: what the handler wrote, its length being
     *                      the {@code *optlen} the handler set (ignored otherwise; may be null then)
     */
    public GetResult getsockopt(Task task, Cgroup cgrp, long sk, int level, int optname, int maxOptlen,
                                boolean optvalNull, int kernelRetval, byte[] kernelOptval) {
        if (cgrp.effective(CgroupHook.GETSOCKOPT).isEmpty()) {
            return GetResult.untouched(kernelRetval);
        }
        if (maxOptlen < 0) {
            return GetResult.untouched(Errno.EINVAL.negative());   // sockopt_alloc_buf
        }
        int origOptlen = maxOptlen;
        int ctxOptlen = maxOptlen;
        int bufLen = Math.min(maxOptlen, PAGE_SIZE);
        int alloc = BpfSockoptLayout.SIZE + Math.max(bufLen, 1);
        long ctx = arena.alloc(alloc);
        try {
            long buf = ctx + BpfSockoptLayout.SIZE;
            arena.fill(ctx, alloc, (byte) 0);
            if (kernelRetval == 0) {
                ctxOptlen = kernelOptval == null ? 0 : kernelOptval.length;
                origOptlen = ctxOptlen;
                arena.copyIn(buf, kernelOptval == null ? new byte[0] : kernelOptval, 0, Math.min(ctxOptlen, bufLen));
            }
            fillCtx(ctx, sk, buf, bufLen, level, optname, ctxOptlen);
            CgRunCtx rc = new CgRunCtx(kernelRetval);
            rc.retvalAlias = ctx + BpfSockoptLayout.RETVAL;   // ctx->retval is run_ctx->retval
            int ret = run(task, cgrp, CgroupHook.GETSOCKOPT, ctx, rc);
            if (ret < 0) {
                return GetResult.untouched(ret);
            }
            int outLen = (int) arena.load32(ctx + BpfSockoptLayout.OPTLEN);
            if (!optvalNull && (outLen > bufLen || outLen < 0)) {
                if (origOptlen > PAGE_SIZE && outLen >= 0) {
                    return GetResult.untouched(kernelRetval);   // program buffer ignored
                }
                return GetResult.untouched(Errno.EFAULT.negative());
            }
            if (outLen == 0) {
                return GetResult.untouched(ret);
            }
            byte[] out = optvalNull ? new byte[0] : arena.copyOut(buf, outLen);
            return new GetResult(ret, true, outLen, out);
        } finally {
            arena.free(ctx, alloc);
        }
    }

    private void fillCtx(long ctx, long sk, long buf, int bufLen, int level, int optname, int optlen) {
        arena.store64(ctx + BpfSockoptLayout.SK, sk);
        arena.store64(ctx + BpfSockoptLayout.OPTVAL, buf);
        arena.store64(ctx + BpfSockoptLayout.OPTVAL_END, buf + bufLen);
        arena.store32(ctx + BpfSockoptLayout.LEVEL, level);
        arena.store32(ctx + BpfSockoptLayout.OPTNAME, optname);
        arena.store32(ctx + BpfSockoptLayout.OPTLEN, optlen);
    }

    private int run(Task task, Cgroup cgrp, CgroupHook hook, long ctx, CgRunCtx rc) {
        if (task == null) {
            return runner.run(cgrp, hook, ctx, rc);
        }
        return rt.progs().asCurrent(task, () -> runner.run(cgrp, hook, ctx, rc));
    }
}
