package org.ebpf4j.vm.jit;

import static java.lang.constant.ConstantDescs.*;
import static org.ebpf4j.isa.Opcodes.*;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.function.Consumer;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;

/**
 * BPF_LDX, BPF_ST, BPF_STX: loads and stores as {@code MemorySegment} accesses on the arena's
 * segment (a constant of the class) at {@code addr - BASE}, with unaligned little-endian layouts.
 *
 * <p>The segment's own bounds check is the only one: it fails exactly when the interpreter's
 * {@code Arena.offset} does ({@code off < 0 || off > size - len}), by throwing
 * {@code IndexOutOfBoundsException}. Each access has its own exception-table entry whose handler
 * (cold code after the body) turns that into the interpreter's {@code ProgramFault(slot,
 * MemoryFault(addr, len))}, reading the offset back from the scratch local it was computed into.
 * Handlers cost nothing until they run, so an access is one compare and the move itself, where an
 * explicit check before it cost two more compares per access (sieve: 18.2 to 15.0 µs of CPU).
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
                address(m, in.src(), in.off(), bytes);
                guarded(m, i, bytes, cb -> cb.invokeinterface(Descs.SEGMENT, "get",
                        MethodTypeDesc.of(prim(bytes), layout(bytes), CD_long)));
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
                address(m, in.dst(), in.off(), bytes);
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
                guarded(m, i, bytes, cb -> cb.invokeinterface(Descs.SEGMENT, "set",
                        MethodTypeDesc.of(CD_void, layout(bytes), CD_long, prim(bytes))));
            }
            default -> throw AluEmitter.unexpected(i, in);
        }
    }

    /**
     * Pushes segment, layout and the segment offset of {@code reg + off}, which is also left in
     * the scratch local for the fault handler of {@link #guarded}.
     */
    private static void address(MethodGen m, int base, int off, int bytes) {
        CodeBuilder cb = m.cb;
        segmentAndLayout(m, bytes);
        if (base == 10) {
            cb.lload(m.fpOffSlot).loadConstant((long) off);
        } else {
            m.load(base);
            cb.loadConstant(off - Arena.BASE);
        }
        cb.ladd().dup2().lstore(m.tmp);
    }

    /**
     * Emits the segment access {@code access} under an exception-table entry of its own: an
     * {@code IndexOutOfBoundsException} from it is this slot's memory fault at the offset in the
     * scratch local.
     */
    private static void guarded(MethodGen m, int pc, int bytes, Consumer<CodeBuilder> access) {
        CodeBuilder cb = m.cb;
        Label start = cb.newLabel();
        Label end = cb.newLabel();
        Label handler = cb.newLabel();
        cb.labelBinding(start);
        access.accept(cb);
        cb.labelBinding(end);
        cb.exceptionCatch(start, end, handler, Descs.INDEX_OUT_OF_BOUNDS);
        int t = m.tmp;
        m.coldHandler(handler, b -> {
            b.pop().lload(t).loadConstant(bytes);
            m.loadPc(b, pc);
            b.invokestatic(Descs.SUPPORT, "memFault", Descs.MEM_FAULT).athrow();
        });
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

    static ClassDesc layout(int bytes) {
        return switch (bytes) {
            case 1 -> Descs.OF_BYTE;
            case 2 -> Descs.OF_SHORT;
            case 4 -> Descs.OF_INT;
            default -> Descs.OF_LONG;
        };
    }

    static ClassDesc prim(int bytes) {
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
            cb.loadConstant((long) in.off()).ladd().loadConstant(bytes);
            m.loadPc(cb, pc);
            cb.invokestatic(Descs.SUPPORT, "loadAcquire", Descs.LOAD_ACQ);
            m.store(d);
            return;
        }
        m.load(d);
        cb.loadConstant((long) in.off()).ladd();
        if (imm == BPF_STORE_REL) {                           // store_release(dst + off, src)
            cb.loadConstant(bytes);
            m.load(s);
            m.loadPc(cb, pc);
            cb.invokestatic(Descs.SUPPORT, "storeRelease", Descs.STORE_REL);
            return;
        }
        if (bytes != 4 && bytes != 8) {
            throw AluEmitter.unexpected(pc, in);
        }
        if (imm == BPF_CMPXCHG) {                             // r0 = cmpxchg(dst + off, r0, src)
            m.load(0);
            m.load(s);
            m.loadPc(cb, pc);
            cb.invokestatic(Descs.SUPPORT, dw ? "cmpxchg64" : "cmpxchg32", Descs.CMPXCHG);
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
        m.loadPc(cb, pc);
        cb.invokestatic(Descs.SUPPORT, name + (dw ? "64" : "32"), Descs.ATOMIC_ADD);
        if (fetch) {
            m.store(s);
        } else {
            cb.pop2();
        }
    }
}
