package org.ebpf4j.kernel.cgroup;

import static org.ebpf4j.kernel.cgroup.AttachFlags.BPF_F_ALLOW_MULTI;
import static org.junit.jupiter.api.Assertions.*;

import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.link.CgroupAttachCommands;
import org.ebpf4j.memory.BpfSockoptLayout;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.CgroupProgs;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** cgroup/setsockopt and cgroup/getsockopt through {@link SockoptHooks} with loaded programs (spec §5.3, §5.1). */
class SockoptHooksTest {
    static final AttachType SET = AttachType.CGROUP_SETSOCKOPT, GET = AttachType.CGROUP_GETSOCKOPT;
    static final int SOL_SOCKET = 1, SO_MARK = 36, ENOPROTOOPT = 92, EUNATCH = 49;

    final Runtime rt = Runtime.builder().arenaSize(16L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("root", 0, 0);
    final CgroupAttachCommands cgfs = new CgroupAttachCommands(rt);
    final SockoptHooks hooks = new SockoptHooks(rt);
    final int rec = CgroupProgs.recorder(bpf, task);
    final Cgroup cg = rt.cgroups().mkdirs("/s");
    final int cgFd = cgfs.openCgroup(task, "/s");

    @AfterEach
    void close() { rt.close(); }

    /** Loads a sockopt program and appends it (MULTI) to /s. */
    void attach(AttachType type, Asm body) {
        int fd = CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCKOPT, type, body.build());
        bpf.progAttach(task, Attrs.ProgAttach.of(cgFd, fd, type.value(), BPF_F_ALLOW_MULTI));
    }

    /** r1 = ctx: store {@code v} into the u32 ctx field at {@code off}; return r0. */
    static Asm setField(int off, int v, int r0) {
        return Asm.program().st(Size.W, Reg.R1, off, v).mov64(Reg.R0, r0).exit();
    }

    /** optval[0] = b if the buffer has a byte, optlen = len; return 1. */
    static Asm writeByte(int b, int len) {
        return Asm.program().ldx(Size.DW, Reg.R2, Reg.R1, BpfSockoptLayout.OPTVAL)
                .ldx(Size.DW, Reg.R3, Reg.R1, BpfSockoptLayout.OPTVAL_END)
                .mov64(Reg.R4, Reg.R2).add64(Reg.R4, 1).jgt(Reg.R4, Reg.R3, "out")
                .st(Size.B, Reg.R2, 0, b)
                .label("out").st(Size.W, Reg.R1, BpfSockoptLayout.OPTLEN, len).mov64(Reg.R0, 1).exit();
    }

    /** Stores the u32 ctx field at {@code off} (sign-extended) and optval_end - optval into recorder slots 1 and 2. */
    Asm recordField(int off) {
        return Asm.program().ldxs(Size.W, Reg.R6, Reg.R1, off)
                .ldx(Size.DW, Reg.R2, Reg.R1, BpfSockoptLayout.OPTVAL)
                .ldx(Size.DW, Reg.R7, Reg.R1, BpfSockoptLayout.OPTVAL_END).sub64(Reg.R7, Reg.R2)
                .ldMapValue(Reg.R1, rec, 0).stx(Size.DW, Reg.R1, 8, Reg.R6).stx(Size.DW, Reg.R1, 16, Reg.R7)
                .mov64(Reg.R0, 1).exit();
    }

    long slot(int i) { return CgroupProgs.slots(bpf, task, rec)[i]; }

    SockoptHooks.SetResult set(byte[] optval) { return hooks.setsockopt(task, cg, 0, SOL_SOCKET, SO_MARK, optval); }

    @Test
    void setsockoptWithoutProgramsPassesThrough() {
        byte[] v = {1, 2, 3, 4};
        assertEquals(new SockoptHooks.SetResult.Proceed(SOL_SOCKET, SO_MARK, v), set(v));
    }

    @Test
    void setsockoptRewritesLevelOptnameAndValue() {
        attach(SET, Asm.program().st(Size.W, Reg.R1, BpfSockoptLayout.LEVEL, 6).st(Size.W, Reg.R1, BpfSockoptLayout.OPTNAME, 13)
                .mov64(Reg.R0, 1).exit());
        attach(SET, writeByte(0x55, 1));   // second program sees the first's rewrite
        SockoptHooks.SetResult r = set(new byte[] {1, 2, 3, 4});
        SockoptHooks.SetResult.Proceed p = assertInstanceOf(SockoptHooks.SetResult.Proceed.class, r);
        assertEquals(6, p.level());
        assertEquals(13, p.optname());
        assertArrayEquals(new byte[] {0x55}, p.optval());
    }

