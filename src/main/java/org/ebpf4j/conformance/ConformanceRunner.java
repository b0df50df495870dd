package org.ebpf4j.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.ebpf4j.isa.AsmException;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.InvalidProgramException;
import org.ebpf4j.isa.TextAssembler;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.VerifierOption;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * Runs bpf_conformance vectors on one of our engines, the way the upstream runners do: the
 * program gets {@code r1} = address of the {@code -- mem} buffer (0 without one) and {@code r2} =
 * its length; its {@code r0} is compared with {@code -- result}; a vector with {@code -- error}
 * passes when assembling or loading fails.
 *
 * <p>Programs load as Linux loads them. A vector Linux refuses or answers otherwise is listed in
 * {@link KnownDifferences} with the reason; it is still run, with the load-time checks relaxed
 * ({@link VerifierOption#CONFORMANCE}), so its run-time semantics stay tested: it shows as SKIP when
 * that relaxed run gives the stated result, and as FAIL when it does not.
 *
 * <p>Files under a folder named {@code negative} test the runner: each must be caught (an assembler
 * error, a load error, a fault, or a result other than the stated one), and a caught one passes.
 */
public final class ConformanceRunner {
    private final EngineFactory engines;
    private final KnownDifferences known;

    public ConformanceRunner(EngineFactory engines, KnownDifferences known) {
        this.engines = engines;
        this.known = known;
    }

    /** Every {@code *.data} under {@code root}, subfolders included, in path order. */
    public static List<Path> vectors(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".data") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    public List<Outcome> runAll(Path root) {
        List<Outcome> out = new ArrayList<>();
        try (Arena arena = new Arena(16 << 20)) {
            Engine strict = engines.create(arena, HelperTable.base(), Set.of());
            Engine relaxed = engines.create(arena, HelperTable.base(), VerifierOption.CONFORMANCE);
            for (Path p : vectors(root)) {
                out.add(run(root, p, arena, strict, relaxed));
            }
        }
        return out;
    }

    Outcome run(Path root, Path file, Arena arena, Engine strict, Engine relaxed) {
        String rel = root.relativize(file).toString().replace('\\', '/');
        boolean negative = false;
        for (Path part : root.relativize(file)) {
            negative |= part.toString().equals("negative");
        }
        DataFile data;
        try {
            data = DataFile.read(file);
        } catch (IOException e) {
            return new Outcome.Fail(rel, "cannot read: " + e.getMessage());
        }
        Optional<String> difference = known.reason(rel);
        if (difference.isPresent() && difference.get().startsWith(KnownDifferences.NOT_RUN)) {
            return new Outcome.Skip(rel, difference.get().substring(KnownDifferences.NOT_RUN.length()).strip());
        }
        if (difference.isPresent()) {
            Outcome relaxedRun = runParsed(rel, negative, data, arena, relaxed);
            return relaxedRun instanceof Outcome.Pass
                    ? new Outcome.Skip(rel, difference.get() + " (relaxed load: stated result reproduced)")
                    : new Outcome.Fail(rel, "known difference, but the relaxed run fails too: " + relaxedRun.detail());
        }
        return runParsed(rel, negative, data, arena, strict);
    }

    /** Runs one parsed vector; {@code negative}: the vector is wrong on purpose and must be caught. */
    Outcome runParsed(String rel, boolean negative, DataFile data, Arena arena, Engine engine) {
        Result r = execute(data, arena, engine);
        Optional<String> expected = data.section("result").map(DataFile::stripComments).map(String::strip);
        boolean expectsError = data.section("error").isPresent();
        if (negative) {
            // the vector is wrong on purpose: we must not accept it as stated
            if (r.error != null) {
                return new Outcome.Pass(rel, "caught: " + r.error);
            }
            if (expected.isEmpty() || expectsError) {
                return new Outcome.Fail(rel, "not caught: ran and returned 0x" + Long.toHexString(r.r0));
            }
            Optional<Long> want = parseResult(expected.get());
            return want.isPresent() && want.get() == r.r0
                    ? new Outcome.Fail(rel, "not caught: returned the stated 0x" + Long.toHexString(r.r0))
                    : new Outcome.Pass(rel, "caught: returned 0x" + Long.toHexString(r.r0) + ", file states " + expected.get());
        }
        if (expectsError) {
            return r.error != null
                    ? new Outcome.Pass(rel, "rejected as expected: " + r.error)
                    : new Outcome.Fail(rel, "expected an error, ran and returned 0x" + Long.toHexString(r.r0));
        }
        if (r.error != null) {
            return new Outcome.Fail(rel, r.error);
        }
        if (expected.isEmpty()) {
            return new Outcome.Fail(rel, "vector has neither -- result nor -- error");
        }
        Optional<Long> want = parseResult(expected.get());
        if (want.isEmpty()) {
            return new Outcome.Fail(rel, "cannot parse -- result '" + expected.get() + "'");
        }
        return want.get() == r.r0
                ? new Outcome.Pass(rel, "")
                : new Outcome.Fail(rel, "expected 0x" + Long.toHexString(want.get()) + ", got 0x" + Long.toHexString(r.r0));
    }

    private record Result(long r0, String error) {}

    private static Result execute(DataFile data, Arena arena, Engine engine) {
        List<Insn> insns;
        try {
            insns = program(data);
        } catch (AsmException | InvalidProgramException | IllegalArgumentException e) {
            return new Result(0, "assembler: " + e.getMessage());
        }
        if (insns.isEmpty()) {
            return new Result(0, "no program: the vector has no instructions");
        }
        Executable exe;
        try {
            exe = engine.load(new ProgramImage(data.path().getFileName().toString(), insns));
        } catch (VerifierException e) {
            return new Result(0, "load: " + e.getMessage());
        }
        byte[] mem;
        try {
            mem = data.section("mem").map(ConformanceRunner::hexBytes).orElse(new byte[0]);
        } catch (IllegalArgumentException e) {
            return new Result(0, "bad -- mem: " + e.getMessage());
        }
        long addr = 0;
        if (mem.length > 0) {
            addr = arena.alloc(mem.length);
            arena.copyIn(addr, mem);
        }
        try {
            return new Result(exe.run(addr, mem.length), null);
        } catch (ProgramFault e) {
            return new Result(0, "run: " + e.getMessage());
        } finally {
            if (addr != 0) {
                arena.free(addr, mem.length);
            }
        }
    }

    /** The program from {@code -- raw} (preferred: it is the exact encoding) or {@code -- asm}. */
    static List<Insn> program(DataFile data) {
        Optional<String> raw = data.section("raw");
        if (raw.isPresent()) {
            return rawInsns(DataFile.stripComments(raw.get()));
        }
        return data.section("asm").map(TextAssembler::assemble).orElse(List.of());
    }

    /**
     * {@code -- raw} comes in two spellings: one 64-bit little-endian slot value per line
     * ({@code 0x5566778800000018}), or the 8 bytes of a slot in memory order ({@code 04 00 01 00 ...}).
     */
    static List<Insn> rawInsns(String body) {
        List<Insn> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            String t = line.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (t.startsWith("0x") || t.startsWith("0X")) {
                out.add(Insn.decode(new BigInteger(t.substring(2), 16).longValue()));
            } else {
                byte[] b = hexBytes(t);
                if (b.length % 8 != 0) {
                    throw new IllegalArgumentException("raw line '" + t + "' is not whole 8-byte slots");
                }
                for (int i = 0; i < b.length; i += 8) {
                    long v = 0;
                    for (int k = 7; k >= 0; k--) {
                        v = v << 8 | (b[i + k] & 0xff);
                    }
                    out.add(Insn.decode(v));
                }
            }
        }
        return out;
    }

    static byte[] hexBytes(String body) {
        String digits = DataFile.stripComments(body).replaceAll("\\s+", "");
        try {
            return HexFormat.of().parseHex(digits);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not hex bytes: '" + body.strip() + "'");
        }
    }

    static Optional<Long> parseResult(String s) {
        try {
            String t = s.strip();
            boolean neg = t.startsWith("-");
            if (neg) {
                t = t.substring(1);
            }
            BigInteger v = t.startsWith("0x") || t.startsWith("0X")
                    ? new BigInteger(t.substring(2), 16) : new BigInteger(t);
            return Optional.of(neg ? -v.longValue() : v.longValue());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
