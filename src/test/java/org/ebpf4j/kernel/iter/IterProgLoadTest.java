package org.ebpf4j.kernel.iter;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Loading iterator programs (TRACING + BPF_TRACE_ITER): check_attach_btf_id with
 * bpf_iter_prog_supported (kernel/bpf/bpf_iter.c), the typed context of
 * {@code struct bpf_iter__bpf_sk_storage_map} (spec-local-storage §4.5: sk PTR_TO_BTF_ID_OR_NULL,
 * value PTR_TO_BUF | PTR_MAYBE_NULL rdwr, check_buffer_access and max_rdwr_access of
 * kernel/bpf/verifier.c), the iterator-only helpers and the [0, 1] return range.
 */
class IterProgLoadTest {
    static final int CTX_SK = 16, CTX_VALUE = 24;

    final Runtime rt = Runtime.builder().arenaSize(16L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("loader", 0, 0);

    @AfterEach
    void close() { rt.close(); }

    int btfId(String name, Class<? extends BtfType> kind) {
        return rt.kernelBtf().findByName(name, kind).orElseThrow().id();
    }

    int skStorageIter() { return btfId("bpf_iter_bpf_sk_storage_map", BtfType.Func.class); }

    ProgLoadAttr attr(List<Insn> insns, AttachType eat, int btfId) {
        return new ProgLoadAttr(ProgType.TRACING.value(), insns, "GPL", 0, null, 0, 0, 0, "", 0, eat.value(), 0, btfId, 0, null);
    }

    int load(List<Insn> insns) { return bpf.progLoad(task, attr(insns, AttachType.TRACE_ITER, skStorageIter())); }

    static void assertErrno(Errno want, Executable e) {
        BpfException ex = assertThrows(BpfException.class, e);
        assertEquals(want, ex.errno(), ex.getMessage());
    }

    /** value = ctx->value; if (value) *(u32 *)(value + off) = 1; return 0 */
    static List<Insn> writeValueAt(int off) {
        return Asm.program()
                .ldx(Size.DW, Reg.R2, Reg.R1, CTX_VALUE)
                .jeq(Reg.R2, 0, "out")
                .st(Size.W, Reg.R2, off, 1)
                .label("out").mov64(Reg.R0, 0).exit().build();
    }

    BpfProg prog(int fd) {
        return (BpfProg) ((File.ProgFile) task.fds().get(fd)).prog();
    }

    @Test
    void maxRdwrAccessIsTheFurthestValueAccessEnd() {
        assertEquals(8, prog(load(writeValueAt(4))).maxRdwrAccess());
        assertEquals(4, prog(load(writeValueAt(0))).maxRdwrAccess());
        assertEquals(0, prog(load(Asm.program().mov64(Reg.R0, 0).exit().build())).maxRdwrAccess());
    }

    @Test
    void attachFuncNameIsTheIterFunction() {
        assertEquals("bpf_iter_bpf_sk_storage_map", prog(load(writeValueAt(0))).attachFuncName());
    }

    @Test
    void attachBtfIdMustBeABpfIterFunctionOfATarget() {
        List<Insn> ok = writeValueAt(0);
        assertErrno(Errno.EINVAL, () -> bpf.progLoad(task, attr(ok, AttachType.TRACE_ITER, 0)));
        assertErrno(Errno.EINVAL, () -> bpf.progLoad(task, attr(ok, AttachType.TRACE_ITER,
                btfId("btf_trace_sys_enter", BtfType.Typedef.class))));          // not a FUNC
        assertErrno(Errno.EINVAL, () -> bpf.progLoad(task, attr(ok, AttachType.TRACE_ITER,
                btfId("bpf_cgroup_from_id", BtfType.Func.class))));              // a FUNC, but no bpf_iter_ target
        assertErrno(Errno.EINVAL, () -> bpf.progLoad(task, attr(ok, AttachType.TRACE_ITER, 1 << 20)));
    }

    @Test
    void valueMustBeNullCheckedBeforeUse() {
        List<Insn> unchecked = Asm.program().ldx(Size.DW, Reg.R2, Reg.R1, CTX_VALUE).st(Size.W, Reg.R2, 0, 1)
                .mov64(Reg.R0, 0).exit().build();
        assertErrno(Errno.EACCES, () -> load(unchecked));
        List<Insn> skUnchecked = Asm.program().ldx(Size.DW, Reg.R2, Reg.R1, CTX_SK).ldx(Size.W, Reg.R0, Reg.R2, 0)
                .mov64(Reg.R0, 0).exit().build();
        assertErrno(Errno.EACCES, () -> load(skUnchecked));
    }

    @Test
    void valueBufferAccessNeedsAConstantNonNegativeOffset() {
        assertErrno(Errno.EACCES, () -> load(writeValueAt(-4)));
        List<Insn> variable = Asm.program()
                .ldx(Size.DW, Reg.R2, Reg.R1, CTX_VALUE)
                .jeq(Reg.R2, 0, "out")
                .ldx(Size.DW, Reg.R3, Reg.R1, 8)       // anything unknown
                .and64(Reg.R3, 4)
                .add64(Reg.R2, Reg.R3)
                .st(Size.W, Reg.R2, 0, 1)
                .label("out").mov64(Reg.R0, 0).exit().build();
        assertErrno(Errno.EACCES, () -> load(variable));
    }

    @Test
    void contextIsReadOnly() {
        List<Insn> write = Asm.program().st(Size.DW, Reg.R1, CTX_VALUE, 0).mov64(Reg.R0, 0).exit().build();
        assertErrno(Errno.EACCES, () -> load(write));
        List<Insn> past = Asm.program().ldx(Size.DW, Reg.R2, Reg.R1, 32).mov64(Reg.R0, 0).exit().build();
        assertErrno(Errno.EACCES, () -> load(past));
    }

    @Test
    void iteratorReturnsZeroOrOne() {
        assertErrno(Errno.EINVAL, () -> load(Asm.program().mov64(Reg.R0, 2).exit().build()));
        assertTrue(load(Asm.program().mov64(Reg.R0, 1).exit().build()) > 0);
    }

    @Test
    void seqHelpersAreForIteratorsOnly() {
        // bpf_seq_write(meta->seq, fp-8, 8): fine in an iterator, refused in a tp_btf program
        List<Insn> seqWrite = Asm.program()
                .st(Size.DW, Reg.R10, -8, 0)
                .ldx(Size.DW, Reg.R1, Reg.R1, 0)          // meta
                .ldx(Size.DW, Reg.R1, Reg.R1, 0)          // meta->seq
                .mov64(Reg.R2, Reg.R10).add64(Reg.R2, -8)
                .mov64(Reg.R3, 8)
                .call(127)
                .mov64(Reg.R0, 0).exit().build();
        assertTrue(load(seqWrite) > 0);
        assertErrno(Errno.EINVAL, () -> bpf.progLoad(task, attr(seqWrite, AttachType.TRACE_RAW_TP,
                btfId("btf_trace_sys_enter", BtfType.Typedef.class))));
    }
}
