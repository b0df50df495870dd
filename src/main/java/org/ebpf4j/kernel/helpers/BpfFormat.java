package org.ebpf4j.kernel.helpers;

import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;

/**
 * The printf engine behind {@code bpf_trace_printk} and {@code bpf_snprintf}: the checks of
 * {@code bpf_bprintf_prepare()} (kernel/bpf/helpers.c) and the output of {@code bstr_printf()}
 * (lib/vsprintf.c) for the conversions BPF may use:
 * {@code %d %i %u %x %X} with {@code l}/{@code ll}, {@code %c}, {@code %s %pks %pus},
 * {@code %p %pK %px %ps %pS %pB}, {@code %pI4 %pi4 %pI6 %pi6}, {@code %%}; flags
 * {@code 0 + - space} and a width. Anything else (precision, {@code %o}, {@code %h}, a
 * non-printable byte) is -EINVAL, as are more conversions than arguments.
 *
 * <p>Strings are read from the arena with the "nofault" rule: an address outside it reads as the
 * empty string. Hashed pointers ({@code %p}, {@code %pK}) use a per-instance key, so they are
 * stable within a runtime and meaningless across runtimes, like Linux's per-boot key; NULL
 * prints as zeros, as {@code ptr_to_id()} does.
 */
public final class BpfFormat {
    /** {@code MAX_BPRINTF_VARARGS}: the most u64 arguments a data array may hold. */
    public static final int MAX_BPRINTF_VARARGS = 12;
    /** {@code MAX_BPRINTF_BIN_ARGS}: bytes of copied arguments one call may hold. */
    public static final int MAX_BPRINTF_BIN_ARGS = 512;
    /** {@code MAX_BPRINTF_BUF}: bytes of output trace_printk formats into. */
    public static final int MAX_BPRINTF_BUF = 1024;

    private final Arena arena;
    private final long ptrKey;

    public BpfFormat(Arena arena, long ptrKey) {
        this.arena = arena;
        this.ptrKey = ptrKey;
    }

    /**
     * The u64 arguments of a {@code data}/{@code len} array (bpf_snprintf, bpf_seq_printf), whose
     * length the caller has checked (a multiple of 8, at most {@link #MAX_BPRINTF_VARARGS}): a
     * {@code MAX_BPRINTF_VARARGS}-slot array, or null when the array is not in the arena (-EFAULT).
     */
    public long[] args(long data, long len) {
        long[] args = new long[MAX_BPRINTF_VARARGS];
        if (len > 0) {
            if (!arena.contains(data, len)) {
                return null;
            }
            for (int k = 0; k < len / 8; k++) {
                args[k] = arena.load64(data + 8L * k);
            }
        }
        return args;
    }

    /**
     * Formats {@code fmt} (the bytes before its NUL) with {@code args}. Returns the full output
     * (before any truncation the caller applies), or null with {@code err[0]} set to -errno.
     */
    public String format(byte[] fmt, long[] args, int numArgs, int[] err) {
        StringBuilder out = new StringBuilder();
        int numSpec = 0;
        int binUsed = 0;
        int n = fmt.length;
        for (int i = 0; i < n; i++) {
            int c = fmt[i] & 0xff;
            if (c >= 0x80 || (!isPrint(c) && !isSpace(c))) {
                err[0] = Errno.EINVAL.negative();
                return null;
            }
            if (c != '%') {
                out.append((char) c);
                continue;
            }
            if (at(fmt, i + 1) == '%') {
                out.append('%');
                i++;
                continue;
            }
            if (numSpec >= numArgs) {
                err[0] = Errno.EINVAL.negative();
                return null;
            }
            i++;
            boolean zero = false, left = false, plus = false, space = false;
            for (;;) {
                int f = at(fmt, i);
                if (f == '0') { zero = true; } else if (f == '-') { left = true; }
                else if (f == '+') { plus = true; } else if (f == ' ') { space = true; } else { break; }
                i++;
            }
            int width = 0;
            if (at(fmt, i) >= '1' && at(fmt, i) <= '9') {
                while (at(fmt, i) >= '0' && at(fmt, i) <= '9') {
                    width = Math.min(width * 10 + (at(fmt, i) - '0'), 4096);
                    i++;
                }
            }
            long arg = args[numSpec];
            int conv = at(fmt, i);
            String text;
            if (conv == 'p') {
                int p1 = at(fmt, i + 1);
                if ((p1 == 'k' || p1 == 'u') && at(fmt, i + 2) == 's') {
                    i += 2;
                    if (!strFollowOk(at(fmt, i + 1))) {
                        err[0] = Errno.EINVAL.negative();
                        return null;
                    }
                    if (binUsed >= MAX_BPRINTF_BIN_ARGS) {
                        err[0] = Errno.ENOSPC.negative();
                        return null;
                    }
                    String s = p1 == 'k' ? readString(arg, MAX_BPRINTF_BIN_ARGS - binUsed) : "";
                    binUsed += s.length() + 1;
                    out.append(pad(s, width, left, false));
                    numSpec++;
                    continue;
                }
                if (p1 == 0 || isSpace(p1) || isPunct(p1) || p1 == 'K' || p1 == 'x' || p1 == 's' || p1 == 'S'
                        || p1 == 'B') {
                    if (p1 == 'x') {
                        text = hex16(arg);
                        i++;
                    } else if (p1 == 's' || p1 == 'S' || p1 == 'B') {
                        text = "0x" + Long.toHexString(arg);   // no symbol covers arena memory
                        i++;
                    } else if (p1 == 'K') {
                        text = hashed(arg);
                        i++;
                    } else {
                        text = hashed(arg);                      // plain %p: the next byte is printed as is
                    }
                    binUsed = (binUsed + 3) & ~3;
                    if (p1 != 'B') {
                        if (MAX_BPRINTF_BIN_ARGS - binUsed < 8) {
                            err[0] = Errno.ENOSPC.negative();
                            return null;
                        }
                        binUsed += 8;
                    }
                    out.append(text);
                    numSpec++;
                    continue;
                }
                if ((p1 != 'i' && p1 != 'I') || (at(fmt, i + 2) != '4' && at(fmt, i + 2) != '6')) {
                    err[0] = Errno.EINVAL.negative();
                    return null;
                }
                boolean v4 = at(fmt, i + 2) == '4';
                i += 2;
                int len = v4 ? 4 : 16;
                if (MAX_BPRINTF_BIN_ARGS - binUsed < len) {
                    err[0] = Errno.ENOSPC.negative();
                    return null;
                }
                byte[] ip = arena.contains(arg, len) ? arena.copyOut(arg, len) : new byte[len];
                text = v4 ? ip4(ip, p1 == 'i') : ip6(ip, p1 == 'i');
                binUsed += text.length() + 1;
                out.append(text);
                numSpec++;
                continue;
            }
            if (conv == 's') {
                if (!strFollowOk(at(fmt, i + 1))) {
                    err[0] = Errno.EINVAL.negative();
                    return null;
                }
                if (binUsed >= MAX_BPRINTF_BIN_ARGS) {
                    err[0] = Errno.ENOSPC.negative();
                    return null;
                }
                String s = readString(arg, MAX_BPRINTF_BIN_ARGS - binUsed);
                binUsed += s.length() + 1;
                out.append(pad(s, width, left, false));
                numSpec++;
                continue;
            }
            if (conv == 'c') {
                if (binUsed >= MAX_BPRINTF_BIN_ARGS) {
                    err[0] = Errno.ENOSPC.negative();
                    return null;
                }
                binUsed++;
                out.append(pad(String.valueOf((char) (arg & 0xff)), width, left, false));
                numSpec++;
                continue;
            }
            int size = 4;
            if (conv == 'l') {
                size = 8;
                i++;
                conv = at(fmt, i);
            }
            if (conv == 'l') {
                i++;
                conv = at(fmt, i);
            }
            if (conv != 'i' && conv != 'd' && conv != 'u' && conv != 'x' && conv != 'X') {
                err[0] = Errno.EINVAL.negative();
                return null;
            }
            binUsed = (binUsed + 3) & ~3;
            if (MAX_BPRINTF_BIN_ARGS - binUsed < size) {
                err[0] = Errno.ENOSPC.negative();
                return null;
            }
            binUsed += size;
            text = number(arg, size, conv, plus, space);
            out.append(pad(text, width, left, zero && !left));
            numSpec++;
        }
        return out.toString();
    }

