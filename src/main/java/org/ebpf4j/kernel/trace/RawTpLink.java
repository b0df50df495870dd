package org.ebpf4j.kernel.trace;

import org.ebpf4j.kernel.LinkObject;
import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.uapi.LinkType;

/**
 * {@code struct bpf_raw_tp_link} (kernel/bpf/syscall.c): a program attached to a raw tracepoint,
 * made by BPF_RAW_TRACEPOINT_OPEN or BPF_LINK_CREATE(BPF_TRACE_RAW_TP). Holds the program's
 * reference. Its last reference ({@link #destroy()} = {@code bpf_raw_tp_link_release} +
 * dealloc) unregisters it from the tracepoint, then puts the program after a grace period
 * ({@code bpf_probe_unregister} waits for running probes with
 * {@code tracepoint_synchronize_unregister}).
 */
public final class RawTpLink extends LinkObject {
    private final Runtime runtime;
    private final RawTracepoint tp;
    private final BpfProg prog;
    private final long cookie;

    RawTpLink(Runtime runtime, RawTracepoint tp, BpfProg prog, long cookie, String origin) {
        super(origin);
        this.runtime = runtime;
        this.tp = tp;
        this.prog = prog;
        this.cookie = cookie;
    }

    int primeId() { return prime(runtime); }

    void settleLink() { settle(); }

    public BpfProg prog() { return prog; }

    public RawTracepoint tracepoint() { return tp; }

    /** {@code raw_tracepoint.cookie} / {@code link_create.tracing.cookie}. */
    public long cookie() { return cookie; }

    /** {@code bpf_raw_tp_link_fill_link_info}. */
    @Override
    public ObjInfo info() { return new RawTpLinkInfo(LinkType.RAW_TRACEPOINT.value(), id(), prog.id(), tp.name()); }

    /** The /proc/PID/fdinfo lines ({@code bpf_link_show_fdinfo} + {@code bpf_raw_tp_link_show_fdinfo}). */
    public String fdinfo() {
        return "link_type:\traw_tracepoint\n"
                + "link_id:\t" + id() + "\n"
                + "prog_tag:\t" + prog.tagHex() + "\n"
                + "prog_id:\t" + prog.id() + "\n"
                + "tp_name:\t" + tp.name() + "\n";
    }

    @Override
    protected void destroy() {
        tp.remove(this);
        runtime.rcu().callAfterGracePeriod(prog::put);
    }

    @Override
    public String describe() { return "raw_tracepoint link id " + id() + " " + tp.name() + " prog " + prog.id(); }
}
