package org.ebpf4j.kernel.trampoline;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.kernel.prog.TestRunAttr;
import org.ebpf4j.kernel.trace.RawTracepointOpenAttr;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.LinkType;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * fentry / fexit / fmod_ret / LSM programs at the bpf(2) level: the load-time target checks of
 * {@code bpf_check_attach_target} / {@code bpf_lsm_verify_prog} / {@code btf_ctx_access} /
 * {@code check_return_code} (kernel/bpf/verifier.c, btf.c, bpf_lsm.c), and
 * {@code bpf_tracing_prog_attach} (kernel/bpf/syscall.c) with {@code __bpf_trampoline_link_prog}
 * (kernel/bpf/trampoline.c): link type, info, fdinfo, E2BIG at BPF_MAX_TRAMP_LINKS, EBUSY for a
 * program attached twice, detach on the last close.
 */
class TrampolineAttachTest {
    final Runtime rt = Runtime.builder().arenaSize(16L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("t", 0, 0);

    @AfterEach
    void close() { rt.close(); }

    int btfId(String name) { return rt.kernelBtf().idsByName(name).get(0); }

    static final List<Insn> RET0 = Asm.program().mov64(Reg.R0, 0).exit().build();

    int load(ProgType type, AttachType eat, int attachBtfId, List<Insn> insns, String license) {
        return bpf.progLoad(task, new ProgLoadAttr(type.value(), insns, license, 0, null, 0, 0, 0, "tr", 0,
                eat.value(), 0, attachBtfId, 0, null));
    }

    int load(ProgType type, AttachType eat, String func, List<Insn> insns) {
        return load(type, eat, btfId(func), insns, "GPL");
    }

    Errno loadErr(ProgType type, AttachType eat, int id, List<Insn> insns, String license, String words) {
        BpfException e = assertThrows(BpfException.class, () -> load(type, eat, id, insns, license));
        if (words != null) {
            assertTrue(e.getMessage().contains(words), e.getMessage());
        }
        return e.errno();
    }

    @Test
    void loadChecksTheTarget() {
        ProgType tr = ProgType.TRACING;
        assertEquals(Errno.EINVAL, loadErr(tr, AttachType.TRACE_FENTRY, 0, RET0, "GPL", "must provide btf_id"));
        assertEquals(Errno.EINVAL, loadErr(tr, AttachType.TRACE_FENTRY, btfId("task_struct"), RET0, "GPL", "is not a function"));
        assertEquals(Errno.EINVAL, loadErr(tr, AttachType.TRACE_FEXIT, 1 << 20, RET0, "GPL", "is invalid"));
        // check_attach_modify_return: only error-injectable or security_* functions
        assertEquals(Errno.EINVAL, loadErr(tr, AttachType.MODIFY_RETURN, btfId("bpf_fentry_test1"), RET0, "GPL",
                "bpf_fentry_test1() is not modifiable"));
        assertTrue(load(tr, AttachType.MODIFY_RETURN, "bpf_modify_return_test", RET0) > 0);
        // bpf_lsm_verify_prog: a bpf_lsm_ hook, GPL
        assertEquals(Errno.EINVAL, loadErr(ProgType.LSM, AttachType.LSM_MAC, btfId("bpf_fentry_test1"), RET0, "GPL",
                "points to wrong type name bpf_fentry_test1"));
        assertEquals(Errno.EINVAL, loadErr(ProgType.LSM, AttachType.LSM_MAC, btfId("bpf_lsm_socket_bind"), RET0, "Proprietary",
                null));
        assertTrue(load(ProgType.LSM, AttachType.LSM_MAC, "bpf_lsm_socket_bind", RET0) > 0);
        // sleepable fentry only on an error-injectable function
        BpfException sleepable = assertThrows(BpfException.class, () -> bpf.progLoad(task, new ProgLoadAttr(tr.value(), RET0,
                "GPL", 0, null, 0, 0, 1 << 4, "s", 0, AttachType.TRACE_FENTRY.value(), 0, btfId("bpf_fentry_test1"), 0, null)));
        assertEquals(Errno.EINVAL, sleepable.errno());
        assertTrue(sleepable.getMessage().contains("is not sleepable"), sleepable.getMessage());
    }

    @Test
    void contextAndReturnRanges() {
        // bpf_fentry_test1(int a): fentry sees one slot; fexit also the return value after it
        List<Insn> readSecond = Asm.program().ldx(Size.DW, Reg.R2, Reg.R1, 8).mov64(Reg.R0, 0).exit().build();
        assertEquals(Errno.EACCES, assertThrows(BpfException.class,
                () -> load(ProgType.TRACING, AttachType.TRACE_FENTRY, "bpf_fentry_test1", readSecond)).errno());
        assertTrue(load(ProgType.TRACING, AttachType.TRACE_FEXIT, "bpf_fentry_test1", readSecond) > 0);
        List<Insn> write = Asm.program().mov64(Reg.R2, 1).stx(Size.DW, Reg.R1, 0, Reg.R2).mov64(Reg.R0, 0).exit().build();
        assertEquals(Errno.EACCES, assertThrows(BpfException.class,
                () -> load(ProgType.TRACING, AttachType.TRACE_FENTRY, "bpf_fentry_test1", write)).errno(), "read only");
        // check_return_code: fentry/fexit return 0; lsm 0 or -errno; fmod_ret anything
        List<Insn> ret1 = Asm.program().mov64(Reg.R0, 1).exit().build();
        List<Insn> retEperm = Asm.program().mov64(Reg.R0, -1).exit().build();
        assertEquals(Errno.EINVAL, assertThrows(BpfException.class,
                () -> load(ProgType.TRACING, AttachType.TRACE_FENTRY, "bpf_fentry_test1", ret1)).errno());
        assertEquals(Errno.EINVAL, assertThrows(BpfException.class,
                () -> load(ProgType.LSM, AttachType.LSM_MAC, "bpf_lsm_bpf", ret1)).errno());
        assertTrue(load(ProgType.LSM, AttachType.LSM_MAC, "bpf_lsm_bpf", retEperm) > 0);
        assertTrue(load(ProgType.TRACING, AttachType.MODIFY_RETURN, "bpf_modify_return_test", ret1) > 0);
    }

    @Test
    void linkInfoFdinfoAndDetachOnClose() {
        int id = btfId("bpf_fentry_test1");
        int prog = load(ProgType.TRACING, AttachType.TRACE_FENTRY, "bpf_fentry_test1", RET0);
        assertEquals(Errno.EINVAL, assertThrows(BpfException.class,
                () -> bpf.linkCreate(task, Attrs.LinkCreate.of(prog, 0, AttachType.TRACE_FEXIT.value()))).errno(),
                "attach_type must be the expected one");
        assertEquals(Errno.EINVAL, assertThrows(BpfException.class,
                () -> bpf.linkCreate(task, new Attrs.LinkCreate(prog, 0, AttachType.TRACE_FENTRY.value(), 0, 0, 0, id, 0))).errno(),
                "target_btf_id without target_fd");
        assertEquals(Errno.EINVAL, assertThrows(BpfException.class,
                () -> bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of("bpf_fentry_test1", prog))).errno(),
                "fentry programs pass no name");
        Trampoline tr = rt.trampolines().get(id);
        assertTrue(tr.idle());
        int link = bpf.linkCreate(task, new Attrs.LinkCreate(prog, 0, AttachType.TRACE_FENTRY.value(), 0, 0, 0, 0, 42));
        assertEquals(1, tr.attached());
        TracingLinkInfo info = (TracingLinkInfo) bpf.objGetInfoByFd(task, link);
        assertEquals(LinkType.TRACING.value(), info.type());
        assertEquals(AttachType.TRACE_FENTRY.value(), info.attachType());
        assertEquals(id, info.targetBtfId());
        assertEquals(42, info.cookie());
        String fdinfo = bpf.linkFdinfo(task, link);
        assertTrue(fdinfo.startsWith("link_type:\ttracing\n"), fdinfo);
        assertTrue(fdinfo.contains("target_btf_id:\t" + id + "\n"), fdinfo);
        // the same program twice on one trampoline: EBUSY (__bpf_trampoline_link_prog)
        assertEquals(Errno.EBUSY, assertThrows(BpfException.class,
                () -> bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of(prog))).errno());
        task.fds().close(link);
        rt.barrier();
        assertTrue(tr.idle(), "the last close detaches");
        // re-attach after the link is gone, through BPF_RAW_TRACEPOINT_OPEN with a NULL name
        int again = bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of(prog));
        assertEquals(LinkType.TRACING.value(), ((TracingLinkInfo) bpf.objGetInfoByFd(task, again)).type());
        assertEquals(1, tr.attached());
    }

    @Test
    void lsmProgramsMakeTracingLinks() {
        int prog = load(ProgType.LSM, AttachType.LSM_MAC, "bpf_lsm_socket_bind", RET0);
        int link = bpf.linkCreate(task, Attrs.LinkCreate.of(prog, 0, AttachType.LSM_MAC.value()));
        TracingLinkInfo info = (TracingLinkInfo) bpf.objGetInfoByFd(task, link);
        assertEquals(LinkType.TRACING.value(), info.type());
        assertEquals(AttachType.LSM_MAC.value(), info.attachType());
        assertEquals(btfId("bpf_lsm_socket_bind"), info.targetBtfId());
        assertEquals(Errno.ENOTSUPP, assertThrows(BpfException.class,
                () -> bpf.progTestRun(task, TestRunAttr.ofCtx(prog, null))).errno(), "LSM programs have no test_run");
    }

    @Test
    void maxTrampLinksIsE2big() {
        List<Integer> progs = new ArrayList<>();
        for (int i = 0; i <= Trampoline.BPF_MAX_TRAMP_LINKS; i++) {
            AttachType eat = i % 2 == 0 ? AttachType.TRACE_FENTRY : AttachType.TRACE_FEXIT;   // the limit counts every kind
            progs.add(load(ProgType.TRACING, eat, "bpf_fentry_test2", RET0));
        }
        for (int i = 0; i < Trampoline.BPF_MAX_TRAMP_LINKS; i++) {
            bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of(progs.get(i)));
        }
        int last = progs.get(Trampoline.BPF_MAX_TRAMP_LINKS);
        assertEquals(Errno.E2BIG, assertThrows(BpfException.class,
                () -> bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of(last))).errno());
        assertEquals(Trampoline.BPF_MAX_TRAMP_LINKS, rt.trampolines().get(btfId("bpf_fentry_test2")).attached());
    }

    @Test
    void pinnedLinkOutlivesItsFd() {
        int prog = load(ProgType.TRACING, AttachType.TRACE_FEXIT, "bpf_fentry_test3", RET0);
        int link = bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of(prog));
        Trampoline tr = rt.trampolines().get(btfId("bpf_fentry_test3"));
        bpf.objPin(task, "/sys/fs/bpf/fexit3", link);
        task.fds().close(link);
        task.fds().close(prog);
        rt.barrier();
        assertEquals(1, tr.attached(), "the pin holds the link");
        int again = bpf.objGet(task, "/sys/fs/bpf/fexit3");
        assertEquals(LinkType.TRACING.value(), ((TracingLinkInfo) bpf.objGetInfoByFd(task, again)).type());
        task.fds().close(again);
        rt.bpffs().unlink(task, "/sys/fs/bpf/fexit3");
        rt.barrier();
        assertTrue(tr.idle(), "the last reference gone: detached");
    }

    /** security_bpf_prog (bpf_prog_new_fd) and security_bpf_map (bpf_map_new_fd) refuse the new fd. */
    @Test
    void lsmOnProgAndMapFds() {
        List<Insn> eperm = Asm.program().mov64(Reg.R0, -1).exit().build();
        int denyMap = load(ProgType.LSM, AttachType.LSM_MAC, "bpf_lsm_bpf_map", eperm);
        int denyProg = load(ProgType.LSM, AttachType.LSM_MAC, "bpf_lsm_bpf_prog", eperm);
        int l1 = bpf.linkCreate(task, Attrs.LinkCreate.of(denyProg, 0, AttachType.LSM_MAC.value()));
        assertEquals(Errno.EPERM, assertThrows(BpfException.class,
                () -> load(ProgType.TRACING, AttachType.TRACE_FENTRY, "bpf_fentry_test1", RET0)).errno());
        task.fds().close(l1);
        rt.barrier();
        assertTrue(load(ProgType.TRACING, AttachType.TRACE_FENTRY, "bpf_fentry_test1", RET0) > 0);
        var array = org.ebpf4j.syscall.MapCreateAttr.of(org.ebpf4j.uapi.MapType.ARRAY, 4, 8, 1, 0);
        int l2 = bpf.linkCreate(task, Attrs.LinkCreate.of(denyMap, 0, AttachType.LSM_MAC.value()));
        assertEquals(Errno.EPERM, assertThrows(BpfException.class, () -> bpf.mapCreate(task, array)).errno());
        task.fds().close(l2);
        rt.barrier();
        assertTrue(bpf.mapCreate(task, array) > 0);
    }

    /** security_socket_post_create (__sock_create) and security_socket_connect (__sys_connect) refuse with the program's errno. */
    @Test
    void lsmOnSocketCreateAndConnect() {
        List<Insn> eacces = Asm.program().mov64(Reg.R0, -13).exit().build();
        var net = rt.net();
        int create = load(ProgType.LSM, AttachType.LSM_MAC, "bpf_lsm_socket_post_create", eacces);
        int l1 = bpf.linkCreate(task, Attrs.LinkCreate.of(create, 0, AttachType.LSM_MAC.value()));
        assertEquals(Errno.EACCES, assertThrows(BpfException.class,
                () -> net.socket(task, org.ebpf4j.kernel.net.SockAddr.AF_INET, 2, 0)).errno());
        task.fds().close(l1);
        rt.barrier();
        int fd = net.socket(task, org.ebpf4j.kernel.net.SockAddr.AF_INET, 2, 0);
        int connect = load(ProgType.LSM, AttachType.LSM_MAC, "bpf_lsm_socket_connect", eacces);
        int l2 = bpf.linkCreate(task, Attrs.LinkCreate.of(connect, 0, AttachType.LSM_MAC.value()));
        var to = org.ebpf4j.kernel.net.SockAddr.parse("127.0.0.1:9");
        assertEquals(Errno.EACCES, assertThrows(BpfException.class, () -> net.connect(task, fd, to)).errno());
        task.fds().close(l2);
        rt.barrier();
        net.connect(task, fd, to);   // UDP: records the peer
    }
}
