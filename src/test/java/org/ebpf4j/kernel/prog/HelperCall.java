package org.ebpf4j.kernel.prog;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.uapi.ProgType;

/**
 * Calls one helper from a BPF_PROG_TYPE_SYSCALL program whose context (written back by
 * TEST_RUN) carries the arguments: bytes [0,40) are r1-r5 as values, [40,48) receives r0,
 * [48,...) is scratch memory that arguments may point into.
 */
final class HelperCall {
    static final int RET = 40;
    static final int DATA = 48;

    /** An argument: a value from the context or a pointer to context byte {@code off}. */
    sealed interface Arg permits Val, Ptr {}

    record Val(long v) implements Arg {}

    record Ptr(int off) implements Arg {}

    static Val val(long v) { return new Val(v); }

    static Ptr ptr(int off) { return new Ptr(DATA + off); }

    final ProgFixture f;
    final byte[] ctx;

    HelperCall(ProgFixture f, int dataSize) {
        this.f = f;
        this.ctx = new byte[DATA + dataSize];
    }

    HelperCall put(int off, byte[] bytes) {
        System.arraycopy(bytes, 0, ctx, DATA + off, bytes.length);
        return this;
    }

    HelperCall putString(int off, String s) {
        return put(off, (s + "\0").getBytes(StandardCharsets.ISO_8859_1));
    }

    HelperCall putLong(int off, long v) {
        ByteBuffer.wrap(ctx, DATA + off, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        return this;
    }

    static List<Insn> program(int helper, Arg... args) {
        Asm a = Asm.program().mov64(Reg.R6, Reg.R1);
        Reg[] regs = {Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5};
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Ptr p) {
                a.mov64(regs[i], Reg.R6).add64(regs[i], p.off());
            } else {
                a.ldx(Size.DW, regs[i], Reg.R6, 8 * i);
            }
        }
        return a.call(helper).stx(Size.DW, Reg.R6, RET, Reg.R0).mov64(Reg.R0, 0).exit().build();
    }

    /** Runs helper {@code id} and returns r0; {@link #ctx} then holds the context after the run. */
    long call(int id, String license, Arg... args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Val v) {
                ByteBuffer.wrap(ctx, 8 * i, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v.v());
            }
        }
        int fd = f.bpf.progLoad(f.task, ProgLoadAttr.of(ProgType.SYSCALL.value(), program(id, args), license));
        try {
            byte[] back = f.bpf.progTestRun(f.task, TestRunAttr.ofCtx(fd, ctx)).ctxOut();
            System.arraycopy(back, 0, ctx, 0, ctx.length);
        } finally {
            f.task.fds().close(fd);
        }
        return ByteBuffer.wrap(ctx, RET, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    long call(int id, Arg... args) { return call(id, "GPL", args); }

    byte[] data(int off, int len) { return java.util.Arrays.copyOfRange(ctx, DATA + off, DATA + off + len); }

    long dataLong(int off) { return ByteBuffer.wrap(ctx, DATA + off, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(); }

    String dataString(int off) {
        int end = DATA + off;
        while (end < ctx.length && ctx[end] != 0) {
            end++;
        }
        return new String(ctx, DATA + off, end - DATA - off, StandardCharsets.ISO_8859_1);
    }
}
