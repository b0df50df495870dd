package org.ebpf4j.kernel.prog;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * bpf_skb_load_bytes finds its hook run once per program run (RunState#ctxObject) instead of once
 * per call: the answers must stay those of net/core/filter.c bpf_skb_load_bytes for every call of
 * a run, and a later run over another packet (whose context may reuse the same arena address)
 * must see its own packet, not the previous run's.
 */
class SkbLoadBytesRunCacheTest {
    final ProgFixture f = new ProgFixture();

    @AfterEach
    void close() { f.close(); }

    /**
     * r0 = the u32 at 40 (or the helper's error), then the same load again, then one at 16
     * (4 bytes, ok in both packets) added: three calls in one run on one context.
     */
    static List<Insn> loads() {
        return Asm.program().mov64(Reg.R6, Reg.R1)
                .mov64(Reg.R2, 40).mov64(Reg.R3, Reg.R10).add64(Reg.R3, -8).mov64(Reg.R4, 4).call(26)
                .jne(Reg.R0, 0, "fail").ldx(Size.W, Reg.R7, Reg.R10, -8)
                .mov64(Reg.R1, Reg.R6).mov64(Reg.R2, 40).mov64(Reg.R3, Reg.R10).add64(Reg.R3, -16).mov64(Reg.R4, 4).call(26)
                .jne(Reg.R0, 0, "fail").ldx(Size.W, Reg.R8, Reg.R10, -16).jne(Reg.R7, Reg.R8, "fail")
                .mov64(Reg.R1, Reg.R6).mov64(Reg.R2, 16).mov64(Reg.R3, Reg.R10).add64(Reg.R3, -8).mov64(Reg.R4, 4).call(26)
                .jne(Reg.R0, 0, "fail").ldx(Size.W, Reg.R0, Reg.R10, -8).add64(Reg.R0, Reg.R7).exit()
                .label("fail").exit().build();
    }

    static byte[] packet(int len, int fill) {
        byte[] p = new byte[len];
        for (int i = 0; i < len; i++) {
            p[i] = (byte) (fill + i);
        }
        return p;
    }

    static int u32le(byte[] p, int off) {
        return (p[off] & 0xff) | (p[off + 1] & 0xff) << 8 | (p[off + 2] & 0xff) << 16 | (p[off + 3] & 0xff) << 24;
    }

    @ParameterizedTest
    @EnumSource(ProgEnv.EngineKind.class)
    void eachRunReadsItsOwnPacket(ProgEnv.EngineKind engine) {
        int fd = f.rt.progs().loader().load(f.task, ProgLoadAttr.of(ProgType.SCHED_CLS.value(), loads(), "GPL"), engine);
        byte[] big = packet(64, 1);
        byte[] small = packet(20, 100);
        for (int round = 0; round < 3; round++) {
            assertEquals(u32le(big, 40) + u32le(big, 16),
                    f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, big, 2)).retval(), "64-byte packet");
            // offset 40 is past the end of a 20-byte packet: -EFAULT, not the previous run's length
            assertEquals(Errno.EFAULT.negative(),
                    f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, small, 2)).retval(), "20-byte packet");
        }
    }
}