    @Test
    void setsockoptBufferIsMax16AndZeroFilled() {
        attach(SET, recordField(BpfSockoptLayout.OPTLEN));
        set(new byte[] {9});
        assertEquals(1, slot(1), "ctx->optlen is the user's");
        assertEquals(16, slot(2), "max_optlen = max(16, optlen)");
    }

    @Test
    void setsockoptOptlenMinusOneBypasses() {
        attach(SET, setField(BpfSockoptLayout.OPTLEN, -1, 1));
        assertInstanceOf(SockoptHooks.SetResult.Bypass.class, set(new byte[4]));
    }

    @Test
    void setsockoptOptlenZeroUsesOriginalButExportsLevel() {
        attach(SET, Asm.program().st(Size.W, Reg.R1, BpfSockoptLayout.LEVEL, 41).st(Size.W, Reg.R1, BpfSockoptLayout.OPTLEN, 0)
                .mov64(Reg.R0, 1).exit());
        byte[] v = {7, 7, 7, 7};
        assertEquals(new SockoptHooks.SetResult.Proceed(41, SO_MARK, v), set(v));
    }

    @Test
    void setsockoptEnlargedOptlenIsEfault() {
        attach(SET, setField(BpfSockoptLayout.OPTLEN, 17, 1));
        assertEquals(new SockoptHooks.SetResult.Fail(Errno.EFAULT.negative()), set(new byte[4]));
    }

    @Test
    void setsockoptOverPageSize() {
        byte[] big = new byte[SockoptHooks.PAGE_SIZE + 100];
        big[0] = 3;
        attach(SET, recordField(BpfSockoptLayout.OPTLEN));
        // the program leaves optlen > max: its buffer is ignored, the original goes to the kernel
        SockoptHooks.SetResult.Proceed p = assertInstanceOf(SockoptHooks.SetResult.Proceed.class, set(big));
        assertSame(big, p.optval());
        assertEquals(big.length, slot(1));
        assertEquals(SockoptHooks.PAGE_SIZE, slot(2), "the buffer is capped at PAGE_SIZE");
        // a program that shrinks optlen into the buffer makes the kernel use the buffer
        attach(SET, writeByte(0x66, 1));
        p = assertInstanceOf(SockoptHooks.SetResult.Proceed.class, set(big));
        assertArrayEquals(new byte[] {0x66}, p.optval());
    }

    @Test
    void setsockoptDenyAndRetval() {
        attach(SET, Asm.program().mov64(Reg.R0, 0).exit());
        assertEquals(new SockoptHooks.SetResult.Fail(Errno.EPERM.negative()), set(new byte[4]));
    }

