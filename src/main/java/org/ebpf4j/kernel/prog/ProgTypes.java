package org.ebpf4j.kernel.prog;

import java.util.BitSet;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;
import org.ebpf4j.memory.SkBuffLayout;
import org.ebpf4j.memory.XdpMdLayout;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

/**
 * Program type → what the verifier and TEST_RUN need of it, as {@code include/linux/bpf_types.h}
 * builds {@code bpf_verifier_ops} / {@code bpf_prog_ops} tables: the helpers the type's
 * {@code get_func_proto} answers (a privileged loader: {@code bpf_base_func_proto} with
 * CAP_BPF and CAP_PERFMON, plus the type's own set), its context rules
 * ({@link CtxAccess}), and its test_run. A new type adds one row to {@link #ROWS}.
 *
 * <p>The per-type helper sets list the helpers of net/core/filter.c and kernel/trace/bpf_trace.c
 * {@code *_func_proto} functions; whether ebpf4j implements one is a separate question the loader
 * asks the runtime's helper table.
 */
public final class ProgTypes {
    private ProgTypes() {}

    /** One row: the type's context rules (they may depend on the expected attach type), helpers, test_run. */
    public record Row(Function<AttachType, CtxAccess> ctx, BitSet helpers, TestRunKind testRun) {}

