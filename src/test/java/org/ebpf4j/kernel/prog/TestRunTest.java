package org.ebpf4j.kernel.prog;

import static org.ebpf4j.kernel.prog.ProgFixture.expect;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.memory.SkBuffLayout;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * BPF_PROG_TEST_RUN (net/bpf/test_run.c). Values marked "observed" come from bpftool prog run on
 * this machine's Linux 6.18 with the same programs written in C (2026-11-22).
 */
class TestRunTest {
    final ProgFixture f = new ProgFixture();

    @AfterEach
    void close() { f.close(); }

    /** 64-byte IPv4 frame: dst MAC 0, src MAC 1..6, 10.0.0.1 → 10.0.0.2. */
    static byte[] frame() {
        byte[] p = new byte[64];
        for (int i = 0; i < 6; i++) {
            p[6 + i] = (byte) (i + 1);
        }
        p[12] = 8;
        p[14] = 0x45;
        p[17] = 50;
        p[26] = 10; p[29] = 1;
        p[30] = 10; p[33] = 2;
        return p;
    }

    /** r0 = 3 if data + 1 <= data_end, 7 if data + 100 <= data_end, else 5 (skb or xdp offsets). */
    static List<Insn> bounds(int dataOff, int endOff) {
        return Asm.program().ldx(Size.W, Reg.R2, Reg.R1, endOff).ldx(Size.W, Reg.R1, Reg.R1, dataOff)
                .mov64(Reg.R3, Reg.R1).add64(Reg.R3, 100).mov64(Reg.R0, 7).jge(Reg.R2, Reg.R3, "out")
                .add64(Reg.R1, 1).mov64(Reg.R0, 5).jgt(Reg.R1, Reg.R2, "out").mov64(Reg.R0, 3)
                .label("out").exit().build();
    }

    /**
     * cgroup_skb programs must return 0 or 1 (Linux's verifier checks the range): {@code p}'s r0
     * goes to cb[0] instead, which {@link #cbOut} reads back from ctx_out. {@code p} must end in its
     * only exit and leave r6 alone.
     */
    static List<Insn> resultInCb(List<Insn> p) {
        assertEquals(Asm.program().exit().build().get(0), p.get(p.size() - 1));
        List<Insn> out = new java.util.ArrayList<>(Asm.program().mov64(Reg.R6, Reg.R1).build());
        out.addAll(p.subList(0, p.size() - 1));
        out.addAll(Asm.program().stx(Size.W, Reg.R6, SkBuffLayout.CB, Reg.R0).mov64(Reg.R0, 1).exit().build());
        return out;
    }