    @Test
    void setsockoptSetRetvalErrorWinsAndPositiveBypasses() {
        attach(SET, Asm.program().mov64(Reg.R1, -EUNATCH).call(187).mov64(Reg.R0, 1).exit());
        assertEquals(new SockoptHooks.SetResult.Fail(-EUNATCH), set(new byte[4]));
        Cgroup other = rt.cgroups().mkdirs("/t");
        int otherFd = cgfs.openCgroup(task, "/t");
        int fd = CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCKOPT, SET,
                Asm.program().mov64(Reg.R1, 1).call(187).mov64(Reg.R0, 1).exit().build());
        bpf.progAttach(task, Attrs.ProgAttach.of(otherFd, fd, SET.value(), 0));
        assertInstanceOf(SockoptHooks.SetResult.Bypass.class, hooks.setsockopt(task, other, 0, SOL_SOCKET, SO_MARK, new byte[4]));
    }

    SockoptHooks.GetResult get(int maxOptlen, int kernelRet, byte[] kernelOut) {
        return hooks.getsockopt(task, cg, 0, SOL_SOCKET, SO_MARK, maxOptlen, false, kernelRet, kernelOut);
    }

    @Test
    void getsockoptWithoutProgramsOrUntouched() {
        assertEquals(new SockoptHooks.GetResult(-ENOPROTOOPT, false, 0, null), get(4, -ENOPROTOOPT, null));
        attach(GET, Asm.program().mov64(Reg.R0, 1).exit());
        // ctx.optlen != 0 after the chain: the kernel copies the (unchanged) buffer back out
        SockoptHooks.GetResult same = get(4, 0, new byte[] {1, 0, 0, 0});
        assertTrue(same.rewritten());
        assertEquals(4, same.optlen());
        assertArrayEquals(new byte[] {1, 0, 0, 0}, same.optval());
        assertEquals(new SockoptHooks.GetResult(-ENOPROTOOPT, false, 0, null), get(4, -ENOPROTOOPT, null));
    }

    @Test
    void getsockoptSeesKernelOutputAndRewrites() {
        attach(GET, recordField(BpfSockoptLayout.OPTLEN));
        attach(GET, writeByte(0xAB, 1));
        SockoptHooks.GetResult r = get(8, 0, new byte[] {1, 2});
        assertEquals(2, slot(1), "ctx->optlen is what the kernel returned");
        assertEquals(8, slot(2), "buffer of the user's optlen");
        assertTrue(r.rewritten());
        assertEquals(0, r.ret());
        assertEquals(1, r.optlen());
        assertArrayEquals(new byte[] {(byte) 0xAB}, r.optval());
    }

    @Test
    void getsockoptKernelErrorVisibleAndClearable() {
        // ctx->retval and bpf_get_retval both show the kernel's error; clearing ctx->retval makes the call succeed
        attach(GET, recordField(BpfSockoptLayout.RETVAL));
        attach(GET, Asm.program().call(186).mov64(Reg.R6, Reg.R0).ldMapValue(Reg.R1, rec, 0).stx(Size.DW, Reg.R1, 24, Reg.R6)
                .mov64(Reg.R0, 1).exit());
        attach(GET, setField(BpfSockoptLayout.RETVAL, 0, 1));
        SockoptHooks.GetResult r = get(4, -ENOPROTOOPT, null);
        assertEquals(-ENOPROTOOPT, slot(1));
        assertEquals(-ENOPROTOOPT, slot(3));
        assertEquals(0, r.ret());
        // the kernel failed, so ctx.optlen was the user's 4 over a zeroed buffer, and that is copied out
        assertTrue(r.rewritten());
        assertEquals(4, r.optlen());
        assertArrayEquals(new byte[4], r.optval());
    }

    @Test
    void getsockoptSetRetvalVisibleThroughCtx() {
        attach(GET, Asm.program().mov64(Reg.R1, -EUNATCH).call(187).mov64(Reg.R0, 1).exit());
        attach(GET, recordField(BpfSockoptLayout.RETVAL));
        SockoptHooks.GetResult r = get(4, 0, new byte[4]);
        assertEquals(-EUNATCH, slot(1));
        assertEquals(-EUNATCH, r.ret());
        assertFalse(r.rewritten(), "an error result copies nothing out");
    }

    @Test
    void getsockoptDenyEnlargeAndPageSize() {
        attach(GET, setField(BpfSockoptLayout.OPTLEN, 9, 1));
        assertEquals(Errno.EFAULT.negative(), get(8, 0, new byte[4]).ret(), "optlen beyond the buffer");
        // NULL optval: no EFAULT, *optlen becomes the program's
        SockoptHooks.GetResult n = hooks.getsockopt(task, cg, 0, SOL_SOCKET, SO_MARK, 8, true, 0, new byte[4]);
        assertEquals(new SockoptHooks.GetResult(0, true, 9, new byte[0]).toString().replaceAll("@\\w+", ""),
                n.toString().replaceAll("@\\w+", ""));
        // kernel returned more than PAGE_SIZE: the program's unchanged optlen is out of range, kernel result kept
        byte[] big = new byte[SockoptHooks.PAGE_SIZE + 10];
        Cgroup other = rt.cgroups().mkdirs("/u");
        int otherFd = cgfs.openCgroup(task, "/u");
        int fd = CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCKOPT, GET, Asm.program().mov64(Reg.R0, 0).exit().build());
        int pass = CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCKOPT, GET, Asm.program().mov64(Reg.R0, 1).exit().build());
        bpf.progAttach(task, Attrs.ProgAttach.of(otherFd, pass, GET.value(), BPF_F_ALLOW_MULTI));
        assertEquals(new SockoptHooks.GetResult(0, false, 0, null),
                hooks.getsockopt(task, other, 0, SOL_SOCKET, SO_MARK, big.length, false, 0, big));
        bpf.progAttach(task, Attrs.ProgAttach.of(otherFd, fd, GET.value(), BPF_F_ALLOW_MULTI));
        assertEquals(Errno.EPERM.negative(), hooks.getsockopt(task, other, 0, SOL_SOCKET, SO_MARK, 4, false, 0, new byte[4]).ret());
    }
}