    /**
     * {@code bpf_base_func_proto} of Linux 6.18 for a loader with CAP_BPF and CAP_PERFMON
     * (kernel/bpf/helpers.c; 6.18 moved get_current_uid_gid, get_current_comm and the cgroup and
     * task-storage helpers here: observed, an XDP program calling bpf_get_current_comm loads).
     */
    static final int[] BASE = {
        1, 2, 3, 87, 88, 89, 195, 7, 8, 42, 12, 5, 125, 208, 130, 131, 132, 133, 134, 182, 105, 106, 14, 120, 15,
        // CAP_BPF
        93, 94, 118, 153, 154, 169, 170, 171, 172, 194, 164, 181, 209, 198, 199, 200, 197, 201, 202, 203, 210, 211,
        80, 123, 37, 17, 156, 157,
        // CAP_PERFMON
        6, 35, 158, 16, 112, 113, 114, 115, 148, 191, 149, 165, 175, 177, 55, 22, 109, 117, 141, 176, 180,
    };
    /** {@code bpf_tracing_func_proto} beyond the base (kprobe, tracepoint, perf_event, raw_tp, tracing). */
    static final int[] TRACING = {15, 16, 22, 25, 27, 36, 37, 67, 109, 117, 160, 174};
    /** {@code bpf_lsm_func_proto} (kernel/bpf/bpf_lsm.c) beyond tracing's: inode_storage_get/delete. */
    static final int[] LSM = {145, 146};
    /** {@code cgroup_current_func_proto} (kernel/bpf/cgroup.c). */
    static final int[] CGROUP_CURRENT = {15, 14, 16, 80, 123, 17};
    /**
     * {@code sk_filter_func_proto} (SOCKET_FILTER): skb_load_bytes(_relative), get_socket_cookie,
     * get_socket_uid, perf_event_output, get_netns_cookie (observed offered on 6.18).
     */
    static final int[] SK_FILTER = {26, 68, 46, 47, 25, 122};
    /**
     * {@code lwt_out_func_proto} (LWT_OUT; LWT_IN adds lwt_push_encap): skb_load_bytes,
     * skb_pull_data, csum_diff, get_cgroup_classid, get_route_realm, get_hash_recalc,
     * perf_event_output, get_smp_processor_id, skb_under_cgroup. Not load_bytes_relative nor
     * the socket cookie/uid helpers (observed refused on 6.18).
     */
    static final int[] LWT_OUT = {26, 39, 28, 17, 24, 34, 25, 8, 37};
    /** {@code lwt_xmit_func_proto} beyond lwt_out's: tunnel keys/options, redirects, tail/head changes, stores, csums. */
    static final int[] LWT_XMIT = {20, 21, 29, 30, 23, 13, 38, 43, 9, 40, 10, 11, 41, 73};
    /**
     * {@code sk_skb_func_proto}: skb_store/load_bytes (not _relative: observed refused),
     * pull_data, change_tail/head, adjust_room, socket cookie/uid, sk_redirect_map/hash,
     * perf_event_output, sk_lookup_tcp/udp, sk_release, skc_lookup_tcp.
     */
    static final int[] SK_SKB = {9, 26, 39, 38, 43, 50, 46, 47, 52, 72, 25, 84, 85, 86, 99};
    /** {@code tc_cls_act_func_proto}; sk_storage_get/delete included (observed offered on 6.18). */
    static final int[] TC = {9, 10, 11, 13, 23, 24, 26, 28, 31, 32, 33, 34, 38, 39, 46, 47, 68, 79, 83, 84, 85, 86, 107, 108,
        95, 96, 97, 98, 25, 69, 122, 160};
    /** {@code xdp_func_proto} (no get_netns_cookie: observed refused on 6.18). */
    static final int[] XDP = {44, 54, 65, 23, 51, 28, 69, 25};
    /** {@code cgroup_common_func_proto}: get_local_storage (get/set_retval: see {@link #allowsHelper(ProgType, AttachType, int)}). */
    static final int[] CGROUP_COMMON = {81};
    /**
     * {@code cg_skb_func_proto} (net/core/filter.c): sk_fullsock, sk_storage_get/delete,
     * perf_event_output, skb_cgroup_id, skb_ancestor_cgroup_id, sk_cgroup_id,
     * sk_ancestor_cgroup_id, tcp_sock, get_listener_sock, skb_ecn_set_ce, sk_lookup_tcp/udp,
     * sk_release, skc_lookup_tcp, then {@code sk_filter_func_proto}'s skb_load_bytes(_relative),
     * get_socket_cookie, get_socket_uid, get_netns_cookie (observed offered on 6.18).
     */
    static final int[] CG_SKB = {95, 107, 108, 25, 79, 83, 128, 129, 96, 98, 97, 84, 85, 86, 99, 26, 68, 46, 47, 122};
    /** {@code sock_filter_func_proto} (CGROUP_SOCK): get_socket_cookie, get_netns_cookie, perf_event_output, sk_storage_get, ktime_get_coarse_ns. */
    static final int[] CG_SOCK = {46, 122, 25, 107, 160};
    /**
     * {@code sock_addr_func_proto} (CGROUP_SOCK_ADDR): bind (connect hooks only, see
     * {@link #allowsHelper(ProgType, AttachType, int)}), get_socket_cookie, get_netns_cookie,
     * perf_event_output, sk_lookup_tcp/udp, sk_release, skc_lookup_tcp, sk_storage_get/delete,
     * setsockopt, getsockopt, ktime_get_coarse_ns.
     */
    static final int[] CG_SOCK_ADDR = {64, 46, 122, 25, 84, 85, 86, 99, 107, 108, 49, 57, 160};
    /**
     * {@code sock_ops_func_proto}: setsockopt, getsockopt, sock_ops_cb_flags_set,
     * sock_map_update, sock_hash_update, get_socket_cookie, perf_event_output,
     * sk_storage_get/delete, get_netns_cookie, load/store/reserve_hdr_opt, tcp_sock,
     * ktime_get_coarse_ns (no cgroup_current_func_proto: sock_ops may run in softirq).
     */
    static final int[] SOCK_OPS = {49, 57, 59, 53, 70, 46, 25, 107, 108, 122, 142, 143, 144, 96, 160};
    /**
     * {@code cg_sockopt_func_proto} (kernel/bpf/cgroup.c): get_netns_cookie, sk_storage_get/delete,
     * setsockopt/getsockopt (cgroup/setsockopt only), tcp_sock, perf_event_output.
     */
    static final int[] CG_SOCKOPT = {122, 107, 108, 49, 57, 96, 25};
    /** {@code sysctl_func_proto}: strtol, strtoul, sysctl_get_name, get_current_value, get_new_value, set_new_value, ktime_get_coarse_ns. */
    static final int[] CG_SYSCTL = {105, 106, 101, 102, 103, 104, 160};
    static final int[] SYSCALL = {166, 167, 168, 179};

    private static final Map<ProgType, Row> ROWS;

