package org.ebpf4j.kernel.trace;

import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.kernel.trampoline.TracingAttach;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;

/**
 * Attaching tracing programs to raw tracepoints: BPF_RAW_TRACEPOINT_OPEN
 * ({@code bpf_raw_tracepoint_open}) and BPF_LINK_CREATE with BPF_TRACE_RAW_TP, both ending in
 * {@code bpf_raw_tp_link_attach} (kernel/bpf/syscall.c), whose check order this follows:
 * program fd (EBADF / EINVAL), program type and name (EINVAL; a NULL name for raw_tp EFAULT),
 * the tracepoint (ENOENT), the context the program reads against the tracepoint's arguments
 * ({@code bpf_probe_register}: EINVAL), then prime, register, settle, fd.
 *
 * <p>fentry/fexit/fmod_ret and LSM programs go on to {@code bpf_tracing_prog_attach}
 * ({@link TracingAttach}); freplace is not modelled.
 */
public final class TraceAttachCommands {
    /** {@code BPF_OBJ_NAME_LEN}-sized buffer of bpf_raw_tp_link_attach: names are cut at 127 bytes. */
    static final int TP_NAME_MAX = 127;

    private final Runtime rt;

    public TraceAttachCommands(Runtime rt) { this.rt = rt; }

    /** Whether LINK_CREATE of a program of this type is this class's business. */
    public static boolean handles(ProgType type) {
        return type == ProgType.TRACING || type == ProgType.LSM || type == ProgType.RAW_TRACEPOINT
                || type == ProgType.RAW_TRACEPOINT_WRITABLE;
    }

    /** BPF_RAW_TRACEPOINT_OPEN: a link fd. */
    public int rawTracepointOpen(Task task, RawTracepointOpenAttr a) {
        task.syscall(SyscallNr.BPF, 17, 0, 0);
        org.ebpf4j.kernel.trampoline.Lsm.check(rt.lsm().bpf(task, 17), "bpf(BPF_RAW_TRACEPOINT_OPEN) (bpf_lsm_bpf)");
        BpfProg prog = progGet(task, a.progFd());
        return attach(task, prog, a.name(), a.cookie(), true);
    }

    /** BPF_LINK_CREATE for TRACING / RAW_TRACEPOINT programs (the caller checked {@link #handles}). */
    public int linkCreate(Task task, Attrs.LinkCreate a) {
        BpfProg prog = progGet(task, a.progFd());
        try {
            AttachType at = AttachType.of(a.attachType());
            AttachType eat = prog.expectedAttachType();
            if (prog.progType() == ProgType.TRACING || prog.progType() == ProgType.LSM) {
                // bpf_prog_attach_check_attach_type: tracing programs attach where they were loaded for
                if (at != eat || eat == null) {
                    throw new BpfException(Errno.EINVAL, "attach_type " + a.attachType() + " differs from the program's "
                            + "expected_attach_type " + eat);
                }
                if (TracingAttach.viaTrampoline(prog)) {
                    BpfProg p = prog;
                    prog = null;   // bpf_tracing_prog_attach owns the reference
                    return TracingAttach.attach(rt, task, p, a.targetFd(), a.targetBtfId(), a.cookie(), "BPF_LINK_CREATE");
                }
                if (at != AttachType.TRACE_RAW_TP) {
                    throw new BpfException(Errno.ENOTSUPP, "attaching a " + at + " program is not modelled "
                            + "(BPF_TRACE_RAW_TP, fentry/fexit/fmod_ret and lsm are)");
                }
            } else if (at != AttachType.TRACE_RAW_TP) {
                throw new BpfException(Errno.EINVAL, "attach_type " + a.attachType() + " is not BPF_TRACE_RAW_TP for "
                        + prog.progType());
            } else {
                // link_create of a raw_tp program passes no name (raw_tp programs name it at attach)
                throw new BpfException(Errno.EINVAL, "a " + prog.progType() + " program needs BPF_RAW_TRACEPOINT_OPEN with a name");
            }
            if (a.flags() != 0) {
                throw new BpfException(Errno.EINVAL, "link_create.flags 0x" + Integer.toHexString(a.flags())
                        + " for a raw tracepoint link");
            }
        } catch (BpfException e) {
            if (prog != null) {
                prog.put();
            }
            throw e;
        }
        return attach(task, prog, null, 0, false);
    }

