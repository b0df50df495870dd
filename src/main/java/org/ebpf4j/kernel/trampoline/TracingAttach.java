package org.ebpf4j.kernel.trampoline;

import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.AttachBtf;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;

/**
 * {@code bpf_tracing_prog_attach} (kernel/bpf/syscall.c), reached from BPF_RAW_TRACEPOINT_OPEN
 * with a NULL name and from BPF_LINK_CREATE, in the kernel's check order: the program's type and
 * expected attach type (EINVAL), {@code target_fd} and {@code target_btf_id} together or not at
 * all (EINVAL; a target program, i.e. freplace / fentry on BPF, is not modelled: EINVAL), the
 * trampoline of the program's own target, then {@code bpf_trampoline_link_prog} (E2BIG, EBUSY),
 * prime, settle, fd. A program may be attached again once its link is gone (the kernel re-derives
 * the trampoline from {@code attach_btf_id}).
 */
public final class TracingAttach {
    private TracingAttach() {}

    /** Whether {@code prog} attaches through a trampoline (fentry/fexit/fmod_ret/lsm). */
    public static boolean viaTrampoline(BpfProg prog) {
        return AttachBtf.funcTarget(prog.progType(), prog.expectedAttachType());
    }

    /**
     * Attaches {@code prog}, whose reference the caller gives (put on failure); returns the link
     * fd installed in {@code task}'s table.
     */
    public static int attach(Runtime rt, Task task, BpfProg prog, int targetFd, int targetBtfId, long cookie, String cmd) {
        TracingLink link;
        try {
            AttachType eat = prog.expectedAttachType();
            boolean ok = switch (prog.progType()) {
                case TRACING -> eat == AttachType.TRACE_FENTRY || eat == AttachType.TRACE_FEXIT || eat == AttachType.MODIFY_RETURN;
                case LSM -> eat == AttachType.LSM_MAC;
                default -> false;
            };
            if (!ok) {
                throw new BpfException(Errno.EINVAL, prog.describe() + " (" + prog.progType() + ", " + eat
                        + ") does not attach through a trampoline");
            }
            if ((targetFd != 0) != (targetBtfId != 0)) {
                throw new BpfException(Errno.EINVAL, "target_fd " + targetFd + " and target_btf_id " + targetBtfId
                        + " must be given together");
            }
            if (targetFd != 0) {
                throw new BpfException(Errno.EINVAL, "target_fd " + targetFd + ": attaching to another BPF program "
                        + "(freplace, fentry on BPF) is not modelled");
            }
            AttachBtf target = prog.attachBtf();
            if (target == null || !target.func()) {
                throw new BpfException(Errno.EINVAL, prog.describe() + " was loaded without an attach target");
            }
            Trampoline tr = rt.trampolines().get(target.btfId());
            link = new TracingLink(rt, tr, prog, cookie, task.origin(cmd));
            prog = null;   // the link owns it now
            link.primeId();
            int err = tr.link(link, kind(link.prog(), target));
            if (err != 0) {
                link.put();   // not linked: the release finds nothing to unlink and puts the program
                throw new BpfException(Errno.of(-err), err == Errno.EBUSY.negative()
                        ? link.prog().describe() + " is already attached to " + tr.name()
                        : tr.name() + " already has " + Trampoline.BPF_MAX_TRAMP_LINKS + " programs (BPF_MAX_TRAMP_LINKS)");
            }
            link.settleLink();
        } catch (BpfException e) {
            if (prog != null) {
                prog.put();
            }
            throw e;
        }
        return link.installFd(task);
    }

    /**
     * {@code bpf_attach_type_to_tramp}: fentry, fexit, fmod_ret by attach type; an LSM program is
     * fmod_ret on a hook returning int and fexit on a void hook.
     */
    static Trampoline.Kind kind(BpfProg prog, AttachBtf target) {
        return switch (prog.expectedAttachType()) {
            case TRACE_FENTRY -> Trampoline.Kind.FENTRY;
            case TRACE_FEXIT -> Trampoline.Kind.FEXIT;
            case MODIFY_RETURN -> Trampoline.Kind.MODIFY_RETURN;
            default -> prog.progType() == ProgType.LSM && !target.retVoid() ? Trampoline.Kind.MODIFY_RETURN : Trampoline.Kind.FEXIT;
        };
    }
}