    static {
        EnumMap<ProgType, Row> m = new EnumMap<>(ProgType.class);
        Function<AttachType, CtxAccess> skbFilter = a -> new SkBuffAccess(SkBuffAccess.Flavor.SOCKET_FILTER);
        Function<AttachType, CtxAccess> tc = a -> new SkBuffAccess(SkBuffAccess.Flavor.TC);
        Function<AttachType, CtxAccess> lwt = a -> new SkBuffAccess(SkBuffAccess.Flavor.LWT);
        Function<AttachType, CtxAccess> args = a -> CtxAccess.args(12, false);
        Function<AttachType, CtxAccess> btfArgs = a -> CtxAccess.args(12, true);
        m.put(ProgType.SOCKET_FILTER, new Row(skbFilter, set(SK_FILTER), TestRunKind.SKB));
        m.put(ProgType.SCHED_CLS, new Row(tc, set(TC), TestRunKind.SKB));
        m.put(ProgType.SCHED_ACT, new Row(tc, set(TC), TestRunKind.SKB));
        m.put(ProgType.XDP, new Row(a -> new XdpAccess(a == AttachType.XDP_DEVMAP), set(XDP), TestRunKind.XDP));
        m.put(ProgType.CGROUP_SKB, new Row(a -> new SkBuffAccess(SkBuffAccess.Flavor.CGROUP_SKB),
                set(CGROUP_COMMON, CG_SKB), TestRunKind.SKB));
        m.put(ProgType.LWT_IN, new Row(lwt, set(LWT_OUT, new int[] {73}), TestRunKind.SKB));
        m.put(ProgType.LWT_OUT, new Row(lwt, set(LWT_OUT), TestRunKind.SKB));
        m.put(ProgType.LWT_XMIT, new Row(lwt, set(LWT_OUT, LWT_XMIT), TestRunKind.SKB));
        m.put(ProgType.LWT_SEG6LOCAL, new Row(lwt, set(LWT_OUT), TestRunKind.NONE));
        m.put(ProgType.SK_SKB, new Row(a -> new SkBuffAccess(SkBuffAccess.Flavor.SK_SKB), set(SK_SKB), TestRunKind.NONE));
        m.put(ProgType.FLOW_DISSECTOR, new Row(a -> new SkBuffAccess(SkBuffAccess.Flavor.FLOW_DISSECTOR),
                set(new int[] {26}), TestRunKind.FLOW_DISSECTOR));
        m.put(ProgType.KPROBE, new Row(a -> CtxAccess.plain(168, false), set(TRACING, new int[] {173}), TestRunKind.NONE));
        m.put(ProgType.TRACEPOINT, new Row(a -> CtxAccess.plain(0xffff, false), set(TRACING), TestRunKind.NONE));
        m.put(ProgType.PERF_EVENT, new Row(a -> CtxAccess.plain(184, false), set(TRACING), TestRunKind.NONE));
        m.put(ProgType.RAW_TRACEPOINT, new Row(args, set(TRACING), TestRunKind.RAW_TP));
        m.put(ProgType.RAW_TRACEPOINT_WRITABLE, new Row(args, set(TRACING), TestRunKind.RAW_TP));
        m.put(ProgType.TRACING, new Row(btfArgs, set(TRACING, new int[] {173}), TestRunKind.TRACING));
        m.put(ProgType.LSM, new Row(btfArgs, set(TRACING, LSM), TestRunKind.NONE));
        m.put(ProgType.SYSCALL, new Row(a -> CtxAccess.SYSCALL, set(TRACING, SYSCALL), TestRunKind.SYSCALL));
        // struct bpf_sock 80, bpf_sock_addr 72, bpf_sock_ops 224, bpf_sockopt 40, bpf_cgroup_dev_ctx 12,
        // bpf_sysctl 8, sk_msg_md 80, bpf_sk_lookup 72, sk_reuseport_md 64, bpf_nf_ctx 16
        m.put(ProgType.CGROUP_SOCK, new Row(a -> CtxAccess.plain(80, true), set(CGROUP_COMMON, CGROUP_CURRENT, CG_SOCK), TestRunKind.NONE));
        m.put(ProgType.CGROUP_SOCK_ADDR, new Row(a -> CtxAccess.plain(72, true), set(CGROUP_COMMON, CGROUP_CURRENT, CG_SOCK_ADDR), TestRunKind.NONE));
        m.put(ProgType.SOCK_OPS, new Row(a -> CtxAccess.plain(224, true), set(CGROUP_COMMON, SOCK_OPS), TestRunKind.NONE));
        m.put(ProgType.CGROUP_SOCKOPT, new Row(a -> CtxAccess.sockopt(a == AttachType.CGROUP_GETSOCKOPT), set(CGROUP_COMMON, CGROUP_CURRENT, CG_SOCKOPT), TestRunKind.NONE));
        m.put(ProgType.CGROUP_DEVICE, new Row(a -> CtxAccess.plain(12, false), set(CGROUP_COMMON, CGROUP_CURRENT), TestRunKind.NONE));
        m.put(ProgType.CGROUP_SYSCTL, new Row(a -> new org.ebpf4j.kernel.sysctl.SysctlCtxAccess(), set(CGROUP_COMMON, CGROUP_CURRENT, CG_SYSCTL), TestRunKind.NONE));
        m.put(ProgType.SK_MSG, new Row(a -> CtxAccess.plain(80, false), set(new int[] {46, 47}), TestRunKind.NONE));
        m.put(ProgType.SK_LOOKUP, new Row(a -> CtxAccess.plain(72, false), set(new int[] {}), TestRunKind.SK_LOOKUP));
        m.put(ProgType.SK_REUSEPORT, new Row(a -> CtxAccess.plain(64, false), set(new int[] {26, 68}), TestRunKind.NONE));
        m.put(ProgType.NETFILTER, new Row(a -> CtxAccess.plain(16, false), set(new int[] {}), TestRunKind.NETFILTER));
        m.put(ProgType.LIRC_MODE2, new Row(a -> CtxAccess.plain(4, false), set(new int[] {}), TestRunKind.NONE));
        m.put(ProgType.STRUCT_OPS, new Row(btfArgs, set(TRACING), TestRunKind.NONE));
        m.put(ProgType.EXT, new Row(btfArgs, set(TRACING), TestRunKind.NONE));
        ROWS = java.util.Collections.unmodifiableMap(m);
    }

