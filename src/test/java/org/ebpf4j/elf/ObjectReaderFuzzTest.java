package org.ebpf4j.elf;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.ebpf4j.btf.BtfFormatException;
import org.junit.jupiter.api.Test;

/**
 * Corrupt objects must fail with a format exception naming where, never with another exception
 * type (issue 3, "Bad input"). Variants: truncations, bit flips, and length/offset fields of the
 * ELF header, section headers, symbols and the BTF header overwritten with hostile values. Seeds
 * are fixed so a failure names a reproducible variant.
 */
class ObjectReaderFuzzTest {
    private static final int VARIANTS_PER_OBJECT = 400;

    @Test
    void corruptVariantsFailCleanlyOrLoad() throws IOException {
        int total = 0, rejected = 0;
        List<String> failures = new ArrayList<>();
        for (Path p : Corpus.valid()) {
            byte[] orig = Files.readAllBytes(p);
            Random rnd = new Random(p.getFileName().toString().hashCode());
            for (int v = 0; v < VARIANTS_PER_OBJECT; v++) {
                byte[] b = mutate(orig, rnd, v);
                total++;
                try {
                    ObjectReader.read(b, p.getFileName().toString());
                } catch (ObjectFormatException | BtfFormatException e) {
                    rejected++;
                    assertNotNull(e.getMessage());
                } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                    if (failures.size() < 10) {
                        StringBuilder sb = new StringBuilder(p.getFileName() + " variant " + v + ": " + e);
                        for (StackTraceElement el : e.getStackTrace()) {
                            if (el.getClassName().startsWith("org.ebpf4j")) {
                                sb.append("\n    at ").append(el);
                                break;
                            }
                        }
                        failures.add(sb.toString());
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " variants threw something else:\n" + String.join("\n", failures));
        assertTrue(rejected > total / 4, "most corruptions are detected (" + rejected + " of " + total + ")");
    }

    private static byte[] mutate(byte[] orig, Random rnd, int v) {
        byte[] b = orig.clone();
        switch (v % 4) {
            case 0 -> {
                return java.util.Arrays.copyOf(orig, rnd.nextInt(orig.length));
            }
            case 1 -> {
                int flips = 1 + rnd.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    int pos = rnd.nextInt(b.length);
                    b[pos] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 2 -> corruptHeaderField(b, rnd);
            default -> corruptBtfHeader(b, rnd);
        }
        return b;
    }

    /** Overwrites one size/offset/link field of a random section header or symbol with a hostile value. */
    private static void corruptHeaderField(byte[] b, Random rnd) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = buf.getLong(0x28);
        int shnum = buf.getShort(0x3c) & 0xffff;
        int sec = rnd.nextInt(shnum);
        int base = (int) shoff + sec * 64;
        int[] fields = {24, 32, 40, 44, 56}; // sh_offset, sh_size, sh_link, sh_info, sh_entsize
        int f = fields[rnd.nextInt(fields.length)];
        long hostile = switch (rnd.nextInt(4)) {
            case 0 -> -1L;
            case 1 -> 0x7fffffffL;
            case 2 -> rnd.nextInt(b.length * 2);
            default -> 0;
        };
        if (f == 24 || f == 32 || f == 56) {
            buf.putLong(base + f, hostile);
        } else {
            buf.putInt(base + f, (int) hostile);
        }
    }

    /** Overwrites a length or offset of the .BTF / .BTF.ext header, or a type's vlen/size word. */
    private static void corruptBtfHeader(byte[] b, Random rnd) {
        int btf = indexOf(b, new byte[] {(byte) 0x9f, (byte) 0xeb, 1, 0});
        if (btf < 0) {
            corruptHeaderField(b, rnd);
            return;
        }
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int at = btf + 8 + 4 * rnd.nextInt(4 + 6);
        if (at + 4 <= b.length) {
            buf.putInt(at, rnd.nextBoolean() ? rnd.nextInt() : rnd.nextInt(4096));
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
