package org.ebpf4j.btf;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Thousands of truncated, bit-flipped and length-corrupted variants of each committed BTF and
 * BTF.ext blob: each must parse (and then survive resolve/sizeOf/toC/CO-RE) or be rejected with a
 * {@link BtfFormatException}; any other exception is a bug. Deterministic (fixed seeds) and
 * bounded by construction: a fixed number of variants, each processed by code whose work is
 * bounded by the input size.
 */
class BtfFuzzTest {
    private static final int VARIANTS = 1500;
    private static final int[] INTERESTING = {0, 1, 2, 3, 4, 8, 12, 24, 0x7f, 0xff, 0xffff, 0x10000, 0x7fffffff,
        0x80000000, 0xffffffff, 0xfffffff0, 0x0f000000, 0x04000001, 0x13000003, 0x8400ffff, 0x1000000};

    private final Btf model = Btf.modelKernel();
    private final Btf core = TestObjects.btf("core");
    private final List<BtfExt.CoreRelo> coreRelos = TestObjects.ext("core", core).coreRelos("raw_tp/core");

    static byte[] mutate(byte[] good, Random rnd, StringBuilder how) {
        byte[] v = good.clone();
        switch (rnd.nextInt(5)) {
            case 0 -> {
                int len = rnd.nextInt(good.length);
                how.append("truncate to ").append(len);
                return Arrays.copyOf(good, len);
            }
            case 1 -> {
                int n = 1 + rnd.nextInt(8);
                for (int i = 0; i < n; i++) {
                    int bit = rnd.nextInt(v.length * 8);
                    v[bit / 8] ^= (byte) (1 << (bit % 8));
                    how.append("flip bit ").append(bit).append(' ');
                }
            }
            case 2 -> {   // header fields (magic..str_len / ext subsection offsets and lengths)
                int off = 4 * rnd.nextInt(Math.min(8, v.length / 4));
                put(v, off, pick(rnd, good.length));
                how.append("header u32 @").append(off);
            }
            default -> {  // any aligned u32: names, infos (kind/vlen), sizes, type ids, offsets, counts
                int n = 1 + rnd.nextInt(3);
                for (int i = 0; i < n; i++) {
                    int off = 4 * rnd.nextInt(v.length / 4);
                    int val = pick(rnd, good.length);
                    put(v, off, val);
                    how.append("u32 @").append(off).append("=0x").append(Integer.toHexString(val)).append(' ');
                }
            }
        }
        return v;
    }

    private static int pick(Random rnd, int len) {
        return switch (rnd.nextInt(4)) {
            case 0 -> INTERESTING[rnd.nextInt(INTERESTING.length)];
            case 1 -> len + rnd.nextInt(9) - 4;
            case 2 -> rnd.nextInt(256);
            default -> rnd.nextInt();
        };
    }

    private static void put(byte[] b, int off, int val) {
        for (int i = 0; i < 4 && off + i < b.length; i++) b[off + i] = (byte) (val >>> (8 * i));
    }

    /** Everything a loader does with a parsed Btf; BtfFormatException is the only allowed failure. */
    private void exercise(Btf b) {
        for (int id = 0; id < b.typeCount(); id++) {
            BtfType t = b.type(id);
            expectFormatErrorOnly(() -> b.resolve(t.id()));
            expectFormatErrorOnly(() -> b.sizeOf(t.id()));
            expectFormatErrorOnly(() -> b.toC(t.id()));
            if (!t.name().isEmpty()) assertTrue(b.findByName(t.name(), BtfType.class).isPresent());
        }
        CoreRelocator asTarget = new CoreRelocator(core, b);
        for (BtfExt.CoreRelo r : coreRelos) assertNotNull(asTarget.relocate(r));
        CoreRelocator asLocal = new CoreRelocator(b, model);
        for (BtfExt.CoreRelo r : coreRelos) assertNotNull(asLocal.relocate(r));
    }

    private static void expectFormatErrorOnly(Runnable r) {
        try {
            r.run();
        } catch (BtfFormatException expected) {
            // a loop or a sizeless type in corrupt BTF
        }
    }