    private static BitSet set(int[]... groups) {
        BitSet b = new BitSet(256);
        for (int id : BASE) {
            b.set(id);
        }
        for (int[] g : groups) {
            for (int id : g) {
                b.set(id);
            }
        }
        return b;
    }

    /** The row of {@code type}, or null for UNSPEC and unknown numbers ({@code find_prog_type} → EINVAL). */
    public static Row row(ProgType type) { return type == null ? null : ROWS.get(type); }

    /** Whether {@code get_func_proto} of {@code type} returns a prototype for helper {@code id}. */
    public static boolean allowsHelper(ProgType type, int id) {
        Row r = row(type);
        return r != null && id >= 0 && r.helpers().get(id);
    }

    /** bpf_seq_printf, bpf_seq_write, bpf_sk_storage_get/delete: what an iterator adds to TRACING. */
    private static final BitSet ITER_ONLY = BitSet.valueOf(new long[] {0, (1L << (126 - 64)) | (1L << (127 - 64))
            | (1L << (107 - 64)) | (1L << (108 - 64))});

    /** bpf_get_retval / bpf_set_retval ({@code cgroup_common_func_proto}). */
    static final int BPF_FUNC_get_retval = 186, BPF_FUNC_set_retval = 187;

    /**
     * As {@link #allowsHelper(ProgType, int)}, for a program loaded with {@code eat} (null = 0):
     * {@code cgroup_common_func_proto} (kernel/bpf/cgroup.c) offers bpf_get_retval and
     * bpf_set_retval to the cgroup program types, except when the expected attach type is one
     * whose result is fixed or ignored (INET_INGRESS/EGRESS, SOCK_OPS, *_RECVMSG, *_GETPEERNAME,
     * *_GETSOCKNAME; spec §1.2). Note a CGROUP_DEVICE or CGROUP_SYSCTL program loaded without an
     * expected attach type has 0 = INET_INGRESS, so it cannot call them either, as on Linux.
     */
    public static boolean allowsHelper(ProgType type, AttachType eat, int id) {
        AttachType e = eat == null ? AttachType.CGROUP_INET_INGRESS : eat;
        if (id == BPF_FUNC_get_retval || id == BPF_FUNC_set_retval) {
            return cgroupCommon(type) && retvalHookFor(e);
        }
        if (type == ProgType.TRACING && e == AttachType.TRACE_ITER && ITER_ONLY.get(id)) {
            // tracing_prog_func_proto (kernel/trace/bpf_trace.c): bpf_seq_* for iterators only;
            // bpf_sk_storage_tracing_allowed(): always for BPF_TRACE_ITER
            return true;
        }
        if (type == ProgType.CGROUP_SOCK_ADDR && id == BPF_FUNC_bind) {
            // sock_addr_func_proto: bpf_bind only where the socket is not bound yet (connect)
            return e == AttachType.CGROUP_INET4_CONNECT || e == AttachType.CGROUP_INET6_CONNECT;
        }
        if (type == ProgType.CGROUP_SOCKOPT && (id == BPF_FUNC_setsockopt || id == BPF_FUNC_getsockopt)) {
            // cg_sockopt_func_proto: bpf_sk_setsockopt/getsockopt only from cgroup/setsockopt
            return e == AttachType.CGROUP_SETSOCKOPT;
        }
        return allowsHelper(type, id);
    }

