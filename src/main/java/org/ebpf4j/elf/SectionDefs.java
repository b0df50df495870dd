package org.ebpf4j.elf;

import static org.ebpf4j.uapi.AttachType.*;

import java.util.List;
import java.util.Optional;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

/**
 * libbpf's {@code section_defs[]} table ({@code tools/lib/bpf/libbpf.c}): SEC() name → program
 * type, expected attach type and flags. Order matters: the first matching entry wins, exactly as
 * {@code find_sec_def()} scans it.
 *
 * <p>Matching follows {@code sec_def_matches()}: an entry ending in {@code +} matches the bare
 * name or the name followed by {@code /extras}; an entry ending in {@code /} needs the prefix;
 * any other entry must match exactly. A leading {@code ?} (no autoload) is stripped first.
 */
public final class SectionDefs {
    private static final int NONE = 0, ATTACH_BTF = 1, SLEEPABLE = 2, XDP_FRAGS = 4;

    private record Def(String sec, ProgType type, AttachType attach, int flags) {
        boolean matches(String name) {
            int len = sec.length();
            char last = sec.charAt(len - 1);
            if (last == '/') {
                return name.startsWith(sec);
            }
            if (last == '+') {
                String pfx = sec.substring(0, len - 1);
                return name.startsWith(pfx) && (name.length() == pfx.length() || name.charAt(pfx.length()) == '/');
            }
            return name.equals(sec);
        }
    }

    private static Def d(String sec, ProgType type, AttachType attach, int flags) {
        return new Def(sec, type, attach, flags);
    }

