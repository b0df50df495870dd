package org.ebpf4j.kernel.helpers;

import org.ebpf4j.uapi.Errno;

/**
 * {@code __bpf_strtoull} of kernel/bpf/helpers.c with lib/kstrtox.c's
 * {@code _parse_integer_fixup_radix} and {@code _parse_integer}: leading white space, an optional
 * '-', at most 63 bytes of digits (the kernel copies into a 64-byte buffer), base 0 guessing
 * {@code 0x}/{@code 0}, overflow of 64 bits → -ERANGE, no digit → -EINVAL.
 */
final class StrToX {
    private StrToX() {}

    record Parsed(long value, boolean negative, int consumed, int err) {}

    static Parsed parse(byte[] buf, int base) {
        int len = buf.length;
        int cur = 0;
        while (cur < len && BpfFormat.isSpace(buf[cur] & 0xff)) {
            cur++;
        }
        boolean negative = cur < len && buf[cur] == '-';
        if (negative) {
            cur++;
        }
        int consumed = cur;
        int curLen = len - consumed;
        if (curLen == 0) {
            return new Parsed(0, negative, 0, Errno.EINVAL.negative());
        }
        curLen = Math.min(curLen, 63);
        byte[] str = new byte[curLen + 1];
        System.arraycopy(buf, cur, str, 0, curLen);
        int s = 0;
        if (base == 0) {
            if (str[0] == '0') {
                base = (lower(str[1]) == 'x' && isXdigit(str[2])) ? 16 : 8;
            } else {
                base = 10;
            }
        }
        if (base == 16 && str[0] == '0' && lower(str[1]) == 'x') {
            s = 2;
        }
        long res = 0;
        boolean overflow = false;
        int rv = 0;
        for (int k = s; k < str.length; k++) {
            int ch = str[k] & 0xff;
            int val;
            if (ch >= '0' && ch <= '9') {
                val = ch - '0';
            } else if (lower(ch) >= 'a' && lower(ch) <= 'f') {
                val = lower(ch) - 'a' + 10;
            } else {
                break;
            }
            if (val >= base) {
                break;
            }
            if (Long.compareUnsigned(res, Long.divideUnsigned(-1L - val, base)) > 0) {
                overflow = true;
            }
            res = res * base + val;
            rv++;
        }
        if (overflow) {
            return new Parsed(0, negative, 0, Errno.ERANGE.negative());
        }
        if (rv == 0) {
            return new Parsed(0, negative, 0, Errno.EINVAL.negative());
        }
        return new Parsed(res, negative, consumed + s + rv, 0);
    }

    private static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

    private static boolean isXdigit(int c) {
        return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f');
    }
}
