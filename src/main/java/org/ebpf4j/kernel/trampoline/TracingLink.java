package org.ebpf4j.kernel.trampoline;

import org.ebpf4j.kernel.LinkObject;
import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.uapi.LinkType;

/**
 * {@code struct bpf_tracing_link} (kernel/bpf/syscall.c): a fentry / fexit / fmod_ret / LSM
 * program linked into its function's {@link Trampoline}. Holds the program's reference; its last
 * reference ({@code bpf_tracing_link_release} + dealloc) unlinks it from the trampoline, then
 * puts the program after a grace period (a call already running the program finishes first).
 * LSM programs make links of this type too (BPF_LINK_TYPE_TRACING, attach_type BPF_LSM_MAC).
 */
public final class TracingLink extends LinkObject {
    /** {@code btf_obj_id(btf_vmlinux)}: vmlinux's BTF object is the first one the kernel registers. */
    public static final int VMLINUX_BTF_OBJ_ID = 1;

    private final Runtime runtime;
    private final Trampoline tr;
    private final BpfProg prog;
    private final long cookie;

    TracingLink(Runtime runtime, Trampoline tr, BpfProg prog, long cookie, String origin) {
        super(origin);
        this.runtime = runtime;
        this.tr = tr;
        this.prog = prog;
        this.cookie = cookie;
    }

    int primeId() { return prime(runtime); }

    void settleLink() { settle(); }

    public BpfProg prog() { return prog; }

    public Trampoline trampoline() { return tr; }

    /** {@code link_create.tracing.cookie}. */
    public long cookie() { return cookie; }

    private int attachType() { return prog.expectedAttachType() == null ? 0 : prog.expectedAttachType().value(); }

    @Override
    public ObjInfo info() {
        return new TracingLinkInfo(LinkType.TRACING.value(), id(), prog.id(), attachType(), VMLINUX_BTF_OBJ_ID,
                tr.btfId(), cookie);
    }

    /** The /proc/PID/fdinfo lines ({@code bpf_link_show_fdinfo} + {@code bpf_tracing_link_show_fdinfo}). */
    public String fdinfo() {
        return "link_type:\ttracing\n"
                + "link_id:\t" + id() + "\n"
                + "prog_tag:\t" + prog.tagHex() + "\n"
                + "prog_id:\t" + prog.id() + "\n"
                + "attach_type:\t" + attachType() + "\n"
                + "target_obj_id:\t" + VMLINUX_BTF_OBJ_ID + "\n"
                + "target_btf_id:\t" + tr.btfId() + "\n"
                + "cookie:\t" + Long.toUnsignedString(cookie) + "\n";
    }

    @Override
    protected void destroy() {
        tr.unlink(this);
        runtime.rcu().callAfterGracePeriod(prog::put);
    }

    @Override
    public String describe() { return "tracing link id " + id() + " " + tr.name() + " prog " + prog.id(); }
}