    static final int BPF_FUNC_sk_storage_get = 107, BPF_FUNC_sk_storage_delete = 108;
    static final int BPF_FUNC_get_func_arg = 183, BPF_FUNC_get_func_ret = 184, BPF_FUNC_get_func_arg_cnt = 185;

    /**
     * As {@link #allowsHelper(ProgType, AttachType, int)} for a program with an attach target
     * ({@code aux->attach_func_name}, null if none): {@code tracing_prog_func_proto} offers
     * bpf_sk_storage_get/delete in their tracing variant only where
     * {@code bpf_sk_storage_tracing_allowed} (net/core/bpf_sk_storage.c) says so: tp_btf and iter,
     * and fentry/fexit on a function whose name does not start with "bpf_sk_storage" (a program
     * tracing the storage code must not re-enter it; spec-local-storage §10.1 LS-H10);
     * {@code bpf_lsm_func_proto} offers both to LSM programs.
     */
    public static boolean allowsHelper(ProgType type, AttachType eat, int id, String target) {
        if (id == BPF_FUNC_get_func_arg || id == BPF_FUNC_get_func_ret || id == BPF_FUNC_get_func_arg_cnt) {
            // tracing_prog_func_proto: only where bpf_prog_has_trampoline()
            return AttachBtf.funcTarget(type, eat);
        }
        if (id == BPF_FUNC_sk_storage_get || id == BPF_FUNC_sk_storage_delete) {
            if (type == ProgType.LSM) {
                return true;
            }
            if (type == ProgType.TRACING && eat != null) {
                return switch (eat) {
                    case TRACE_ITER, TRACE_RAW_TP -> true;
                    case TRACE_FENTRY, TRACE_FEXIT -> target != null && !target.startsWith("bpf_sk_storage");
                    default -> false;
                };
            }
        }
        return allowsHelper(type, eat, id);
    }

    static final int BPF_FUNC_bind = 64, BPF_FUNC_setsockopt = 49, BPF_FUNC_getsockopt = 57;

    private static boolean cgroupCommon(ProgType type) {
        return switch (type) {
            case CGROUP_SKB, CGROUP_SOCK, CGROUP_SOCK_ADDR, SOCK_OPS, CGROUP_DEVICE, CGROUP_SYSCTL, CGROUP_SOCKOPT -> true;
            default -> false;
        };
    }

    private static boolean retvalHookFor(AttachType eat) {
        return switch (eat) {
            case CGROUP_INET_INGRESS, CGROUP_INET_EGRESS, CGROUP_SOCK_OPS, CGROUP_UDP4_RECVMSG, CGROUP_UDP6_RECVMSG,
                 CGROUP_UNIX_RECVMSG, CGROUP_INET4_GETPEERNAME, CGROUP_INET6_GETPEERNAME, CGROUP_UNIX_GETPEERNAME,
                 CGROUP_INET4_GETSOCKNAME, CGROUP_INET6_GETSOCKNAME, CGROUP_UNIX_GETSOCKNAME -> false;
            default -> true;
        };
    }

    /** The helpers whose prototype has {@code gpl_only = true}. */
    private static final BitSet GPL_ONLY = gplOnly();

    private static BitSet gplOnly() {
        BitSet b = new BitSet(256);
        // trace_printk, probe_read_*, get_current_task(_btf), snprintf(_btf), probe_write_user, send_signal,
        // perf_event_read, perf_event_output, get_stackid, get_stack, task_pt_regs, trace_vprintk,
        // current_task_under_cgroup, skb/xdp output
        for (int id : new int[] {6, 4, 45, 112, 113, 114, 115, 35, 158, 165, 149, 36, 109, 117, 22, 25, 27, 67, 175,
                                 177, 37, 121}) {
            b.set(id);
        }
        return b;
    }

    /** {@code fn->gpl_only} of helper {@code id}. */
    public static boolean gplOnly(int id) { return id >= 0 && GPL_ONLY.get(id); }

