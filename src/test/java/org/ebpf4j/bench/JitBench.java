package org.ebpf4j.bench;

import static org.ebpf4j.isa.Opcodes.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Engine;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.VerifierOption;
import org.ebpf4j.vm.helper.BaseHelpers;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.jit.JitCompiler;
import org.openjdk.jmh.annotations.*;

/**
 * Issue 8: ns per run on the interpreter and on the JIT (the {@code engine} parameter) for an
 * empty program, the compute-bound sieve ({@code examples/sieve/sieve.bpf.o}; the kernel's JIT runs
 * it in ~12.9 µs here), a packet-parser-like loop over 1500 bytes and a helper-heavy loop; then the
 * JIT's compile time for 1 000 instructions and the first-run latency (load + one run, cold).
 * Run from the repository root (the sieve object is found relative to it).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class JitBench {
    @Param({"interp", "jit"})
    public String engine;

    private Arena arena;
    private HelperTable helpers;
    private Executable empty;
    private Executable sieve;
    private Executable parser;
    private Executable helperLoop;
    private long packet;
    private ProgramImage thousand;
    private ProgramImage sieveImage;

    private Engine engine() {
        // the parser reads its length from r2 (run(r1, r2)), as userspace VMs pass it
        Set<VerifierOption> opts = Set.of(VerifierOption.ENTRY_R2_INITIALISED);
        return engine.equals("jit") ? new JitCompiler(arena, helpers, opts) : new Interpreter(arena, helpers, opts);
    }

    @Setup
    public void setup() {
        arena = new Arena(16 << 20);
        helpers = HelperTable.base();
        Engine e = engine();
        empty = e.load(image("empty", List.of(Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0), exit())));
        sieveImage = sieveImage();
        sieve = e.load(sieveImage);
        parser = e.load(parserImage());
        helperLoop = e.load(helperLoopImage());
        packet = arena.alloc(1500);
        byte[] bytes = new byte[1500];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + 7);
        }
        arena.copyIn(packet, bytes);
        thousand = thousandImage();
        long want = new Interpreter(arena, helpers).load(sieveImage).run(0);   // primes below 3584
        if (sieve.run(0) != want) {
            throw new IllegalStateException("sieve returned " + sieve.run(0) + ", the interpreter " + want);
        }
    }

    @TearDown
    public void tearDown() { arena.close(); }

    @Benchmark
    public long empty() { return empty.run(0); }

    @Benchmark
    public long sieve() { return sieve.run(0); }

    @Benchmark
    public long packetParser() { return parser.run(packet, 1500); }

    @Benchmark
    public long helperLoop() { return helperLoop.run(0); }

    /** Compile time of a 1 000-instruction program (verify + generate + define; the interpreter: verify + decode). */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Executable compile1000() { return engine().load(thousand); }

    /** Load plus the first run of the sieve, each time a fresh program: what a cold start costs. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 5)
    @Measurement(iterations = 20)
    public long firstRunSieve() { return engine().load(sieveImage).run(0); }

    // ---- programs ----

    private static Insn exit() { return Insn.of(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

    private static ProgramImage image(String name, List<Insn> insns) { return new ProgramImage(name, insns); }

    private static ProgramImage sieveImage() {
        Path obj = Path.of("examples", "sieve", "sieve.bpf.o");
        if (!Files.isRegularFile(obj)) {
            throw new IllegalStateException("run from the repository root: " + obj.toAbsolutePath() + " missing");
        }
        ProgramSpec p = ObjectReader.read(obj).program("sieve").orElseThrow();
        return image("sieve", p.insns());
    }

    /**
     * r1 = packet, r2 = length: for each byte, h = h * 31 + b, count bytes equal to 0x45 (IPv4
     * version/IHL) and 16-bit big-endian words above 0x8000 read with a bounds check: ~14 insns a byte.
     */
    private static ProgramImage parserImage() {
        List<Insn> p = new ArrayList<>();
        p.add(Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0));      // 0 h
        p.add(Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0));      // 1 i
        p.add(Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0));      // 2 count
        // loop (3):
        p.add(Insn.of(BPF_ALU64 | BPF_MOV | BPF_X, 4, 1, 0, 0));      // 3 r4 = pkt
        p.add(Insn.of(BPF_ALU64 | BPF_ADD | BPF_X, 4, 3, 0, 0));      // 4 r4 += i
        p.add(Insn.of(BPF_LDX | BPF_MEM | BPF_B, 5, 4, 0, 0));        // 5 r5 = *(u8 *)r4
        p.add(Insn.of(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 31));     // 6
        p.add(Insn.of(BPF_ALU64 | BPF_ADD | BPF_X, 0, 5, 0, 0));      // 7
        p.add(Insn.of(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 1, 0x45));     // 8
        p.add(Insn.of(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1));      // 9
        p.add(Insn.of(BPF_ALU64 | BPF_MOV | BPF_X, 7, 3, 0, 0));      // 10 r7 = i + 2
        p.add(Insn.of(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, 2));      // 11
        p.add(Insn.of(BPF_JMP | BPF_JGT | BPF_X, 7, 2, 4, 0));        // 12 if i + 2 > len skip
        p.add(Insn.of(BPF_LDX | BPF_MEM | BPF_H, 8, 4, 0, 0));        // 13
        p.add(Insn.of(BPF_ALU | BPF_END | BPF_TO_BE, 8, 0, 0, 16));   // 14
        p.add(Insn.of(BPF_JMP | BPF_JLE | BPF_K, 8, 0, 1, 0x8000));   // 15
        p.add(Insn.of(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1));      // 16
        p.add(Insn.of(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, 1));      // 17 i++
        p.add(Insn.of(BPF_JMP | BPF_JLT | BPF_X, 3, 2, 3 - 19, 0));   // 18 if i < len goto 3
        p.add(Insn.of(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0));      // 19
        p.add(exit());
        return image("parser", p);
    }

    /** 100 calls of bpf_get_smp_processor_id, summed. */
    private static ProgramImage helperLoopImage() {
        return image("helper_loop", List.of(
                Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0),
                Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 100),
                Insn.of(BPF_JMP | BPF_CALL, 0, 0, 0, BaseHelpers.BPF_FUNC_get_smp_processor_id),
                Insn.of(BPF_ALU64 | BPF_ADD | BPF_X, 6, 0, 0, 0),
                Insn.of(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1),
                Insn.of(BPF_ALU64 | BPF_SUB | BPF_K, 7, 0, 0, 1),
                Insn.of(BPF_JMP | BPF_JNE | BPF_K, 7, 0, -5, 0),
                Insn.of(BPF_ALU64 | BPF_MOV | BPF_X, 0, 6, 0, 0),
                exit()));
    }

    /** 1 000 slots of mixed ALU, stack stores and loads, and forward branches. */
    private static ProgramImage thousandImage() {
        List<Insn> p = new ArrayList<>();
        p.add(Insn.of(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1));
        while (p.size() < 995) {
            int i = p.size();
            p.add(Insn.of(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 3 + i));
            p.add(Insn.of(BPF_STX | BPF_MEM | BPF_DW, 10, 0, -8 - 8 * (i % 60), 0));
            p.add(Insn.of(BPF_LDX | BPF_MEM | BPF_W, 1, 10, -4 - 8 * (i % 60), 0));
            p.add(Insn.of(BPF_JMP | BPF_JSGT | BPF_X, 0, 1, 1, 0));
            p.add(Insn.of(BPF_ALU | BPF_XOR | BPF_X, 0, 1, 0, 0));
        }
        p.add(exit());
        return image("thousand_" + p.size(), p);
    }

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args.length > 0 ? args : new String[] {"JitBench"});
    }
}
