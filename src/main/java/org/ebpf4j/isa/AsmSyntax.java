package org.ebpf4j.isa;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Operand syntax of the bpf_conformance / uBPF assembler: registers {@code %r0}..{@code %r10},
 * numbers in decimal or {@code 0x} hex with an optional sign, memory operands
 * {@code [%rN]}, {@code [%rN+off]}, {@code [%rN-off]}, jump targets {@code +N}, {@code -N} or a
 * label. Every parse names the offending token in its {@link AsmException}.
 *
 * <p>Ranges (what the conformance negative vectors require): a 32-bit immediate is a signed
 * decimal in [-2^31, 2^31-1] or a hex value up to {@code 0xffffffff} (its bits; {@code -0x80000000}
 * at the low end); a 16-bit offset likewise [-32768, 32767] or hex up to {@code 0xffff}; a 64-bit
 * immediate ({@code lddw}) accepts anything in [-2^63, 2^64-1].
 */
final class AsmSyntax {
    private AsmSyntax() {}

    private static final Pattern NUMBER = Pattern.compile("([+-]?)(0[xX][0-9a-fA-F]+|[0-9]+)");
    private static final Pattern REGISTER = Pattern.compile("%r([0-9]+)");
    private static final Pattern MEMORY = Pattern.compile("\\[\\s*(%?[A-Za-z0-9]+)\\s*(?:([+-])\\s*([0-9A-Za-z]+))?\\s*]");
    static final Pattern LABEL = Pattern.compile("[A-Za-z_.][A-Za-z0-9_.]*");

    /** A memory operand: base register and offset. */
    record Mem(int reg, int off) {}

    static int register(String tok, int line) {
        Matcher m = REGISTER.matcher(tok);
        if (!m.matches() || m.group(1).length() > 2 || Integer.parseInt(m.group(1)) > 10) {
            throw new AsmException(line, "invalid register '" + tok + "' (expected %r0..%r10)");
        }
        return Integer.parseInt(m.group(1));
    }

    static boolean isRegister(String tok) {
        return tok.startsWith("%");
    }

    static boolean isNumber(String tok) {
        return NUMBER.matcher(tok).matches();
    }

    /** The value of a number token, exactly; null if the token is not a number. */
    private static BigInteger value(String tok) {
        Matcher m = NUMBER.matcher(tok);
        if (!m.matches()) {
            return null;
        }
        String digits = m.group(2);
        BigInteger v = digits.length() > 2 && (digits.charAt(1) == 'x' || digits.charAt(1) == 'X')
                ? new BigInteger(digits.substring(2), 16) : new BigInteger(digits);
        return "-".equals(m.group(1)) ? v.negate() : v;
    }

    private static boolean isHex(String tok) {
        return tok.contains("0x") || tok.contains("0X");
    }

    /** A signed value of {@code bits} bits: decimal must fit signed, hex may use the unsigned range. */
    private static long fit(String tok, int bits, String what, int line) {
        BigInteger v = value(tok);
        if (v == null) {
            throw new AsmException(line, "invalid " + what + " '" + tok + "' (expected a decimal or 0x number)");
        }
        BigInteger min = BigInteger.ONE.shiftLeft(bits - 1).negate();
        BigInteger max = isHex(tok) && v.signum() >= 0
                ? BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                : BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
        if (v.compareTo(min) < 0 || v.compareTo(max) > 0) {
            throw new AsmException(line, what + " '" + tok + "' out of " + bits + "-bit range");
        }
        return v.longValue();
    }

    static int imm32(String tok, int line) {
        return (int) fit(tok, 32, "immediate", line);
    }

    static short off16(String tok, int line) {
        return (short) fit(tok, 16, "offset", line);
    }

    static long imm64(String tok, int line) {
        BigInteger v = value(tok);
        if (v == null) {
            throw new AsmException(line, "invalid immediate '" + tok + "' (expected a decimal or 0x number)");
        }
        if (v.compareTo(BigInteger.ONE.shiftLeft(63).negate()) < 0 || v.bitLength() > 64) {
            throw new AsmException(line, "immediate '" + tok + "' out of 64-bit range");
        }
        return v.longValue();
    }

    static Mem memory(String tok, int line) {
        Matcher m = MEMORY.matcher(tok);
        if (!m.matches()) {
            throw new AsmException(line, "invalid memory operand '" + tok + "' (expected [%rN], [%rN+off] or [%rN-off])");
        }
        int reg = register(m.group(1), line);
        if (m.group(2) == null) {
            return new Mem(reg, 0);
        }
        return new Mem(reg, off16(m.group(2) + m.group(3), line));
    }

    static boolean isRelative(String tok) {
        return tok.startsWith("+") || tok.startsWith("-");
    }

    static String label(String tok, int line) {
        if (!LABEL.matcher(tok).matches()) {
            throw new AsmException(line, "invalid jump target '" + tok + "' (expected +N, -N or a label)");
        }
        return tok;
    }
}