    /** The size of the type's UAPI context struct. */
    public static int ctxSize(ProgType type, AttachType expected) {
        Row r = row(type);
        return r == null ? 0 : r.ctx().apply(expected).ctxSize();
    }

    /** Context bytes to allocate for a run: the UAPI struct plus the kernel side rewritten loads read. */
    public static int ctxAllocSize(ProgType type) {
        return switch (type) {
            case SOCKET_FILTER, SCHED_CLS, SCHED_ACT, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL, SK_SKB,
                 FLOW_DISSECTOR -> SkBuffLayout.ALLOC_SIZE;
            case XDP -> XdpMdLayout.ALLOC_SIZE;
            default -> Math.max(8, ctxSize(type, null));
        };
    }

    /** {@code bpf_prog_load_fixup_attach_type}: the default expected_attach_type for types that have one. */
    public static AttachType fixupAttachType(ProgType type, AttachType given) {
        if (given != null && given.value() != 0) {
            return given;
        }
        return switch (type) {
            case CGROUP_SOCK -> AttachType.CGROUP_INET_SOCK_CREATE;
            case SK_REUSEPORT -> AttachType.SK_REUSEPORT_SELECT;
            default -> given;
        };
    }

    /**
     * {@code bpf_prog_load_check_attach} (kernel/bpf/syscall.c), the part that does not involve
     * BTF ids or target programs: null if {@code expected} suits {@code type}, else why not (EINVAL).
     * {@code expected} null means 0 ({@code BPF_CGROUP_INET_INGRESS}).
     */
    public static String checkAttach(ProgType type, AttachType expected, int raw) {
        int eat = raw;
        AttachType e = expected == null ? (raw == 0 ? AttachType.CGROUP_INET_INGRESS : null) : expected;
        if (e == null) {   // a number Linux 6.18 does not define: fine only where the type does not look
            boolean restricted = switch (type) {
                case CGROUP_SOCK, CGROUP_SOCK_ADDR, CGROUP_SKB, CGROUP_SOCKOPT, SK_LOOKUP, SK_REUSEPORT, NETFILTER,
                     SYSCALL, EXT -> true;
                default -> false;
            };
            return restricted ? "expected_attach_type " + raw + " does not suit program type " + type : null;
        }
        boolean ok = switch (type) {
            case CGROUP_SOCK -> e == AttachType.CGROUP_INET_SOCK_CREATE || e == AttachType.CGROUP_INET_SOCK_RELEASE
                    || e == AttachType.CGROUP_INET4_POST_BIND || e == AttachType.CGROUP_INET6_POST_BIND;
            case CGROUP_SOCK_ADDR -> switch (e) {
                case CGROUP_INET4_BIND, CGROUP_INET6_BIND, CGROUP_INET4_CONNECT, CGROUP_INET6_CONNECT,
                     CGROUP_UNIX_CONNECT, CGROUP_INET4_GETPEERNAME, CGROUP_INET6_GETPEERNAME,
                     CGROUP_UNIX_GETPEERNAME, CGROUP_INET4_GETSOCKNAME, CGROUP_INET6_GETSOCKNAME,
                     CGROUP_UNIX_GETSOCKNAME, CGROUP_UDP4_SENDMSG, CGROUP_UDP6_SENDMSG, CGROUP_UNIX_SENDMSG,
                     CGROUP_UDP4_RECVMSG, CGROUP_UDP6_RECVMSG, CGROUP_UNIX_RECVMSG -> true;
                default -> false;
            };
            case CGROUP_SKB -> e == AttachType.CGROUP_INET_INGRESS || e == AttachType.CGROUP_INET_EGRESS;
            case CGROUP_SOCKOPT -> e == AttachType.CGROUP_SETSOCKOPT || e == AttachType.CGROUP_GETSOCKOPT;
            case SK_LOOKUP -> e == AttachType.SK_LOOKUP;
            case SK_REUSEPORT -> e == AttachType.SK_REUSEPORT_SELECT || e == AttachType.SK_REUSEPORT_SELECT_OR_MIGRATE;
            case NETFILTER -> e == AttachType.NETFILTER;
            case SYSCALL, EXT -> eat == 0;
            default -> true;
        };
        return ok ? null : "expected_attach_type " + (expected == null ? String.valueOf(raw) : expected + " (" + eat + ")")
                + " does not suit program type " + type;
    }
}
