package org.ebpf4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.elf.CoreFixup;
import org.ebpf4j.elf.DataSection;
import org.ebpf4j.elf.LineInfo;
import org.ebpf4j.elf.MapSpec;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.elf.ObjectSpec;
import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.elf.Relocation;
import org.ebpf4j.isa.Disassembler;
import org.ebpf4j.isa.Insn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ebpf4j dump OBJ.o [--json]}: what an object declares, as read by
 * {@link ObjectReader}: programs with their linked instructions (llvm-objdump syntax) interleaved
 * with source lines from line_info, maps with their definitions, data sections and the BTF types
 * in C, in the spirit of {@code bpftool prog dump xlated linum} and {@code bpftool btf dump}.
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Print the programs, maps, data sections and BTF of a BPF object file.")
public final class DumpCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "OBJ.o", description = "a clang -target bpf object")
    Path object;

    @Option(names = "--json", description = "machine-readable output")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ObjectSpec o = ObjectReader.read(object);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            out.println(mapper.writeValueAsString(toJson(mapper, o)));
        } else {
            out.print(text(o));
        }
        out.flush();
        return 0;
    }

    /** The text form. */
    static String text(ObjectSpec o) {
        StringBuilder sb = new StringBuilder();
        sb.append("object ").append(o.name()).append("  license \"").append(o.license()).append('"');
        if (o.kernVersion() != 0) {
            sb.append("  version 0x").append(Integer.toHexString(o.kernVersion()));
        }
        sb.append("\n\nprograms:\n");
        for (ProgramSpec p : o.programs()) {
            sb.append("  ").append(p.name()).append("  section ").append(p.sectionName()).append("  type ")
                    .append(p.progType()).append("  attach ").append(p.expectedAttachType() == null ? "-" : p.expectedAttachType());
            if (!p.attachTarget().isEmpty()) {
                sb.append("  target ").append(p.attachTarget());
            }
            if (p.sleepable()) {
                sb.append("  sleepable");
            }
            if (!p.kind().autoload()) {
                sb.append("  no-autoload");
            }
            sb.append("  insns ").append(p.insns().size()).append('\n');
            List<String> lines = Disassembler.disassemble(p.insns());
            int li = 0;
            LineInfo shown = null;
            for (String line : lines) {
                int idx = Integer.parseInt(line.substring(0, line.indexOf(':')).trim());
                while (li < p.lineInfo().size() && p.lineInfo().get(li).insnOff() <= idx) {
                    LineInfo l = p.lineInfo().get(li++);
                    if (shown != null && shown.lineNum() == l.lineNum() && shown.fileName().equals(l.fileName())) {
                        continue;
                    }
                    shown = l;
                    sb.append("    ; ").append(l.lineText().strip()).append("  // ").append(shortFile(l.fileName()))
                            .append(':').append(l.lineNum()).append('\n');
                }
                sb.append("    ").append(line).append('\n');
            }
            for (Relocation r : p.relocations()) {
                sb.append("    reloc insn ").append(r.insn()).append(": ").append(describe(r)).append('\n');
            }
            for (CoreFixup c : p.coreFixups()) {
                sb.append("    co-re insn ").append(c.insnOff()).append(": ").append(c.kind()).append(' ').append(c.accessor())
                        .append("  ").append(c.oldValue()).append(" -> ")
                        .append(c.poisoned() ? "poisoned" : Long.toString(c.newValue())).append('\n');
            }
        }
        sb.append("\nmaps:\n");
        for (MapSpec m : o.maps()) {
            sb.append("  ").append(describe(m)).append('\n');
            if (m.innerMap() != null) {
                sb.append("    inner ").append(describe(m.innerMap())).append('\n');
            }
            for (MapSpec.Slot s : m.initialSlots()) {
                sb.append("    [").append(s.index()).append("] = ").append(s.target()).append('\n');
            }
        }
        sb.append("\ndata sections:\n");
        for (DataSection d : o.dataSections()) {
            sb.append("  ").append(d.name()).append(" -> map ").append(d.mapName()).append(" (").append(d.origin())
                    .append(", ").append(d.size()).append(" bytes)\n");
            for (DataSection.Variable v : d.variables()) {
                sb.append("    ").append(v.global() ? "" : "static ").append(v.name()).append(" @").append(v.offset())
                        .append(" size ").append(v.size()).append('\n');
            }
            o.map(d.mapName()).map(MapSpec::initialValue).ifPresent(b -> sb.append(hex(b)));
        }
        if (o.btf() != null) {
            sb.append("\nbtf:\n");
            for (int id : cTypes(o.btf())) {
                sb.append("  [").append(id).append("] ").append(o.btf().toC(id).strip().replace("\n", "\n  ")).append('\n');
            }
        }
        return sb.toString();
    }

    private static String shortFile(String f) {
        return f.substring(f.lastIndexOf('/') + 1);
    }

    private static String describe(Relocation r) {
        return switch (r) {
            case Relocation.MapRef m -> "map " + m.map() + " (" + m.kind() + (m.kind() == Relocation.MapRefKind.MAP_VALUE
                    ? " +" + m.offset() : "") + ")";
            case Relocation.KsymRef k -> (k.call() ? "kfunc " : "ksym ") + k.name() + (k.weak() ? " (weak)" : "");
        };
    }

    private static String describe(MapSpec m) {
        StringBuilder sb = new StringBuilder(m.name()).append("  ").append(m.type()).append("  key ").append(m.keySize())
                .append("  value ").append(m.valueSize()).append("  max_entries ").append(m.maxEntries());
        if (m.mapFlags() != 0) {
            sb.append("  flags 0x").append(Integer.toHexString(m.mapFlags()));
        }
        if (m.pinning() != MapSpec.Pinning.NONE) {
            sb.append("  pinning ").append(m.pinning());
        }
        if (m.mapExtra() != 0) {
            sb.append("  map_extra ").append(m.mapExtra());
        }
        if (m.btfKeyTypeId() != 0 || m.btfValueTypeId() != 0) {
            sb.append("  btf_key ").append(m.btfKeyTypeId()).append(" btf_value ").append(m.btfValueTypeId());
        }
        return sb.append("  (").append(m.origin()).append(')').toString();
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        int shown = Math.min(b.length, 256);
        for (int i = 0; i < shown; i += 16) {
            sb.append(String.format("    %04x: ", i)).append(HexFormat.ofDelimiter(" ").formatHex(b, i, Math.min(i + 16, shown))).append('\n');
        }
        if (shown < b.length) {
            sb.append("    … ").append(b.length - shown).append(" more bytes\n");
        }
        return sb.toString();
    }

    /** The named types worth printing as C declarations: structs, unions, enums, typedefs. */
    private static List<Integer> cTypes(Btf btf) {
        return btf.types().stream().filter(t -> !t.name().isEmpty() && (t instanceof BtfType.Composite
                || t instanceof BtfType.AnyEnum || t instanceof BtfType.Typedef)).map(BtfType::id).toList();
    }

    static ObjectNode toJson(ObjectMapper mapper, ObjectSpec o) {
        ObjectNode root = mapper.createObjectNode();
        root.put("name", o.name()).put("license", o.license()).put("kern_version", o.kernVersion());
        ArrayNode progs = root.putArray("programs");
        for (ProgramSpec p : o.programs()) {
            ObjectNode n = progs.addObject();
            n.put("name", p.name()).put("section", p.sectionName()).put("prog_type", p.progType().name())
                    .put("expected_attach_type", p.expectedAttachType() == null ? null : p.expectedAttachType().name())
                    .put("attach_target", p.attachTarget()).put("sleepable", p.sleepable())
                    .put("autoload", p.kind().autoload()).put("prog_flags", p.kind().progFlags());
            ArrayNode insns = n.putArray("insns");
            for (int i = 0; i < p.insns().size(); i++) {
                Insn insn = p.insns().get(i);
                insns.addObject().put("index", i).put("raw", String.format("%016x", Long.reverseBytes(insn.encode())))
                        .put("text", Disassembler.format(p.insns(), i));
            }
            ArrayNode lines = n.putArray("line_info");
            for (LineInfo l : p.lineInfo()) {
                lines.addObject().put("insn", l.insnOff()).put("file", l.fileName()).put("line", l.lineNum())
                        .put("col", l.lineCol()).put("text", l.lineText());
            }
            ArrayNode funcs = n.putArray("func_info");
            p.funcInfo().forEach(f -> funcs.addObject().put("insn", f.insnOff()).put("type_id", f.typeId()));
            ArrayNode relos = n.putArray("relocations");
            p.relocations().forEach(r -> relos.addObject().put("insn", r.insn()).put("what", describe(r)));
            ArrayNode core = n.putArray("core_relocations");
            p.coreFixups().forEach(c -> core.addObject().put("insn", c.insnOff()).put("kind", c.kind())
                    .put("accessor", c.accessor()).put("old", c.oldValue()).put("new", c.newValue()).put("poisoned", c.poisoned()));
        }
        ArrayNode maps = root.putArray("maps");
        o.maps().forEach(m -> maps.add(mapJson(mapper, m)));
        ArrayNode data = root.putArray("data_sections");
        for (DataSection d : o.dataSections()) {
            ObjectNode n = data.addObject().put("name", d.name()).put("map", d.mapName()).put("size", d.size());
            ArrayNode vars = n.putArray("variables");
            d.variables().forEach(v -> vars.addObject().put("name", v.name()).put("offset", v.offset())
                    .put("size", v.size()).put("global", v.global()));
        }
        if (o.btf() != null) {
            ArrayNode types = root.putArray("btf_types");
            for (int id : cTypes(o.btf())) {
                types.addObject().put("id", id).put("c", o.btf().toC(id));
            }
        }
        return root;
    }

    private static ObjectNode mapJson(ObjectMapper mapper, MapSpec m) {
        ObjectNode n = mapper.createObjectNode();
        n.put("name", m.name()).put("origin", m.origin().name()).put("section", m.sectionName())
                .put("type", m.type().name()).put("key_size", m.keySize()).put("value_size", m.valueSize())
                .put("max_entries", m.maxEntries()).put("map_flags", m.mapFlags()).put("pinning", m.pinning().name())
                .put("map_extra", m.mapExtra()).put("numa_node", m.numaNode()).put("btf_key_type_id", m.btfKeyTypeId())
                .put("btf_value_type_id", m.btfValueTypeId());
        if (m.innerMap() != null) {
            n.set("inner_map", mapJson(mapper, m.innerMap()));
        }
        byte[] init = m.initialValue();
        if (init != null) {
            n.put("initial_value", HexFormat.of().formatHex(init));
        }
        ArrayNode slots = n.putArray("initial_slots");
        m.initialSlots().forEach(s -> slots.addObject().put("index", s.index()).put("target", s.target()));
        return n;
    }
}