    /** {@code bpf_raw_tp_link_attach}: owns {@code prog}'s reference (put on failure). */
    private int attach(Task task, BpfProg prog, String userName, long cookie, boolean open) {
        RawTpLink link;
        try {
            String tpName;
            switch (prog.progType()) {
                case TRACING, EXT, LSM -> {
                    if (userName != null) {
                        throw new BpfException(Errno.EINVAL, "raw_tracepoint.name must be NULL for " + prog.progType()
                                + " programs: their target comes from attach_btf_id at load");
                    }
                    if (TracingAttach.viaTrampoline(prog)) {
                        BpfProg p = prog;
                        prog = null;   // bpf_tracing_prog_attach owns the reference
                        return TracingAttach.attach(rt, task, p, 0, 0, 0, open ? "BPF_RAW_TRACEPOINT_OPEN" : "BPF_LINK_CREATE");
                    }
                    if (prog.progType() != ProgType.TRACING || prog.expectedAttachType() != AttachType.TRACE_RAW_TP) {
                        throw new BpfException(Errno.ENOTSUPP, "attaching a " + prog.progType() + " program with "
                                + "expected_attach_type " + prog.expectedAttachType() + " (fentry/fexit/LSM/freplace) is not modelled");
                    }
                    tpName = prog.attachFuncName();
                }
                case RAW_TRACEPOINT, RAW_TRACEPOINT_WRITABLE -> {
                    if (userName == null) {
                        throw new BpfException(Errno.EFAULT, "raw_tracepoint.name: bad pointer (NULL)");
                    }
                    tpName = userName.length() > TP_NAME_MAX ? userName.substring(0, TP_NAME_MAX) : userName;
                }
                default -> throw new BpfException(Errno.EINVAL, "a " + prog.progType() + " program cannot attach to a raw tracepoint");
            }
            RawTracepoint tp = rt.tracepoints().get(tpName);
            if (tp == null) {
                throw new BpfException(Errno.ENOENT, "no raw tracepoint '" + tpName + "' (ebpf4j models "
                        + Tracepoints.SYS_ENTER + ")");
            }
            if (prog.maxCtxOffset() > tp.nargs() * 8) {
                throw new BpfException(Errno.EINVAL, prog.describe() + " reads context up to byte " + prog.maxCtxOffset()
                        + " but " + tpName + " passes " + tp.nargs() + " arguments");
            }
            link = new RawTpLink(rt, tp, prog, cookie, task.origin(open ? "BPF_RAW_TRACEPOINT_OPEN" : "BPF_LINK_CREATE"));
            prog = null;   // the link owns it now
            link.primeId();
            tp.add(link);
            link.settleLink();
        } catch (BpfException e) {
            if (prog != null) {
                prog.put();
            }
            throw e;
        }
        return link.installFd(task);
    }

    /** {@code bpf_prog_get}: EBADF for no fd, EINVAL for an fd that is not a program. A reference for the caller. */
    private static BpfProg progGet(Task task, int fd) {
        File f = task.fds().get(fd);
        if (!(f instanceof File.ProgFile pf)) {
            throw new BpfException(Errno.EINVAL, "prog_fd " + fd + " is a " + f.what() + " fd, not a program");
        }
        ProgObject po = pf.prog();
        if (!(po instanceof BpfProg bp)) {
            throw new BpfException(Errno.EINVAL, "prog_fd " + fd + ": " + po.describe() + " cannot attach to a tracepoint");
        }
        if (!po.tryInc()) {
            throw new BpfException(Errno.EBADF, "prog_fd " + fd + " was closed");
        }
        return bp;
    }
}
