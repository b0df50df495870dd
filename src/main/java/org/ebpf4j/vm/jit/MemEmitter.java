package org.ebpf4j.vm.jit;

import static java.lang.constant.ConstantDescs.*;
import static org.ebpf4j.isa.Opcodes.*;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;

/**
 * BPF_LDX, BPF_ST, BPF_STX: loads and stores as {@code MemorySegment} accesses on the arena's
 * segment (a constant of the class) at {@code addr - BASE}, with unaligned little-endian layouts.
 * Before each access an explicit check {@code 0 <= off <= size - len} throws the interpreter's
 * {@code ProgramFault(slot, MemoryFault)}; it is left out where the access is provably inside the
 * frame ({@code r10 + off}, off in [-512, 0)), which the stack region always is. The segment access
 * stays bounds-checked by the JVM either way, so nothing can reach outside the arena.
 *
 * <p>Atomics go through the arena's VarHandle atomics ({@link JitSupport}), with the alignment
 * check and cmpxchg semantics of the interpreter.
 */
final class MemEmitter {
    private MemEmitter() {}

    private static final long M32 = 0xffffffffL;

    static void emit(MethodGen m, int i, Insn in) {
        int c = in.opcode();
        int bytes = sizeBytes(c);
        switch (cls(c)) {
            case BPF_LDX -> {
                if (mode(c) != BPF_MEM && mode(c) != BPF_MEMSX) {
                    throw AluEmitter.unexpected(i, in);
                }
                address(m, i, in.src(), in.off(), bytes);
                m.cb.invokeinterface(Descs.SEGMENT, "get", MethodTypeDesc.of(prim(bytes), layout(bytes), CD_long));
                extend(m.cb, bytes, mode(c) == BPF_MEMSX);
                m.store(in.dst());
            }
            case BPF_ST, BPF_STX -> {
                if (mode(c) == BPF_ATOMIC) {
                    atomic(m, i, in);
                    return;
                }
                if (mode(c) != BPF_MEM) {
                    throw AluEmitter.unexpected(i, in);
                }
                address(m, i, in.dst(), in.off(), bytes);
                if (cls(c) == BPF_ST) {
                    long v = in.imm();
                    switch (bytes) {
                        case 1 -> m.cb.loadConstant((int) (byte) v);
                        case 2 -> m.cb.loadConstant((int) (short) v);
                        case 4 -> m.cb.loadConstant((int) v);
                        default -> m.cb.loadConstant(v);
                    }
                } else {
                    m.load(in.src());
                    switch (bytes) {
                        case 1 -> m.cb.l2i().i2b();
                        case 2 -> m.cb.l2i().i2s();
                        case 4 -> m.cb.l2i();
                        default -> { }
                    }
                }
                m.cb.invokeinterface(Descs.SEGMENT, "set", MethodTypeDesc.of(CD_void, layout(bytes), CD_long, prim(bytes)));
            }
            default -> throw AluEmitter.unexpected(i, in);
        }
    }

    /**
     * Pushes segment, layout and the segment offset of {@code reg + off}, after the bounds check
     * unless the access is provably in the frame.
     */
    private static void address(MethodGen m, int pc, int base, int off, int bytes) {
        CodeBuilder cb = m.cb;
        if (base == 10 && off >= -JitContext.STACK && off + bytes <= 0) {
            segmentAndLayout(m, bytes);
            cb.lload(m.fpOffSlot).loadConstant((long) off).ladd();
            return;
        }
        m.load(base);
        cb.loadConstant(off - Arena.BASE).ladd().lstore(m.tmp);
        long limit = m.cls.arenaSize - bytes;
        int t = m.tmp;
        Label fault = m.cold(b -> b.lload(t).loadConstant(bytes).loadConstant(pc)
                .invokestatic(Descs.SUPPORT, "memFault", Descs.MEM_FAULT).athrow());
        // out of bounds iff (off | (limit - off)) < 0, i.e. off < 0 or off > size - len
        cb.lload(t).loadConstant(limit).lload(t).lsub().lor().lconst_0().lcmp().iflt(fault);
        segmentAndLayout(m, bytes);
        cb.lload(t);
    }