    private void fuzzBtf(String name, byte[] good, List<String> failures) {
        Random rnd = new Random(name.hashCode());
        int parsed = 0;
        for (int i = 0; i < VARIANTS; i++) {
            StringBuilder how = new StringBuilder();
            byte[] v = mutate(good, rnd, how);
            try {
                Btf b = Btf.parse(v);
                parsed++;
                exercise(b);
            } catch (BtfFormatException expected) {
                assertTrue(expected.getMessage().startsWith(".BTF+0x"), expected.getMessage());
            } catch (Throwable t) {
                failures.add(name + " variant " + i + " (" + how + "): " + t);
            }
        }
        assertTrue(parsed > 0, name + ": some variants (e.g. flipped name bytes) still parse");
    }

    @Test
    void corruptBtfGivesOnlyBtfFormatException() {
        List<String> failures = new ArrayList<>();
        for (String base : List.of("types", "core", "layout", "target_alt")) {
            byte[] good = TestObjects.bytes(base + ".bpf.btf");
            exercise(Btf.parse(good));
            fuzzBtf(base, good, failures);
        }
        fuzzBtf("model-kernel", model.raw(), failures);
        assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.subList(0, Math.min(5, failures.size())));
    }

    @Test
    void corruptBtfExtGivesOnlyBtfFormatException() {
        List<String> failures = new ArrayList<>();
        for (String base : List.of("types", "core")) {
            Btf btf = TestObjects.btf(base);
            byte[] good = TestObjects.bytes(base + ".bpf.btf.ext");
            Random rnd = new Random(base.hashCode() * 31);
            for (int i = 0; i < VARIANTS; i++) {
                StringBuilder how = new StringBuilder();
                byte[] v = mutate(good, rnd, how);
                try {
                    BtfExt ext = BtfExt.parse(v, btf);
                    CoreRelocator rel = new CoreRelocator(btf, model);
                    ext.coreRelos().values().forEach(l -> l.forEach(r -> assertNotNull(rel.relocate(r))));
                } catch (BtfFormatException expected) {
                    assertTrue(expected.getMessage().startsWith(".BTF.ext+0x") || expected.getMessage().startsWith(".BTF+0x"),
                            expected.getMessage());
                } catch (Throwable t) {
                    failures.add(base + " ext variant " + i + " (" + how + "): " + t);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.subList(0, Math.min(5, failures.size())));
    }

    @Test
    void typedefLoopIsReportedNotFollowedForever() {
        // hand-built: [1] TYPEDEF a -> [2], [2] TYPEDEF b -> [1]
        byte[] strs = "\0a\0b\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] types = new byte[24];
        put(types, 0, 1);
        put(types, 4, BtfKind.TYPEDEF << 24);
        put(types, 8, 2);
        put(types, 12, 3);
        put(types, 16, BtfKind.TYPEDEF << 24);
        put(types, 20, 1);
        byte[] blob = new byte[24 + types.length + strs.length];
        put(blob, 0, 0x0001eB9F);
        put(blob, 4, 24);
        put(blob, 8, 0);
        put(blob, 12, types.length);
        put(blob, 16, types.length);
        put(blob, 20, strs.length);
        System.arraycopy(types, 0, blob, 24, types.length);
        System.arraycopy(strs, 0, blob, 24 + types.length, strs.length);
        Btf b = Btf.parse(blob);
        var e = assertThrows(BtfFormatException.class, () -> b.resolve(1));
        assertTrue(e.getMessage().contains("loop"), e.getMessage());
        assertEquals(24, e.offset(), "offset of type [1]");
        assertThrows(BtfFormatException.class, () -> b.sizeOf(2));
        assertEquals("typedef b a", b.toC(1), "a typedef prints by name: no need to follow the loop");
    }

    @Test
    void headerErrorsNameTheField() {
        byte[] good = TestObjects.bytes("types.bpf.btf");
        byte[] v = good.clone();
        put(v, 20, good.length);  // str_len past the end
        var e = assertThrows(BtfFormatException.class, () -> Btf.parse(v));
        assertEquals(16, e.offset());
        assertTrue(e.getMessage().contains("string section"), e.getMessage());
        byte[] kind = good.clone();
        put(kind, 24 + 4, 25 << 24);   // first type: unknown kind 25
        e = assertThrows(BtfFormatException.class, () -> Btf.parse(kind));
        assertEquals(28, e.offset());
        assertTrue(e.getMessage().contains("unknown kind 25"), e.getMessage());
        e = assertThrows(BtfFormatException.class, () -> Btf.parse(new byte[3]));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
    }
}