    private static int at(byte[] fmt, int i) { return i < fmt.length ? fmt[i] & 0xff : 0; }

    private static boolean strFollowOk(int c) { return c == 0 || isSpace(c) || isPunct(c); }

    static boolean isPrint(int c) { return c >= 0x20 && c < 0x7f; }

    static boolean isSpace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

    static boolean isPunct(int c) { return isPrint(c) && c != ' ' && !Character.isLetterOrDigit(c); }

    private static String number(long arg, int size, int conv, boolean plus, boolean space) {
        long v = size == 4 ? (conv == 'd' || conv == 'i' ? (long) (int) arg : arg & 0xffffffffL) : arg;
        return switch (conv) {
            case 'd', 'i' -> (v >= 0 ? (plus ? "+" : space ? " " : "") : "") + v;
            case 'u' -> Long.toUnsignedString(v);
            case 'x' -> Long.toHexString(v);
            default -> Long.toHexString(v).toUpperCase();
        };
    }

    /** Width padding as vsnprintf's number()/string(): zero padding goes after the sign. */
    private static String pad(String s, int width, boolean left, boolean zero) {
        if (s.length() >= width) {
            return s;
        }
        String fill = String.valueOf(zero ? '0' : ' ').repeat(width - s.length());
        if (left) {
            return s + fill;
        }
        if (zero && !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+' || s.charAt(0) == ' ')) {
            return s.charAt(0) + fill + s.substring(1);
        }
        return fill + s;
    }

    private static String hex16(long v) {
        String h = Long.toHexString(v);
        return "0".repeat(16 - h.length()) + h;
    }

    private String hashed(long ptr) {
        if (ptr == 0 || Long.compareUnsigned(ptr, -4095L) >= 0) {
            return hex16(ptr);   // NULL and ERR_PTR print as they are
        }
        long h = (ptr ^ ptrKey) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 29;
        return hex16(h & 0xffffffffL);   // 64-bit kernels print a 32-bit hash, zero-padded
    }

    /** strncpy_from_kernel_nofault: at most {@code max - 1} bytes; "" if unreadable. */
    private String readString(long addr, int max) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < max - 1; k++) {
            if (!arena.contains(addr + k, 1)) {
                return k == 0 ? "" : sb.toString();
            }
            int b = (int) arena.load8(addr + k);
            if (b == 0) {
                break;
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static String ip4(byte[] b, boolean leadingZeros) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < 4; k++) {
            if (k > 0) {
                sb.append('.');
            }
            int v = b[k] & 0xff;
            sb.append(leadingZeros ? String.format("%03d", v) : Integer.toString(v));
        }
        return sb.toString();
    }

    private static String ip6(byte[] b, boolean noColons) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < 16; k += 2) {
            if (k > 0 && !noColons) {
                sb.append(':');
            }
            sb.append(String.format("%02x%02x", b[k] & 0xff, b[k + 1] & 0xff));
        }
        return sb.toString();
    }
}