    private static void segmentAndLayout(MethodGen m, int bytes) {
        m.cb.getstatic(m.cls.self, ClassGen.SEG, Descs.SEGMENT);
        m.cb.getstatic(Descs.SUPPORT, "I" + bytes * 8, layout(bytes));
    }

    /** The loaded value (byte/short/int/long on the stack) to the register's long. */
    private static void extend(CodeBuilder cb, int bytes, boolean signed) {
        switch (bytes) {
            case 1, 2 -> {
                if (!signed) {
                    cb.loadConstant(bytes == 1 ? 0xff : 0xffff).iand();
                }
                cb.i2l();
            }
            case 4 -> {
                cb.i2l();
                if (!signed) {
                    cb.loadConstant(M32).land();
                }
            }
            default -> { }
        }
    }

    private static ClassDesc layout(int bytes) {
        return switch (bytes) {
            case 1 -> Descs.OF_BYTE;
            case 2 -> Descs.OF_SHORT;
            case 4 -> Descs.OF_INT;
            default -> Descs.OF_LONG;
        };
    }

    private static ClassDesc prim(int bytes) {
        return switch (bytes) {
            case 1 -> CD_byte;
            case 2 -> CD_short;
            case 4 -> CD_int;
            default -> CD_long;
        };
    }

    /** BPF_STX | BPF_ATOMIC: the operation is in imm (include/uapi/linux/bpf.h BPF_FETCH etc.). */
    private static void atomic(MethodGen m, int pc, Insn in) {
        CodeBuilder cb = m.cb;
        int c = in.opcode();
        int bytes = sizeBytes(c);
        boolean dw = bytes == 8;
        int imm = in.imm();
        int d = in.dst();
        int s = in.src();
        if (cls(c) != BPF_STX) {
            throw AluEmitter.unexpected(pc, in);
        }
        cb.getstatic(m.cls.self, ClassGen.ARENA, Descs.ARENA);
        if (imm == BPF_LOAD_ACQ) {                            // dst = load_acquire(src + off)
            m.load(s);
            cb.loadConstant((long) in.off()).ladd().loadConstant(bytes).loadConstant(pc)
                    .invokestatic(Descs.SUPPORT, "loadAcquire", Descs.LOAD_ACQ);
            m.store(d);
            return;
        }
        m.load(d);
        cb.loadConstant((long) in.off()).ladd();
        if (imm == BPF_STORE_REL) {                           // store_release(dst + off, src)
            cb.loadConstant(bytes);
            m.load(s);
            cb.loadConstant(pc).invokestatic(Descs.SUPPORT, "storeRelease", Descs.STORE_REL);
            return;
        }
        if (bytes != 4 && bytes != 8) {
            throw AluEmitter.unexpected(pc, in);
        }
        if (imm == BPF_CMPXCHG) {                             // r0 = cmpxchg(dst + off, r0, src)
            m.load(0);
            m.load(s);
            cb.loadConstant(pc).invokestatic(Descs.SUPPORT, dw ? "cmpxchg64" : "cmpxchg32", Descs.CMPXCHG);
            m.store(0);
            return;
        }
        boolean fetch = (imm & BPF_FETCH) != 0;
        String name = switch (imm & ~BPF_FETCH) {
            case BPF_ADD -> "add";
            case BPF_OR -> "or";
            case BPF_AND -> "and";
            case BPF_XOR -> "xor";
            case BPF_XCHG & ~BPF_FETCH -> fetch ? "xchg" : null;
            default -> null;
        };
        if (name == null) {
            throw AluEmitter.unexpected(pc, in);
        }
        m.load(s);
        cb.loadConstant(pc).invokestatic(Descs.SUPPORT, name + (dw ? "64" : "32"), Descs.ATOMIC_ADD);
        if (fetch) {
            m.store(s);
        } else {
            cb.pop2();
        }
    }
}
