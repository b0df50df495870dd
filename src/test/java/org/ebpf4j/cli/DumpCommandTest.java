package org.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.elf.ObjectSpec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DumpCommandTest {
    private static final Path BPF = Path.of("src/test/bpf");

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everyCorpusObjectDumpsAsTextAndJson() throws Exception {
        List<Path> objs;
        try (Stream<Path> s = Files.list(BPF)) {
            objs = s.filter(p -> p.toString().endsWith(".bpf.o")).sorted().toList();
        }
        assertFalse(objs.isEmpty());
        ObjectMapper mapper = new ObjectMapper();
        for (Path p : objs) {
            ObjectSpec spec = ObjectReader.read(p);
            Run text = run("dump", p.toString());
            assertEquals(0, text.code, p + ": " + text.err);
            for (var prog : spec.programs()) {
                assertTrue(text.out.contains("  " + prog.name() + "  section " + prog.sectionName()), p + " " + prog.name());
            }
            for (var m : spec.maps()) {
                assertTrue(text.out.contains("  " + m.name() + "  " + m.type()), p + " " + m.name());
            }
            Run json = run("dump", "--json", p.toString());
            assertEquals(0, json.code, p + ": " + json.err);
            JsonNode root = mapper.readTree(json.out);
            assertEquals(spec.programs().size(), root.get("programs").size());
            assertEquals(spec.maps().size(), root.get("maps").size());
            for (int i = 0; i < spec.programs().size(); i++) {
                assertEquals(spec.programs().get(i).insns().size(), root.get("programs").get(i).get("insns").size());
            }
        }
    }

    @Test
    void textInterleavesSourceLinesAndDisassembly() {
        Run r = run("dump", BPF.resolve("sk_storage_counter.bpf.o").toString());
        assertEquals(0, r.code, r.err);
        String out = r.out;
        int src = out.indexOf("; cnt = bpf_sk_storage_get(&pkt_count, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);");
        assertTrue(src > 0, out);
        assertTrue(out.indexOf("call 0x6b", src) > src, "bpf_sk_storage_get is helper 107 (0x6b), after its line");
        assertTrue(out.contains("reloc insn "), out);
        assertTrue(out.contains("map pkt_count (MAP_FD)"));
        assertTrue(out.contains("struct __sk_buff {"), "BTF types printed as C");
    }

    @Test
    void badObjectIsOneClearLineAndExitCodeOne() {
        Run r = run("dump", BPF.resolve("invalid/big_endian.bpf.o").toString());
        assertEquals(1, r.code);
        assertTrue(r.err.startsWith("ebpf4j dump: ") && r.err.contains("big-endian"), r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
    }
}
