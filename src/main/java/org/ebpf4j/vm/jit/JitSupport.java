package org.ebpf4j.vm.jit;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.memory.MemoryFault;
import org.ebpf4j.vm.ProgramFault;

/**
 * What compiled programs call out to: the out-of-line halves of instructions (division with the
 * kernel's zero rules, atomics, fault construction). Every method is small and static so that C2
 * inlines it into the hidden class; the semantics are those of the interpreter
 * ({@code org.ebpf4j.vm.interp.Machine}), itself kernel/bpf/core.c ___bpf_prog_run().
 *
 * <p>Faults are built here, never thrown here (except inside the atomics): the generated code does
 * {@code athrow} itself, so the JVM sees that the fault path does not return.
 */
final class JitSupport {
    private JitSupport() {}

    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The value of a {@code BPF_PSEUDO_FUNC} ld_imm64: the same encoding as the interpreter's
     * ({@code Decoded.FUNC_BASE + slot * 8}), so both engines hand programs the same number.
     */
    static final long FUNC_BASE = 0xffff_ffff_c000_0000L;

    private static final long M32 = 0xffffffffL;

    // ---- faults ----

    /** The fault of a plain load/store at segment offset {@code off} (address {@code off + BASE}). */
    static ProgramFault memFault(long off, int len, int pc) {
        MemoryFault f = new MemoryFault(off + Arena.BASE, len);
        return new ProgramFault(pc, f.getMessage(), f);
    }

    /** What the interpreter makes of an exception escaping a helper (or a foreign tail call). */
    static ProgramFault helperFault(RuntimeException e, int pc) {
        if (e instanceof ProgramFault f) {
            return f;
        }
        if (e instanceof MemoryFault f) {
            return new ProgramFault(pc, f.getMessage(), f);
        }
        return new ProgramFault(pc, "run aborted: " + e, e);
    }

    /** A bpf-to-bpf call from frame {@code depth} would open a ninth frame. */
    static ProgramFault depthFault(int depth, int pc) {
        return new ProgramFault(pc, "the call stack of " + (depth + 2) + " frames is too deep");
    }

    static ProgramFault ldAbsFault(int pc) {
        return new ProgramFault(pc, "BPF_LD_[ABS|IND] is not implemented by the interpreter yet");
    }


    // ---- atomics: the arena's VarHandle atomics, faults tagged with the slot ----

    // One method per read-modify-write and width: each returns the old value (zero-extended for
    // 32 bits), which the caller keeps for the BPF_FETCH forms.

    static long add64(Arena a, long addr, long v, int pc) {
        try {
            return a.getAndAdd64(addr, v);
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long add32(Arena a, long addr, long v, int pc) {
        try {
            return a.getAndAdd32(addr, (int) v) & M32;
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long or64(Arena a, long addr, long v, int pc) {
        try {
            return a.getAndOr64(addr, v);
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long or32(Arena a, long addr, long v, int pc) {
        try {
            return a.getAndOr32(addr, (int) v) & M32;
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long and64(Arena a, long addr, long v, int pc) {
        try {
            return a.getAndAnd64(addr, v);
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long and32(Arena a, long addr, long v, int pc) {
        try {
            return a.getAndAnd32(addr, (int) v) & M32;
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long xor64(Arena a, long addr, long v, int pc) {
        try {
            return a.getAndXor64(addr, v);
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long xor32(Arena a, long addr, long v, int pc) {
        try {
            return a.getAndXor32(addr, (int) v) & M32;
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long xchg64(Arena a, long addr, long v, int pc) {
        try {
            return a.getAndSet64(addr, v);
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long xchg32(Arena a, long addr, long v, int pc) {
        try {
            return a.getAndSet32(addr, (int) v) & M32;
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    /** BPF_CMPXCHG: r0 gets the old value (zero-extended for 32 bits). */
    static long cmpxchg64(Arena a, long addr, long expected, long v, int pc) {
        try {
            return a.compareAndExchange64(addr, expected, v);
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long cmpxchg32(Arena a, long addr, long expected, long v, int pc) {
        try {
            return a.compareAndExchange32(addr, (int) expected, (int) v) & M32;
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static long loadAcquire(Arena a, long addr, int bytes, int pc) {
        try {
            long got = a.load(addr, bytes);
            VarHandle.acquireFence();
            return got;
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }

    static void storeRelease(Arena a, long addr, int bytes, long v, int pc) {
        try {
            VarHandle.releaseFence();
            a.store(addr, bytes, v);
        } catch (MemoryFault f) {
            throw new ProgramFault(pc, f.getMessage(), f);
        }
    }
}
