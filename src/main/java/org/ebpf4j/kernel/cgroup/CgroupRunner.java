package org.ebpf4j.kernel.cgroup;

import org.ebpf4j.map.storage.CgroupStorageRunCtx;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.Errno;

/**
 * Runs a cgroup's effective array for one event and combines the results as the hook's caller
 * in the kernel does ({@code __cgroup_bpf_run_filter_skb}, {@code _sk}, {@code _sock_addr},
 * {@code _sock_ops}, {@code __cgroup_bpf_check_dev_permission}, {@code _sysctl},
 * {@code _setsockopt}/{@code _getsockopt}; spec §5). The array is read once, inside one RCU
 * read-side section of the runtime's normal domain, so attach/detach never wait for it and a
 * run never sees half an update.
 *
 * <p>This is what the socket/traffic model calls: give it the socket's (or the current task's)
 * cgroup, the hook and the context address.
 */
public final class CgroupRunner {
    /** NET_XMIT_SUCCESS: egress transmits. */
    public static final int NET_XMIT_SUCCESS = 0;
    /** NET_XMIT_DROP: egress drops with congestion notification. */
    public static final int NET_XMIT_DROP = 1;
    /** NET_XMIT_CN: egress transmits with congestion notification. */
    public static final int NET_XMIT_CN = 2;
    /** bit of {@link CgRunCtx#retFlags}: {@code BPF_RET_SET_CN} (egress) / {@code BPF_RET_BIND_NO_CAP_NET_BIND_SERVICE} (bind). */
    public static final int BPF_RET_FLAG_BIT1 = 1;

    private final Rcu rcu;

    private final CgroupStorageRunCtx storageCtx;

    public CgroupRunner(Rcu rcu) { this(rcu, null); }

    /** With the runtime's legacy-storage run context, which {@code bpf_get_local_storage} (81) reads. */
    public CgroupRunner(Rcu rcu, CgroupStorageRunCtx storageCtx) {
        this.rcu = rcu;
        this.storageCtx = storageCtx;
    }

    /**
     * Runs {@code hook}'s effective array of {@code cgrp} on {@code ctx} with the hook's combination:
     * <ul>
     *   <li>INET_EGRESS: {@link #NET_XMIT_SUCCESS}, {@link #NET_XMIT_CN}, {@link #NET_XMIT_DROP} or -EPERM (or the
     *       error a program set with bpf_set_retval);</li>
     *   <li>INET_INGRESS: 0 accept, negative drop (a positive result becomes -EFAULT);</li>
     *   <li>others: 0 allow, -errno deny.</li>
     * </ul>
     * An empty array allows (0). For the bind hooks' bit1 or getsockopt's initial retval use
     * {@link #run(Cgroup, CgroupHook, long, CgRunCtx)}.
     */
    public int run(Cgroup cgrp, CgroupHook hook, long ctx) {
        return run(cgrp, hook, ctx, new CgRunCtx(0));
    }

    /**
     * As {@link #run(Cgroup, CgroupHook, long)} with the caller's run context: its
     * {@link CgRunCtx#retval} is the chain's initial result (getsockopt: the kernel handler's
     * return), and after the call {@link CgRunCtx#retFlags} holds the OR of the programs' bit1
     * (bind: skip the CAP_NET_BIND_SERVICE check; egress: congestion notification).
     */
    public int run(Cgroup cgrp, CgroupHook hook, long ctx, CgRunCtx rc) {
        Rcu.Reader r = rcu.reader();
        r.lock();
        int ret;
        try {
            EffectiveProgs a = cgrp.effective(hook);
            CgroupHook.Combine how = hook.combine();
            if (rc.storageCtx == null) {
                rc.storageCtx = storageCtx;
            }
            ret = a.run(ctx, rc, how == CgroupHook.Combine.FLAGS || how == CgroupHook.Combine.SKB_EGRESS);
        } finally {
            r.unlock();
        }
        return switch (hook.combine()) {
            case PLAIN, FLAGS -> ret;
            case SKB_INGRESS -> ret > 0 ? Errno.EFAULT.negative() : ret;
            case SKB_EGRESS -> egress(ret, (rc.retFlags & BPF_RET_FLAG_BIT1) != 0);
        };
    }

    /** The egress tail of {@code __cgroup_bpf_run_filter_skb}: spec §5.2 table, CN matrix. */
    static int egress(int ret, boolean cn) {
        if (ret > 0) {
            ret = Errno.EFAULT.negative();
        }
        if (ret == 0) {
            return cn ? NET_XMIT_CN : NET_XMIT_SUCCESS;
        }
        return cn ? NET_XMIT_DROP : ret;
    }
}
