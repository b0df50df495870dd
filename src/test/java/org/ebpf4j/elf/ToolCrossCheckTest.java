package org.ebpf4j.elf;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ebpf4j.isa.Insn;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What we read matches what LLVM's and the kernel's own tools show for the same object (issue 3,
 * "Cross-check"): sections and functions of {@code llvm-objdump -d -r -h}, instruction counts
 * after linking, unrelocated instruction bytes, and the {@code .maps} attributes encoded in
 * {@code bpftool btf dump file}. Skips, saying why, where the tools are absent.
 */
class ToolCrossCheckTest {
    private static final Path OBJDUMP = Path.of("/usr/bin/llvm-objdump");
    private static final Path BPFTOOL = Path.of("/usr/sbin/bpftool");

    static List<Path> objects() {
        return Corpus.valid();
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    /** A function as llvm-objdump prints it: its section, raw slots and relocated slot indices. */
    private record Fn(String section, String name, List<Long> slots, List<Integer> relocated) {}

    private static final Pattern SECTION = Pattern.compile("^Disassembly of section (.+):$");
    private static final Pattern FUNC = Pattern.compile("^[0-9a-f]+ <(.+)>:$");
    private static final Pattern INSN = Pattern.compile("^\\s*(\\d+):\\t((?:[0-9a-f]{2} ?)+)");
    private static final Pattern RELOC = Pattern.compile("^\\s+([0-9a-f]+):\\s+R_BPF_");

    private static Map<String, Fn> objdumpFunctions(Path obj) throws Exception {
        Map<String, Fn> out = new LinkedHashMap<>();
        String section = null;
        Fn fn = null;
        int lineStart = 0;
        for (String line : run(OBJDUMP.toString(), "-d", "-r", obj.toString()).split("\n")) {
            Matcher m;
            if ((m = SECTION.matcher(line)).matches()) {
                section = m.group(1);
            } else if ((m = FUNC.matcher(line)).matches()) {
                fn = new Fn(section, m.group(1), new ArrayList<>(), new ArrayList<>());
                out.put(fn.name, fn);
            } else if ((m = INSN.matcher(line)).find() && fn != null) {
                String[] hex = m.group(2).trim().split(" ");
                lineStart = fn.slots.size();
                for (int s = 0; s < hex.length / 8; s++) {
                    long v = 0;
                    for (int b = 7; b >= 0; b--) {
                        v = v << 8 | Long.parseLong(hex[s * 8 + b], 16);
                    }
                    fn.slots.add(v);
                }
            } else if ((m = RELOC.matcher(line)).find() && fn != null) {
                fn.relocated.add(lineStart);
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("objects")
    void programsAndInstructionCountsMatchLlvmObjdump(Path obj) throws Exception {
        assumeTrue(Files.isExecutable(OBJDUMP), "llvm-objdump not installed at " + OBJDUMP + ": cross-check skipped");
        ObjectSpec spec = ObjectReader.read(obj);
        Map<String, Fn> fns = objdumpFunctions(obj);
        List<String> sectionNames = new ArrayList<>();
        for (String line : run(OBJDUMP.toString(), "-h", obj.toString()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[0].matches("\\d+") && !f[1].matches("[0-9a-f]{8}")) {
                sectionNames.add(f[1]);
            }
        }
        ElfFile elf = ElfFile.parse(Files.readAllBytes(obj), obj.toString());
        assertEquals(sectionNames, elf.sections().stream().skip(1).map(ElfSection::name).toList(), "section names");

        List<String> expectedPrograms = fns.values().stream().filter(f -> !f.section.equals(".text")).map(Fn::name).toList();
        assertEquals(expectedPrograms, spec.programs().stream().map(ProgramSpec::name).toList(), "entry programs");
        for (ProgramSpec p : spec.programs()) {
            Fn main = fns.get(p.name());
            assertEquals(main.section, p.sectionName());
            List<Integer> starts = p.funcInfo().stream().map(FuncInfo::insnOff).toList();
            int mainLen = starts.size() > 1 ? starts.get(1) : p.insns().size();
            assertEquals(main.slots.size(), mainLen, p.name() + ": own instructions");
            List<Fn> text = new ArrayList<>(fns.values().stream().filter(f -> f.section.equals(".text")).toList());
            for (int i = 1; i < starts.size(); i++) {
                int len = (i + 1 < starts.size() ? starts.get(i + 1) : p.insns().size()) - starts.get(i);
                int at = starts.get(i);
                Fn sub = text.stream().filter(f -> f.slots.size() == len && f.slots.getFirst().equals(
                        raw(p.insns().get(at), f.slots.getFirst()))).findFirst()
                        .orElseThrow(() -> new AssertionError(p.name() + ": appended block at " + at + " is no .text function"));
                text.remove(sub);
            }
            for (int i = 0; i < main.slots.size(); i++) {
                Insn ours = p.insns().get(i);
                final int at = i;
                boolean coreFixed = p.coreFixups().stream().anyMatch(c -> c.insnOff() == at || c.insnOff() == at - 1
                        && Insn.decode(main.slots.get(at - 1)).isLdImm64());
                boolean changed = coreFixed || main.relocated.contains(i) || ours.isPseudoCall()
                        || i > 0 && p.insns().get(i - 1).isLdImm64() && main.relocated.contains(i - 1);
                if (!changed) {
                    assertEquals(main.slots.get(i).longValue(), ours.encode(), p.name() + " insn " + i);
                }
            }
        }
    }

    /** Our slot if it is not a call (a copied call has a new imm); else objdump's, to match by the rest. */
    private static Long raw(Insn ours, long theirs) {
        return ours.isPseudoCall() ? theirs : ours.encode();
    }

    private static final Pattern TYPE = Pattern.compile("^\\[(\\d+)\\] (\\w+) '([^']*)'(.*)$");
    private static final Pattern MEMBER = Pattern.compile("^\\t'([^']*)' type_id=(\\d+)");
    private static final Pattern ATTR = Pattern.compile("(\\w+)=(\\d+)");

    @ParameterizedTest
    @MethodSource("objects")
    void btfMapAttributesMatchBpftool(Path obj) throws Exception {
        assumeTrue(Files.isExecutable(BPFTOOL), "bpftool not installed at " + BPFTOOL + ": cross-check skipped");
        ObjectSpec spec = ObjectReader.read(obj);
        Map<Integer, String[]> kinds = new HashMap<>();
        Map<Integer, Map<String, Long>> attrs = new HashMap<>();
        Map<Integer, Map<String, Integer>> members = new HashMap<>();
        List<String> mapVars = new ArrayList<>();
        Map<String, Integer> varType = new HashMap<>();
        int current = -1;
        boolean inMapsSec = false;
        for (String line : run(BPFTOOL.toString(), "btf", "dump", "file", obj.toString()).split("\n")) {
            Matcher m = TYPE.matcher(line);
            if (m.matches()) {
                current = Integer.parseInt(m.group(1));
                kinds.put(current, new String[] {m.group(2), m.group(3)});
                Map<String, Long> a = new HashMap<>();
                Matcher am = ATTR.matcher(m.group(4));
                while (am.find()) {
                    a.put(am.group(1), Long.parseLong(am.group(2)));
                }
                attrs.put(current, a);
                inMapsSec = m.group(2).equals("DATASEC") && m.group(3).equals(".maps");
                if (m.group(2).equals("VAR")) {
                    varType.put(m.group(3), a.get("type_id").intValue());
                }
            } else if ((m = MEMBER.matcher(line)).find()) {
                members.computeIfAbsent(current, k -> new LinkedHashMap<>()).put(m.group(1), Integer.parseInt(m.group(2)));
            } else if (inMapsSec && line.contains("(VAR '")) {
                mapVars.add(line.substring(line.indexOf("(VAR '") + 6, line.lastIndexOf('\'')));
            }
        }
        List<String> ours = spec.maps().stream().filter(m -> m.origin() == MapSpec.Origin.BTF).map(MapSpec::name).toList();
        assertEquals(mapVars.stream().sorted().toList(), ours.stream().sorted().toList(), "maps of .maps");
        for (String name : mapVars) {
            MapSpec m = spec.map(name).orElseThrow();
            Map<String, Integer> mem = members.get(skipMods(kinds, attrs, varType.get(name)));
            for (Map.Entry<String, Integer> e : mem.entrySet()) {
                Long value = uintAttr(kinds, attrs, e.getValue());
                if (value == null) {
                    continue;
                }
                long expected = switch (e.getKey()) {
                    case "type" -> m.type().value();
                    case "max_entries" -> m.maxEntries();
                    case "map_flags" -> m.mapFlags();
                    case "key_size" -> m.keySize();
                    case "value_size" -> m.valueSize();
                    case "map_extra" -> m.mapExtra();
                    case "numa_node" -> m.numaNode();
                    case "pinning" -> m.pinning().ordinal();
                    default -> throw new AssertionError("unexpected attribute " + e.getKey());
                };
                assertEquals(value.longValue(), expected, name + "." + e.getKey());
            }
            if (mem.containsKey("key")) {
                assertEquals(attrs.get(mem.get("key")).get("type_id").intValue(), m.btfKeyTypeId(), name + " key type");
            }
            if (mem.containsKey("value")) {
                assertEquals(attrs.get(mem.get("value")).get("type_id").intValue(), m.btfValueTypeId(), name + " value type");
            }
        }
    }

    private static int skipMods(Map<Integer, String[]> kinds, Map<Integer, Map<String, Long>> attrs, int id) {
        while (List.of("TYPEDEF", "CONST", "VOLATILE").contains(kinds.get(id)[0])) {
            id = attrs.get(id).get("type_id").intValue();
        }
        return id;
    }

    /** {@code __uint(name, N)}: PTR → ARRAY nr_elems=N; null for other members. */
    private static Long uintAttr(Map<Integer, String[]> kinds, Map<Integer, Map<String, Long>> attrs, int id) {
        if (!kinds.get(id)[0].equals("PTR")) {
            return null;
        }
        int arr = attrs.get(id).get("type_id").intValue();
        return kinds.get(arr)[0].equals("ARRAY") ? attrs.get(arr).get("nr_elems") : null;
    }
}
