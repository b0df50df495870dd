package org.ebpf4j.vm.verifier;

/**
 * A tristate number (kernel/bpf/tnum.c): every bit is known 0, known 1 ({@code value}) or unknown
 * ({@code mask}); {@code value & mask == 0} always holds. The verifier's bit-level knowledge of a
 * scalar, kept beside its ranges (see {@link RegState}).
 */
record Tnum(long value, long mask) {
    static final Tnum UNKNOWN = new Tnum(0, -1L);

    static Tnum constant(long v) { return new Tnum(v, 0); }

    /** tnum_range: the smallest tnum holding every value of [min, max] (unsigned). */
    static Tnum range(long min, long max) {
        long chi = min ^ max;
        int bits = 64 - Long.numberOfLeadingZeros(chi);
        if (bits > 63) {
            return UNKNOWN;
        }
        long delta = (1L << bits) - 1;
        return new Tnum(min & ~delta, delta);
    }

    boolean isConst() { return mask == 0; }

    boolean isUnknown() { return mask == -1L; }

    Tnum add(Tnum b) {
        long sm = mask + b.mask, sv = value + b.value, sigma = sm + sv, chi = sigma ^ sv;
        long mu = chi | mask | b.mask;
        return new Tnum(sv & ~mu, mu);
    }

    Tnum sub(Tnum b) {
        long dv = value - b.value, alpha = dv + mask, beta = dv - b.mask, chi = alpha ^ beta;
        long mu = chi | mask | b.mask;
        return new Tnum(dv & ~mu, mu);
    }

    Tnum and(Tnum b) {
        long alpha = value | mask, beta = b.value | b.mask, v = value & b.value;
        return new Tnum(v, alpha & beta & ~v);
    }

    Tnum or(Tnum b) {
        long v = value | b.value, mu = mask | b.mask;
        return new Tnum(v, mu & ~v);
    }

    Tnum xor(Tnum b) {
        long v = value ^ b.value, mu = mask | b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** tnum_mul, the shift-and-add form of kernel/bpf/tnum.c. */
    Tnum mul(Tnum b) {
        Tnum a = this;
        Tnum accV = constant(a.value * b.value);
        Tnum accM = new Tnum(0, 0);
        while (a.value != 0 || a.mask != 0) {
            if ((a.value & 1) != 0) {
                accM = accM.add(new Tnum(0, b.mask));
            } else if ((a.mask & 1) != 0) {
                accM = accM.add(new Tnum(0, b.value | b.mask));
            }
            a = a.rshift(1);
            b = b.lshift(1);
        }
        return accV.add(accM);
    }

    Tnum lshift(int s) { return new Tnum(value << s, mask << s); }

    Tnum rshift(int s) { return new Tnum(value >>> s, mask >>> s); }

    /** tnum_arshift for a 32- or 64-bit operation. */
    Tnum arshift(int s, int bits) {
        if (bits == 32) {
            return new Tnum(Integer.toUnsignedLong((int) value >> s), Integer.toUnsignedLong((int) mask >> s));
        }
        return new Tnum(value >> s, mask >> s);
    }

    Tnum intersect(Tnum b) {
        long v = value | b.value, mu = mask & b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** tnum_cast: keeps the low {@code size} bytes. */
    Tnum cast(int size) {
        if (size >= 8) {
            return this;
        }
        long m = (1L << (size * 8)) - 1;
        return new Tnum(value & m, mask & m);
    }

    /** tnum_in: whether every value of {@code b} is a value of this. */
    boolean contains(Tnum b) {
        if ((b.mask & ~mask) != 0) {
            return false;
        }
        return value == (b.value & ~mask);
    }

    Tnum subreg() { return cast(4); }

    Tnum clearSubreg() { return new Tnum(value & 0xffffffff00000000L, mask & 0xffffffff00000000L); }

    Tnum withSubreg(Tnum sub) { return clearSubreg().or(sub.cast(4)); }

    /** tnum_strn: the kernel's print form, {@code (0x0; 0xff)} or a constant as a number. */
    @Override
    public String toString() {
        return isConst() ? Long.toString(value) : "(0x" + Long.toHexString(value) + "; 0x" + Long.toHexString(mask) + ")";
    }
}