    private static final List<Def> DEFS = List.of(
            d("socket", ProgType.SOCKET_FILTER, null, NONE),
            d("sk_reuseport/migrate", ProgType.SK_REUSEPORT, SK_REUSEPORT_SELECT_OR_MIGRATE, NONE),
            d("sk_reuseport", ProgType.SK_REUSEPORT, SK_REUSEPORT_SELECT, NONE),
            d("kprobe+", ProgType.KPROBE, null, NONE),
            d("uprobe+", ProgType.KPROBE, null, NONE),
            d("uprobe.s+", ProgType.KPROBE, null, SLEEPABLE),
            d("kretprobe+", ProgType.KPROBE, null, NONE),
            d("uretprobe+", ProgType.KPROBE, null, NONE),
            d("uretprobe.s+", ProgType.KPROBE, null, SLEEPABLE),
            d("kprobe.multi+", ProgType.KPROBE, TRACE_KPROBE_MULTI, NONE),
            d("kretprobe.multi+", ProgType.KPROBE, TRACE_KPROBE_MULTI, NONE),
            d("kprobe.session+", ProgType.KPROBE, TRACE_KPROBE_SESSION, NONE),
            d("uprobe.multi+", ProgType.KPROBE, TRACE_UPROBE_MULTI, NONE),
            d("uretprobe.multi+", ProgType.KPROBE, TRACE_UPROBE_MULTI, NONE),
            d("uprobe.session+", ProgType.KPROBE, TRACE_UPROBE_SESSION, NONE),
            d("uprobe.multi.s+", ProgType.KPROBE, TRACE_UPROBE_MULTI, SLEEPABLE),
            d("uretprobe.multi.s+", ProgType.KPROBE, TRACE_UPROBE_MULTI, SLEEPABLE),
            d("uprobe.session.s+", ProgType.KPROBE, TRACE_UPROBE_SESSION, SLEEPABLE),
            d("ksyscall+", ProgType.KPROBE, null, NONE),
            d("kretsyscall+", ProgType.KPROBE, null, NONE),
            d("usdt+", ProgType.KPROBE, null, NONE),
            d("usdt.s+", ProgType.KPROBE, null, SLEEPABLE),
            d("tc/ingress", ProgType.SCHED_CLS, TCX_INGRESS, NONE),
            d("tc/egress", ProgType.SCHED_CLS, TCX_EGRESS, NONE),
            d("tcx/ingress", ProgType.SCHED_CLS, TCX_INGRESS, NONE),
            d("tcx/egress", ProgType.SCHED_CLS, TCX_EGRESS, NONE),
            d("tc", ProgType.SCHED_CLS, null, NONE),
            d("classifier", ProgType.SCHED_CLS, null, NONE),
            d("action", ProgType.SCHED_ACT, null, NONE),
            d("netkit/primary", ProgType.SCHED_CLS, NETKIT_PRIMARY, NONE),
            d("netkit/peer", ProgType.SCHED_CLS, NETKIT_PEER, NONE),
            d("tracepoint+", ProgType.TRACEPOINT, null, NONE),
            d("tp+", ProgType.TRACEPOINT, null, NONE),
            d("raw_tracepoint+", ProgType.RAW_TRACEPOINT, null, NONE),
            d("raw_tp+", ProgType.RAW_TRACEPOINT, null, NONE),
            d("raw_tracepoint.w+", ProgType.RAW_TRACEPOINT_WRITABLE, null, NONE),
            d("raw_tp.w+", ProgType.RAW_TRACEPOINT_WRITABLE, null, NONE),
            d("tp_btf+", ProgType.TRACING, TRACE_RAW_TP, ATTACH_BTF),
            d("fentry+", ProgType.TRACING, TRACE_FENTRY, ATTACH_BTF),
            d("fmod_ret+", ProgType.TRACING, MODIFY_RETURN, ATTACH_BTF),
            d("fexit+", ProgType.TRACING, TRACE_FEXIT, ATTACH_BTF),
            d("fentry.s+", ProgType.TRACING, TRACE_FENTRY, ATTACH_BTF | SLEEPABLE),
            d("fmod_ret.s+", ProgType.TRACING, MODIFY_RETURN, ATTACH_BTF | SLEEPABLE),
            d("fexit.s+", ProgType.TRACING, TRACE_FEXIT, ATTACH_BTF | SLEEPABLE),
            d("freplace+", ProgType.EXT, null, ATTACH_BTF),
            d("lsm+", ProgType.LSM, LSM_MAC, ATTACH_BTF),
            d("lsm.s+", ProgType.LSM, LSM_MAC, ATTACH_BTF | SLEEPABLE),
            d("lsm_cgroup+", ProgType.LSM, LSM_CGROUP, ATTACH_BTF),
            d("iter+", ProgType.TRACING, TRACE_ITER, ATTACH_BTF),
            d("iter.s+", ProgType.TRACING, TRACE_ITER, ATTACH_BTF | SLEEPABLE),
            d("syscall", ProgType.SYSCALL, null, SLEEPABLE),
            d("xdp.frags/devmap", ProgType.XDP, XDP_DEVMAP, XDP_FRAGS),
            d("xdp/devmap", ProgType.XDP, XDP_DEVMAP, NONE),
            d("xdp.frags/cpumap", ProgType.XDP, XDP_CPUMAP, XDP_FRAGS),
            d("xdp/cpumap", ProgType.XDP, XDP_CPUMAP, NONE),
            d("xdp.frags", ProgType.XDP, AttachType.XDP, XDP_FRAGS),
            d("xdp", ProgType.XDP, AttachType.XDP, NONE),
            d("perf_event", ProgType.PERF_EVENT, null, NONE),
            d("lwt_in", ProgType.LWT_IN, null, NONE),
            d("lwt_out", ProgType.LWT_OUT, null, NONE),
            d("lwt_xmit", ProgType.LWT_XMIT, null, NONE),
            d("lwt_seg6local", ProgType.LWT_SEG6LOCAL, null, NONE),
            d("sockops", ProgType.SOCK_OPS, CGROUP_SOCK_OPS, NONE),
            d("sk_skb/stream_parser", ProgType.SK_SKB, SK_SKB_STREAM_PARSER, NONE),
            d("sk_skb/stream_verdict", ProgType.SK_SKB, SK_SKB_STREAM_VERDICT, NONE),
            d("sk_skb/verdict", ProgType.SK_SKB, SK_SKB_VERDICT, NONE),
            d("sk_skb", ProgType.SK_SKB, null, NONE),
            d("sk_msg", ProgType.SK_MSG, SK_MSG_VERDICT, NONE),
            d("lirc_mode2", ProgType.LIRC_MODE2, AttachType.LIRC_MODE2, NONE),
            d("flow_dissector", ProgType.FLOW_DISSECTOR, AttachType.FLOW_DISSECTOR, NONE),
            d("cgroup_skb/ingress", ProgType.CGROUP_SKB, CGROUP_INET_INGRESS, NONE),
            d("cgroup_skb/egress", ProgType.CGROUP_SKB, CGROUP_INET_EGRESS, NONE),
            d("cgroup/skb", ProgType.CGROUP_SKB, null, NONE),
            d("cgroup/sock_create", ProgType.CGROUP_SOCK, CGROUP_INET_SOCK_CREATE, NONE),
            d("cgroup/sock_release", ProgType.CGROUP_SOCK, CGROUP_INET_SOCK_RELEASE, NONE),
            d("cgroup/sock", ProgType.CGROUP_SOCK, CGROUP_INET_SOCK_CREATE, NONE),
            d("cgroup/post_bind4", ProgType.CGROUP_SOCK, CGROUP_INET4_POST_BIND, NONE),
            d("cgroup/post_bind6", ProgType.CGROUP_SOCK, CGROUP_INET6_POST_BIND, NONE),
            d("cgroup/bind4", ProgType.CGROUP_SOCK_ADDR, CGROUP_INET4_BIND, NONE),
            d("cgroup/bind6", ProgType.CGROUP_SOCK_ADDR, CGROUP_INET6_BIND, NONE),
            d("cgroup/connect4", ProgType.CGROUP_SOCK_ADDR, CGROUP_INET4_CONNECT, NONE),
            d("cgroup/connect6", ProgType.CGROUP_SOCK_ADDR, CGROUP_INET6_CONNECT, NONE),
            d("cgroup/connect_unix", ProgType.CGROUP_SOCK_ADDR, CGROUP_UNIX_CONNECT, NONE),
            d("cgroup/sendmsg4", ProgType.CGROUP_SOCK_ADDR, CGROUP_UDP4_SENDMSG, NONE),
            d("cgroup/sendmsg6", ProgType.CGROUP_SOCK_ADDR, CGROUP_UDP6_SENDMSG, NONE),
            d("cgroup/sendmsg_unix", ProgType.CGROUP_SOCK_ADDR, CGROUP_UNIX_SENDMSG, NONE),
            d("cgroup/recvmsg4", ProgType.CGROUP_SOCK_ADDR, CGROUP_UDP4_RECVMSG, NONE),
            d("cgroup/recvmsg6", ProgType.CGROUP_SOCK_ADDR, CGROUP_UDP6_RECVMSG, NONE),
            d("cgroup/recvmsg_unix", ProgType.CGROUP_SOCK_ADDR, CGROUP_UNIX_RECVMSG, NONE),
            d("cgroup/getpeername4", ProgType.CGROUP_SOCK_ADDR, CGROUP_INET4_GETPEERNAME, NONE),
            d("cgroup/getpeername6", ProgType.CGROUP_SOCK_ADDR, CGROUP_INET6_GETPEERNAME, NONE),
            d("cgroup/getpeername_unix", ProgType.CGROUP_SOCK_ADDR, CGROUP_UNIX_GETPEERNAME, NONE),
            d("cgroup/getsockname4", ProgType.CGROUP_SOCK_ADDR, CGROUP_INET4_GETSOCKNAME, NONE),
            d("cgroup/getsockname6", ProgType.CGROUP_SOCK_ADDR, CGROUP_INET6_GETSOCKNAME, NONE),
            d("cgroup/getsockname_unix", ProgType.CGROUP_SOCK_ADDR, CGROUP_UNIX_GETSOCKNAME, NONE),
            d("cgroup/sysctl", ProgType.CGROUP_SYSCTL, CGROUP_SYSCTL, NONE),
            d("cgroup/getsockopt", ProgType.CGROUP_SOCKOPT, CGROUP_GETSOCKOPT, NONE),
            d("cgroup/setsockopt", ProgType.CGROUP_SOCKOPT, CGROUP_SETSOCKOPT, NONE),
            d("cgroup/dev", ProgType.CGROUP_DEVICE, CGROUP_DEVICE, NONE),
            d("struct_ops+", ProgType.STRUCT_OPS, null, NONE),
            d("struct_ops.s+", ProgType.STRUCT_OPS, null, SLEEPABLE),
            d("sk_lookup", ProgType.SK_LOOKUP, SK_LOOKUP, NONE),
            d("netfilter", ProgType.NETFILTER, NETFILTER, NONE));

    private SectionDefs() {}

    /**
     * The kind of program a section name declares, or empty if libbpf's table has no entry
     * (libbpf then fails at load with "missing BPF prog type, check ELF section name").
     */
    public static Optional<ProgramKind> find(String secName) {
        boolean autoload = true;
        String name = secName;
        if (name.startsWith("?")) {
            autoload = false;
            name = name.substring(1);
        }
        for (Def def : DEFS) {
            if (def.matches(name)) {
                String pfx = def.sec.endsWith("+") || def.sec.endsWith("/")
                        ? def.sec.substring(0, def.sec.length() - 1) : def.sec;
                String target = name.length() > pfx.length() + 1 && name.startsWith(pfx + "/")
                        ? name.substring(pfx.length() + 1) : "";
                return Optional.of(new ProgramKind(def.type, def.attach, target, (def.flags & ATTACH_BTF) != 0,
                        (def.flags & SLEEPABLE) != 0, (def.flags & XDP_FRAGS) != 0, autoload));
            }
        }
        return Optional.empty();
    }
}
