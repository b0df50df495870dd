package org.ebpf4j.vm.jit;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.ebpf4j.isa.Disassembler;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.VerifierOption;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, differential proof (2): random programs ({@link RandomPrograms}) run on the interpreter
 * and on the JIT (whole methods, and split into small regions), comparing r0 or the fault (slot
 * index and message), every helper call with its arguments in order, each frame's final stack and
 * the context buffer. {@code -Debpf4j.fuzz.count=N} runs more, {@code -Debpf4j.fuzz.seed=S} another
 * sequence.
 */
class DifferentialTest {
    private static final int ARENA_SIZE = 1 << 20;
    private final Arena arena = new Arena(ARENA_SIZE);
    private final HelperTable helpers = HelperTable.base();
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void close() { arena.close(); }

    private void registerHelpers() {
        helpers.register(new HelperProto(RandomPrograms.MIX, "test_mix", (s, a, b, c, d, e) -> {
            log.add("mix " + a + " " + b + " " + c + " " + d + " " + e);
            long h = a * 0x9e3779b97f4a7c15L ^ Long.rotateLeft(b, 7) ^ Long.rotateLeft(c, 19) * 31 ^ d * 17 ^ e;
            return h ^ (h >>> 29);
        }));
        helpers.register(new HelperProto(RandomPrograms.ZERO, "test_zero", (s, p, len, c, d, e) -> {
            s.arena().fill(p, len, (byte) 0);
            log.add("zero " + len);
            return 0;
        }));
        helpers.register(new HelperProto(RandomPrograms.SNAP, "test_snap", (s, p, len, r0, d, e) -> {
            log.add("snap " + HexFormat.of().formatHex(s.arena().copyOut(p, (int) len)));
            return r0;
        }));
    }

    /** What one run shows: r0 or the fault, the helper log, the context afterwards. */
    private record Observed(String result, List<String> log, String ctx) {}

    private Observed observe(Engine engine, ProgramImage image, long ctx, byte[] ctxInit) {
        arena.copyIn(ctx, ctxInit);
        log.clear();
        String result;
        try {
            Executable exe = engine.load(image);
            if (engine instanceof JitCompiler) {
                assertEquals("jit", exe.engineName(), "compiled, not a fallback");
            }
            result = "r0=0x" + Long.toHexString(exe.run(ctx));
        } catch (ProgramFault f) {
            result = "fault " + normalize(f.getMessage());
        }
        return new Observed(result, List.copyOf(log), HexFormat.of().formatHex(arena.copyOut(ctx, RandomPrograms.CTX_SIZE)));
    }

    /**
     * The engines' stacks are different page-aligned regions of the arena, so a fault on the stack
     * names different addresses; inside the arena, compare the offset within the page only.
     */
    private static String normalize(String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("0x([0-9a-f]+)").matcher(message);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            long addr = Long.parseUnsignedLong(m.group(1), 16);
            String r = Long.compareUnsigned(addr - Arena.BASE, ARENA_SIZE) < 0
                    ? "arena page+0x" + Long.toHexString(addr & 0xfff) : m.group();
            m.appendReplacement(sb, r);
        }
        return m.appendTail(sb).toString();
    }

    @Test
    void randomProgramsBehaveIdenticallyOnBothEngines() {
        registerHelpers();
        int count = Integer.getInteger("ebpf4j.fuzz.count", 3000);
        long seed = Long.getLong("ebpf4j.fuzz.seed", 0x5eedL);
        Interpreter interp = new Interpreter(arena, helpers, VerifierOption.CONFORMANCE, 1);
        JitCompiler jit = new JitCompiler(arena, helpers, VerifierOption.CONFORMANCE, 1);
        JitCompiler split = new JitCompiler(arena, helpers, VerifierOption.CONFORMANCE, 1, 300);
        RandomPrograms gen = new RandomPrograms(seed, ARENA_SIZE);
        java.util.Random data = new java.util.Random(seed);
        long ctx = arena.alloc(RandomPrograms.CTX_SIZE);
        int faults = 0;
        for (int n = 0; n < count; n++) {
            ProgramImage image = gen.next("fuzz" + n);
            byte[] init = new byte[RandomPrograms.CTX_SIZE];
            data.nextBytes(init);
            Observed want = observe(interp, image, ctx, init);
            Observed got = observe(jit, image, ctx, init);
            assertSame(want, got, "program " + n + " (seed " + seed + ")", image);
            if (n % 3 == 0) {
                assertSame(want, observe(split, image, ctx, init), "program " + n + " split (seed " + seed + ")", image);
            }
            if (want.result.startsWith("fault")) {
                faults++;
            }
        }
        // the generator must produce both outcomes, or the comparison proves little
        assertTrue(faults > count / 100, "only " + faults + " of " + count + " programs faulted");
        assertTrue(faults < count / 2, faults + " of " + count + " programs faulted");
    }

    private static void assertSame(Observed want, Observed got, String what, ProgramImage image) {
        if (!Objects.equals(want, got)) {
            fail(what + " differs\ninterp: " + want.result + "\njit:    " + got.result
                    + "\nlogs equal: " + want.log.equals(got.log) + ", ctx equal: " + want.ctx.equals(got.ctx)
                    + "\n" + firstLogDifference(want.log, got.log)
                    + "\n" + String.join("\n", Disassembler.disassemble(image.insns())));
        }
    }

    private static String firstLogDifference(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            if (!a.get(i).equals(b.get(i))) {
                return "log[" + i + "]: " + a.get(i) + "\n     vs " + b.get(i);
            }
        }
        return a.size() == b.size() ? "" : "log lengths " + a.size() + " vs " + b.size();
    }
}
