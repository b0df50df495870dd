package org.ebpf4j.btf;

import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked little-endian reads over one section's bytes. Every read names the section and
 * offset in the {@link BtfFormatException} it throws, so a corrupt length can never turn into an
 * {@code IndexOutOfBoundsException} or a huge allocation.
 */
final class SectionBytes {
    final String section;
    private final byte[] data;

    SectionBytes(String section, byte[] data) {
        this.section = section;
        this.data = data;
    }

    int length() { return data.length; }

    BtfFormatException error(long offset, String what) {
        return new BtfFormatException(section, offset, what);
    }

    /** Throws unless {@code [off, off+len)} lies inside the section; {@code what} names the item. */
    void require(long off, long len, String what) {
        if (off < 0 || len < 0 || off > data.length || len > data.length - off) {
            throw error(off, what + " (" + len + " bytes) runs past the end of the section ("
                    + data.length + " bytes)");
        }
    }

    int u8(long off) {
        require(off, 1, "u8");
        return data[(int) off] & 0xff;
    }

    int u16(long off) {
        require(off, 2, "u16");
        int o = (int) off;
        return (data[o] & 0xff) | (data[o + 1] & 0xff) << 8;
    }

    /** A u32 as a non-negative long. */
    long u32(long off) {
        return s32(off) & 0xffffffffL;
    }

    int s32(long off) {
        require(off, 4, "u32");
        int o = (int) off;
        return (data[o] & 0xff) | (data[o + 1] & 0xff) << 8 | (data[o + 2] & 0xff) << 16
                | (data[o + 3] & 0xff) << 24;
    }

    /** True when every byte of {@code [from, to)} is zero. */
    boolean allZero(int from, int to) {
        for (int i = from; i < to; i++) {
            if (data[i] != 0) return false;
        }
        return true;
    }

    /**
     * The NUL-terminated string at {@code strOff} of a string table occupying
     * {@code [strStart, strStart+strLen)}; {@code where} is the offset of the referring field.
     */
    String string(long strStart, long strLen, long strOff, long where, String what) {
        if (strOff < 0 || strOff >= strLen) {
            throw error(where, what + " name_off " + strOff + " is outside the string section ("
                    + strLen + " bytes)");
        }
        int from = (int) (strStart + strOff);
        int end = (int) (strStart + strLen);
        for (int i = from; i < end; i++) {
            if (data[i] == 0) return new String(data, from, i - from, StandardCharsets.UTF_8);
        }
        throw error(where, what + " name_off " + strOff + " is not NUL-terminated inside the string section");
    }
}
