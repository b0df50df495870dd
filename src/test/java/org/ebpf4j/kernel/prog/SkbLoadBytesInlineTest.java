package org.ebpf4j.kernel.prog;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bpf_skb_load_bytes with a constant length of 1/2/4/8 bytes, which the JIT compiles inline
 * (vm.jit.PacketEmitter) and calls the helper only when its check fails: on random packets and
 * offsets at the packet's edges (last byte in, one past, negative, past 2^32), the JIT and the
 * interpreter give what net/core/filter.c bpf_skb_load_bytes gives: the bytes and 0, or -EFAULT
 * and the buffer's {@code len} bytes zeroed. Length 3 (not inlined) is the control.
 */
class SkbLoadBytesInlineTest {
    final ProgFixture f = new ProgFixture();
    private static final long SENTINEL = 0x55555555L;

    @AfterEach
    void close() { f.close(); }

    /**
     * Reads the u64 offset at packet offset 0 (a first call: the JIT's check fails, the helper
     * finds the packet), then {@code len} bytes at that offset over a sentinel at fp-16; returns
     * ret + buf + 3 * (buf >> 32).
     */
    static List<Insn> program(int len) {
        return Asm.program().mov64(Reg.R6, Reg.R1)
                .mov64(Reg.R2, 0).mov64(Reg.R3, Reg.R10).add64(Reg.R3, -8).mov64(Reg.R4, 8).call(26)
                .jne(Reg.R0, 0, "fail")
                .st(Size.DW, Reg.R10, -16, (int) SENTINEL)
                .mov64(Reg.R1, Reg.R6).ldx(Size.DW, Reg.R2, Reg.R10, -8)
                .mov64(Reg.R3, Reg.R10).add64(Reg.R3, -16).mov64(Reg.R4, len).call(26)
                .ldx(Size.DW, Reg.R8, Reg.R10, -16).add64(Reg.R0, Reg.R8)
                .rsh64(Reg.R8, 32).mul64(Reg.R8, 3).add64(Reg.R0, Reg.R8).exit()
                .label("fail").mov64(Reg.R0, 0xdead).exit().build();
    }

    static int expected(byte[] p, long off, int len) {
        long buf = SENTINEL;
        long ret;
        if (off >= 0 && off + len <= p.length) {
            ret = 0;
            for (int k = 0; k < len; k++) {
                buf = buf & ~(0xffL << (8 * k)) | (p[(int) off + k] & 0xffL) << (8 * k);
            }
        } else {
            ret = Errno.EFAULT.negative();
            buf &= len == 8 ? 0 : -1L << (8 * len);
        }
        return (int) (ret + buf + 3 * (buf >>> 32));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8, 3})
    void jitAndInterpreterAgreeAtThePacketEdges(int len) {
        int jit = f.rt.progs().loader().load(f.task, ProgLoadAttr.of(ProgType.SCHED_CLS.value(), program(len), "GPL"),
                ProgEnv.EngineKind.JIT);
        int interp = f.rt.progs().loader().load(f.task, ProgLoadAttr.of(ProgType.SCHED_CLS.value(), program(len), "GPL"),
                ProgEnv.EngineKind.INTERPRETER);
        Random rnd = new Random(0x5eed + len);
        int checked = 0;
        for (int round = 0; round < 120; round++) {
            byte[] p = new byte[14 + rnd.nextInt(90)];
            rnd.nextBytes(p);
            long[] offs = {p.length - len, p.length - len + 1, p.length - len - 1, p.length, 0, 8, -1,
                    Long.MIN_VALUE, 1L << 32, (1L << 32) + 8, rnd.nextInt(p.length)};
            long off = offs[round % offs.length];
            System.arraycopy(ProgFixture.le64(off), 0, p, 0, 8);
            int want = expected(p, off, len);
            for (int fd : new int[] {jit, interp}) {
                // repeat 3: the later runs of a call find the packet remembered from the first
                assertEquals(want, f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, p, 3)).retval(),
                        (fd == jit ? "jit" : "interp") + " len " + len + " off " + off + " pkt " + p.length);
                checked++;
            }
        }
        assertEquals(240, checked);
    }
}
