package org.ebpf4j.kernel.trace;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Loading tp_btf programs by attach_btf_id ({@code bpf_check_attach_target}) and attaching them
 * and raw_tp programs to {@code sys_enter} ({@code bpf_raw_tp_link_attach}): check order and
 * errnos, and that attached programs run once per modelled syscall with (regs, id).
 */
class RawTracepointAttachTest {
    final Runtime rt = Runtime.builder().arenaSize(8L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("t", 0, 0);

    @AfterEach
    void close() { rt.close(); }

    int btfId(String name) { return rt.kernelBtf().idsByName(name).get(0); }

    static final List<Insn> RET0 = Asm.program().mov64(Reg.R0, 0).exit().build();

    int loadTpBtf(int attachBtfId, List<Insn> insns) {
        return bpf.progLoad(task, new ProgLoadAttr(ProgType.TRACING.value(), insns, "GPL", 0, null, 0, 0, 0, "tpb", 0,
                AttachType.TRACE_RAW_TP.value(), 0, attachBtfId, 0, null));
    }

    @Test
    void loadChecksTheTarget() {
        assertEquals(Errno.EINVAL, assertThrows(BpfException.class, () -> loadTpBtf(0, RET0)).errno(),
                "Tracing programs must provide btf_id");
        BpfException notTypedef = assertThrows(BpfException.class, () -> loadTpBtf(btfId("task_struct"), RET0));
        assertEquals(Errno.EINVAL, notTypedef.errno());
        assertTrue(notTypedef.getMessage().contains("is not a typedef"), notTypedef.getMessage());
        assertEquals(Errno.EINVAL, assertThrows(BpfException.class, () -> loadTpBtf(1 << 20, RET0)).errno());
        // sys_enter has two arguments: ctx[2] is past them
        List<Insn> third = Asm.program().ldx(Size.DW, Reg.R0, Reg.R1, 16).exit().build();
        assertEquals(Errno.EACCES, assertThrows(BpfException.class, () -> loadTpBtf(btfId("btf_trace_sys_enter"), third)).errno());
        assertTrue(loadTpBtf(btfId("btf_trace_sys_enter"), RET0) > 0);
    }

    @Test
    void attachAndRun() {
        int map = bpf.mapCreate(task, org.ebpf4j.syscall.MapCreateAttr.of(org.ebpf4j.uapi.MapType.ARRAY, 4, 8, 1, 0));
        int prog = loadTpBtf(btfId("btf_trace_sys_enter"), RET0);
        BpfException named = assertThrows(BpfException.class,
                () -> bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of("sys_enter", prog)));
        assertEquals(Errno.EINVAL, named.errno(), "tp_btf programs pass no name");
        assertEquals(Errno.EBADF, assertThrows(BpfException.class,
                () -> bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of(12345))).errno());
        assertEquals(Errno.EINVAL, assertThrows(BpfException.class,
                () -> bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of(map))).errno(), "a map fd");
        int sched = loadTpBtf(btfId("btf_trace_sched_switch"), RET0);
        assertEquals(Errno.ENOENT, assertThrows(BpfException.class,
                () -> bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of(sched))).errno(), "not a modelled tracepoint");
        int raw = bpf.progLoad(task, ProgLoadAttr.of(ProgType.RAW_TRACEPOINT.value(), RET0, "GPL"));
        assertEquals(Errno.EFAULT, assertThrows(BpfException.class,
                () -> bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of(raw))).errno(), "raw_tp needs a name");
        assertEquals(Errno.ENOENT, assertThrows(BpfException.class,
                () -> bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of("no_such_tp", raw))).errno());
        BpfException wrongType = assertThrows(BpfException.class,
                () -> bpf.linkCreate(task, Attrs.LinkCreate.of(prog, 0, AttachType.TRACE_FENTRY.value())));
        assertEquals(Errno.EINVAL, wrongType.errno(), "attach_type must be the expected one");
        assertEquals(0, rt.tracepoints().sysEnter().attached(), "failed attaches leave nothing attached");

        int l1 = bpf.linkCreate(task, Attrs.LinkCreate.of(prog, 0, AttachType.TRACE_RAW_TP.value()));
        int l2 = bpf.rawTracepointOpen(task, RawTracepointOpenAttr.of("sys_enter", raw));
        assertEquals(2, rt.tracepoints().sysEnter().attached());
        RawTpLinkInfo info = (RawTpLinkInfo) bpf.objGetInfoByFd(task, l1);
        assertEquals("sys_enter", info.tpName());
        assertTrue(bpf.linkFdinfo(task, l2).contains("tp_name:\tsys_enter"));
        task.fds().close(l1);
        task.fds().close(l2);
        assertEquals(0, rt.tracepoints().sysEnter().attached());
        for (int fd : new int[] {prog, sched, raw, map}) {
            task.fds().close(fd);
        }
    }
}
