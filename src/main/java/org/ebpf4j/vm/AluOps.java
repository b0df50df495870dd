package org.ebpf4j.vm;

/**
 * BPF division and modulo, as {@code kernel/bpf/core.c} computes them with the zero cases the
 * verifier patches in: division by zero gives 0, modulo by zero leaves the dividend (truncated to
 * 32 bits for the 32-bit forms), signed overflow (INT_MIN / -1) gives INT_MIN and INT_MIN % -1
 * gives 0. The one definition both engines use: the interpreter calls these, the JIT emits
 * {@code invokestatic} to them.
 */
public final class AluOps {
    private static final long M32 = 0xffffffffL;

    private AluOps() {}

    public static long div64(long a, long b) { return b == 0 ? 0 : Long.divideUnsigned(a, b); }

    public static long mod64(long a, long b) { return b == 0 ? a : Long.remainderUnsigned(a, b); }

    public static long div32(long a, long b) {
        int d = (int) b;
        return d == 0 ? 0 : Integer.divideUnsigned((int) a, d) & M32;
    }

    public static long mod32(long a, long b) {
        int d = (int) b;
        return d == 0 ? a & M32 : Integer.remainderUnsigned((int) a, d) & M32;
    }

    // Java's / and % already give LONG_MIN / -1 = LONG_MIN and LONG_MIN % -1 = 0, as BPF wants.
    public static long sdiv64(long a, long b) { return b == 0 ? 0 : a / b; }

    public static long smod64(long a, long b) { return b == 0 ? a : a % b; }

    public static long sdiv32(long a, long b) {
        int d = (int) b;
        return d == 0 ? 0 : ((int) a / d) & M32;
    }

    public static long smod32(long a, long b) {
        int d = (int) b;
        return d == 0 ? a & M32 : ((int) a % d) & M32;
    }
}
