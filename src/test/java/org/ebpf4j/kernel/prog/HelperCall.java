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
 * TEST_RUN) carries the scratch memory: [40,48) receives r0, [48,...) is copied to the stack,
 * where pointer arguments point, and back. Value arguments are immediates of the program (the
 * verifier wants sizes it can bound), also written to bytes [0,40) for reference.
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

    /**
     * The program Linux accepts for this call: the scratch bytes are copied from the context to
     * the stack (the verifier lets helpers read and write stack memory, not a syscall program's
     * context), arguments are immediates or pointers into that stack copy, and afterwards r0 and
     * the stack copy go back into the context.
     */
    List<Insn> program(int helper, Arg... args) {
        int size = ctx.length - DATA;
        Asm a = Asm.program().mov64(Reg.R6, Reg.R1);
        for (int o = 0; o < size; o += 8) {
            a.ldx(Size.DW, Reg.R0, Reg.R6, DATA + o).stx(Size.DW, Reg.R10, o - size, Reg.R0);
        }
        Reg[] regs = {Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5};
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Ptr p) {
                a.mov64(regs[i], Reg.R10).add64(regs[i], p.off() - DATA - size);
            } else if (args[i] instanceof Val v && v.v() == (int) v.v()) {
                a.mov64(regs[i], (int) v.v());
            } else {
                a.lddw(regs[i], ((Val) args[i]).v());
            }
        }
        a.call(helper).stx(Size.DW, Reg.R6, RET, Reg.R0);
        for (int o = 0; o < size; o += 8) {
            a.ldx(Size.DW, Reg.R0, Reg.R10, o - size).stx(Size.DW, Reg.R6, DATA + o, Reg.R0);
        }
        return a.mov64(Reg.R0, 0).exit().build();
    }

    /** Runs helper {@code id} and returns r0; {@link #ctx} then holds the context after the run. */
    long call(int id, String license, Arg... args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Val v) {
                ByteBuffer.wrap(ctx, 8 * i, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v.v());
            }
        }
        ProgLoadAttr load = ProgLoadAttr.of(ProgType.SYSCALL.value(), program(id, args), license);
        int fd = f.bpf.progLoad(f.task, load);
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
