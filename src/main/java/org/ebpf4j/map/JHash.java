package org.ebpf4j.map;

import java.lang.foreign.MemorySegment;

/**
 * Bob Jenkins' lookup3 hash as Linux uses it for hash maps (include/linux/jhash.h:
 * {@code jhash2} for keys that are a multiple of 4 bytes, {@code jhash} otherwise). Using the
 * same function makes a BPF_F_ZERO_SEED map iterate in the same order as on Linux.
 */
final class JHash {
    private JHash() {}

    private static final int INITVAL = 0xdeadbeef;

    /** {@code htab_map_hash(key, key_len, hashrnd)}. */
    static int hash(MemorySegment seg, long off, int len, int initval) {
        return (len & 3) == 0 ? jhash2(seg, off, len >>> 2, initval) : jhash(seg, off, len, initval);
    }

    @SuppressWarnings("fallthrough")
    static int jhash2(MemorySegment seg, long off, int words, int initval) {
        int a = INITVAL + (words << 2) + initval;
        int b = a;
        int c = a;
        while (words > 3) {
            a += seg.get(MapValues.I32, off);
            b += seg.get(MapValues.I32, off + 4);
            c += seg.get(MapValues.I32, off + 8);
            // __jhash_mix
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            words -= 3;
            off += 12;
        }
        switch (words) {
            case 3: c += seg.get(MapValues.I32, off + 8); // fall through
            case 2: b += seg.get(MapValues.I32, off + 4); // fall through
            case 1:
                a += seg.get(MapValues.I32, off);
                return fin(a, b, c);
            default:
                return c;
        }
    }

    static int jhash(MemorySegment seg, long off, int len, int initval) {
        int a = INITVAL + len + initval;
        int b = a;
        int c = a;
        while (len > 12) {
            a += seg.get(MapValues.I32, off);
            b += seg.get(MapValues.I32, off + 4);
            c += seg.get(MapValues.I32, off + 8);
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            len -= 12;
            off += 12;
        }
        if (len == 0) {
            return c;
        }
        // the tail, byte by byte, as the kernel's switch with fall-through
        for (int i = len - 1; i >= 0; i--) {
            int byteVal = seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, off + i) & 0xff;
            int shift = (i & 3) * 8;
            if (i >= 8) {
                c += byteVal << shift;
            } else if (i >= 4) {
                b += byteVal << shift;
            } else {
                a += byteVal << shift;
            }
        }
        return fin(a, b, c);
    }

    /** {@code __jhash_final}. */
    private static int fin(int a, int b, int c) {
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }
}