    int cbOut(int fd, byte[] data) {
        TestRunResult r = f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, data, 1)
                .withCtx(new byte[SkBuffLayout.SIZE], SkBuffLayout.SIZE));
        assertEquals(1, r.retval());
        return java.nio.ByteBuffer.wrap(r.ctxOut(), SkBuffLayout.CB, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
    }

    @Test
    void skbFieldsAsObserved() {
        // cgroup_skb returns must be 0/1 on Linux: the values come back through cb[0] (resultInCb)
        List<Insn> fields = Asm.program().ldx(Size.W, Reg.R2, Reg.R1, SkBuffLayout.LEN).mul64(Reg.R2, 1000)
                .ldx(Size.W, Reg.R3, Reg.R1, SkBuffLayout.PKT_TYPE).mul64(Reg.R3, 100).add64(Reg.R2, Reg.R3)
                .ldx(Size.W, Reg.R3, Reg.R1, SkBuffLayout.IFINDEX).add64(Reg.R2, Reg.R3)
                .ldx(Size.W, Reg.R3, Reg.R1, SkBuffLayout.PROTOCOL).jne(Reg.R3, 8, "x").add64(Reg.R2, 10)
                .label("x").mov64(Reg.R0, Reg.R2).exit().build();
        int fd = f.load(ProgType.CGROUP_SKB, resultInCb(fields));
        assertEquals(50011, cbOut(fd, frame()));   // observed: len 50, PACKET_HOST, protocol 0x0008, lo
        TestRunResult r = f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1));
        // observed: data_out of a cgroup_skb run has the Ethernet header zeroed
        byte[] out = r.dataOut();
        assertEquals(64, out.length);
        assertArrayEquals(new byte[14], java.util.Arrays.copyOf(out, 14));
        assertArrayEquals(java.util.Arrays.copyOfRange(frame(), 14, 64), java.util.Arrays.copyOfRange(out, 14, 64));
        // observed: remote_ip4 is the IP destination, local_ip4 the source, family AF_INET
        int ips = f.load(ProgType.CGROUP_SKB, resultInCb(Asm.program().ldx(Size.W, Reg.R0, Reg.R1, SkBuffLayout.REMOTE_IP4)
                .exit().build()));
        assertEquals(0x0200000a, cbOut(ips, frame()));
        int lip = f.load(ProgType.CGROUP_SKB, resultInCb(Asm.program().ldx(Size.W, Reg.R0, Reg.R1, SkBuffLayout.LOCAL_IP4)
                .exit().build()));
        assertEquals(0x0100000a, cbOut(lip, frame()));
    }

    @Test
    void packetBoundsAsObserved() {
        int cg = f.load(ProgType.CGROUP_SKB, resultInCb(bounds(SkBuffLayout.DATA, SkBuffLayout.DATA_END)));
        int tc = f.load(ProgType.SCHED_CLS, bounds(SkBuffLayout.DATA, SkBuffLayout.DATA_END));
        int xdp = f.load(ProgType.XDP, bounds(0, 4));
        // observed: cgroup_skb sees 50 bytes (3), tc the whole 64-byte frame (3)
        assertEquals(3, cbOut(cg, frame()));
        assertEquals(3, f.bpf.progTestRun(f.task, TestRunAttr.ofData(tc, frame(), 1)).retval());
        byte[] big = new byte[200];
        System.arraycopy(frame(), 0, big, 0, 64);
        assertEquals(7, f.bpf.progTestRun(f.task, TestRunAttr.ofData(tc, big, 1)).retval());
        assertEquals(7, f.bpf.progTestRun(f.task, TestRunAttr.ofData(xdp, big, 1)).retval());
        assertEquals(3, f.bpf.progTestRun(f.task, TestRunAttr.ofData(xdp, frame(), 1)).retval());
    }

    @Test
    void skbCtxInAndOut() {
        // *(u32 *)(ctx + mark) = *(u32 *)(ctx + mark) + 1; cb[0] = 9
        List<Insn> p = Asm.program().ldx(Size.W, Reg.R2, Reg.R1, SkBuffLayout.MARK).add64(Reg.R2, 1)
                .stx(Size.W, Reg.R1, SkBuffLayout.MARK, Reg.R2).st(Size.W, Reg.R1, SkBuffLayout.CB, 9)
                .mov64(Reg.R0, 1).exit().build();
        int fd = f.load(ProgType.CGROUP_SKB, p);
        byte[] ctx = new byte[SkBuffLayout.SIZE];
        ctx[SkBuffLayout.MARK] = 41;
        TestRunResult r = f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withCtx(ctx, SkBuffLayout.SIZE));
        assertEquals(42, r.ctxOut()[SkBuffLayout.MARK]);
        assertEquals(9, r.ctxOut()[SkBuffLayout.CB]);
        assertEquals(1, r.ctxOut()[SkBuffLayout.IFINDEX]);
        assertEquals(0, r.ctxOut()[SkBuffLayout.LEN]);      // not copied back by convert_skb_to___skb
        assertEquals(50, r.ctxOut()[SkBuffLayout.WIRE_LEN]);
        // ctx_in fields that must be zero, a tail past the struct, and a short frame
        byte[] bad = new byte[SkBuffLayout.SIZE];
        bad[SkBuffLayout.LEN] = 1;
        expect(Errno.EINVAL, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withCtx(bad, null)));
        byte[] tail = new byte[SkBuffLayout.SIZE + 8];
        tail[SkBuffLayout.SIZE + 3] = 1;
        expect(Errno.E2BIG, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withCtx(tail, null)));
        expect(Errno.EINVAL, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, new byte[13], 1)));
        expect(Errno.EINVAL, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withCtx(ctx, 0)));
        byte[] dev = new byte[SkBuffLayout.SIZE];
        dev[SkBuffLayout.IFINDEX] = 7;
        expect(Errno.ENODEV, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withCtx(dev, null)));
        // repeated runs reuse the skb: the mark keeps counting
        TestRunResult r5 = f.bpf.progTestRun(f.task, new TestRunAttr(fd, frame(), 0, ctx, SkBuffLayout.SIZE, 5, 0, 0, 0, 0));
        assertEquals(46, r5.ctxOut()[SkBuffLayout.MARK]);
    }

    @Test
    void dataOutTooSmallIsEnospcWithPartialOutput() {
        int fd = f.load(ProgType.SCHED_CLS, Asm.program().mov64(Reg.R0, 0).exit().build());
        var e = assertThrows(TestRunException.class,
                () -> f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withDataOut(10)));
        assertEquals(Errno.ENOSPC, e.errno());
        assertEquals(10, e.result().dataOut().length);
        assertEquals(64, e.result().dataSizeOut());
    }

    @Test
    void sieveCountsPrimes() throws Exception {
        var spec = ObjectReader.read(Path.of("examples/sieve/sieve.bpf.o"));
        int fd = f.load(ProgType.XDP, spec.program("sieve").orElseThrow().insns());
        TestRunResult r = f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, new byte[64], 3));
        assertEquals(502, r.retval());   // observed: bpftool prog run gave 502
        assertTrue(r.duration() > 0);
    }

    @Test
    void xdpCtxRules() {
        int fd = f.load(ProgType.XDP, Asm.program().mov64(Reg.R0, 2).exit().build());
        byte[] ctx = new byte[24];
        ctx[0] = 8;              // 8 bytes of metadata
        ctx[4] = 64;             // data_end = frame size
        TestRunResult r = f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withCtx(ctx, 24));
        assertEquals(2, r.retval());
        assertEquals(64, r.dataOut().length);
        assertEquals(8, r.ctxOut()[0]);
        assertEquals(64, r.ctxOut()[4]);
        byte[] badEnd = ctx.clone();
        badEnd[4] = 60;
        expect(Errno.EINVAL, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withCtx(badEnd, null)));
        byte[] meta = ctx.clone();
        meta[8] = 4;
        expect(Errno.EINVAL, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withCtx(meta, null)));
        byte[] queue = ctx.clone();
        queue[16] = 1;
        expect(Errno.EINVAL, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withCtx(queue, null)));
        expect(Errno.EINVAL, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, frame(), 1).withFlags(1 << 5, 0)));
    }

    @Test
    void rawTpAndSyscallAndTypesWithoutTestRun() {
        // raw_tp: r0 = args[1]
        int raw = f.load(ProgType.RAW_TRACEPOINT, Asm.program().ldx(Size.DW, Reg.R0, Reg.R1, 8).exit().build());
        byte[] args = new byte[16];
        args[8] = 77;
        assertEquals(77, f.bpf.progTestRun(f.task, TestRunAttr.ofCtx(raw, args)).retval());
        expect(Errno.EINVAL, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofCtx(raw, new byte[8])));     // < max_ctx_offset
        expect(Errno.EINVAL, () -> f.bpf.progTestRun(f.task, new TestRunAttr(raw, null, null, args, null, 2, 0, 0, 0, 0)));
        expect(Errno.EINVAL, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofCtx(raw, args).withFlags(0, 1)));
        expect(Errno.ENXIO, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofCtx(raw, args).withFlags(1, 5)));
        // syscall: ctx[0] += 5, written back
        int sys = f.load(ProgType.SYSCALL, Asm.program().ldx(Size.W, Reg.R2, Reg.R1, 0).add64(Reg.R2, 5)
                .stx(Size.W, Reg.R1, 0, Reg.R2).mov64(Reg.R0, 0).exit().build());
        TestRunResult s = f.bpf.progTestRun(f.task, TestRunAttr.ofCtx(sys, new byte[] {1, 0, 0, 0}));
        assertEquals(6, s.ctxOut()[0]);
        // a kprobe program has no test_run: ENOTSUPP (524), as the kernel answers
        int kp = f.load(ProgType.KPROBE, Asm.program().mov64(Reg.R0, 0).exit().build());
        expect(Errno.ENOTSUPP, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofCtx(kp, new byte[8])));
        expect(Errno.EBADF, () -> f.bpf.progTestRun(f.task, TestRunAttr.ofCtx(99, new byte[8])));
    }
}
