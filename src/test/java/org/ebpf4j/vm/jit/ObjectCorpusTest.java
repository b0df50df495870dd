package org.ebpf4j.vm.jit;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.elf.ObjectSpec;
import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.ProgramFault;
import org.ebpf4j.vm.ProgramImage;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.helper.BaseHelpers;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.junit.jupiter.api.Test;

/**
 * Issue 8, differential proof (3): every program of the committed objects in {@code src/test/bpf}
 * (and {@code examples/}) that needs no live map (no relocations left), run on both engines over
 * the same zeroed 256-byte context: same r0 or the same fault, same context afterwards.
 */
class ObjectCorpusTest {

    @Test
    void corpusProgramsAgreeOnBothEngines() throws IOException {
        List<Path> objects = new ArrayList<>();
        for (Path dir : List.of(Path.of("src", "test", "bpf"), Path.of("examples"))) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(p -> p.toString().endsWith(".bpf.o") && !p.toString().contains("invalid")).forEach(objects::add);
            }
        }
        int compared = 0;
        List<String> seen = new ArrayList<>();
        try (Arena arena = new Arena(1 << 20)) {
            HelperTable helpers = HelperTable.base();
            helpers.register(new HelperProto(BaseHelpers.BPF_FUNC_loop, "bpf_loop", (st, nr, fn, ctx, flags, e) -> {
                for (long i = 0; i < nr; i++) {
                    if (st.callback(fn, i, ctx, 0, 0, 0) == 1) {
                        return i + 1;
                    }
                }
                return nr;
            }));
            Interpreter interp = new Interpreter(arena, helpers);
            JitCompiler jit = new JitCompiler(arena, helpers);
            long ctx = arena.alloc(256);
            for (Path obj : objects) {
                ObjectSpec spec;
                try {
                    spec = ObjectReader.read(obj);
                } catch (RuntimeException e) {
                    continue;                                      // objects that need a kernel BTF etc.
                }
                for (ProgramSpec p : spec.programs()) {
                    if (!p.relocations().isEmpty()) {
                        continue;
                    }
                    ProgramImage image = new ProgramImage(p.name(), p.insns());
                    Executable a;
                    try {
                        a = interp.load(image);
                    } catch (VerifierException e) {
                        assertThrows(VerifierException.class, () -> jit.load(image));
                        continue;
                    }
                    Executable b = jit.load(image);
                    assertEquals("jit", b.engineName(), p.name());
                    arena.fill(ctx, 256, (byte) 0);
                    String want = outcome(a, ctx) + " " + java.util.HexFormat.of().formatHex(arena.copyOut(ctx, 256));
                    arena.fill(ctx, 256, (byte) 0);
                    String got = outcome(b, ctx) + " " + java.util.HexFormat.of().formatHex(arena.copyOut(ctx, 256));
                    assertEquals(want, got, obj + " " + p.name());
                    compared++;
                    seen.add(obj.getFileName() + ":" + p.name());
                }
            }
        }
        assertTrue(compared >= 50 && seen.contains("sieve.bpf.o:sieve"), "only " + compared + " corpus programs ran: " + seen);
    }

    private static String outcome(Executable e, long ctx) {
        try {
            return "r0=" + e.run(ctx);
        } catch (ProgramFault f) {
            return "fault " + f.insnIndex();
        }
    }
}
