package org.ebpf4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.MapHandle;
import org.ebpf4j.api.Program;
import org.ebpf4j.uapi.BpfException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ebpf4j map dump OBJ.o [--run PROG ...]}: the object's maps, after running programs. */
@Command(name = "map", mixinStandardHelpOptions = true, description = "Map verbs.",
        subcommands = {MapCommand.Dump.class})
final class MapCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(System.out); }

    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = "Load OBJ.o, run the --run programs once each, then print every map's entries (as bpftool map dump).")
    static final class Dump implements Callable<Integer> {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "OBJ.o") Path obj;

        @Option(names = "--run", paramLabel = "PROG", description = "run this program first (repeatable)")
        List<String> run = new ArrayList<>();

        @Option(names = "--data-in", paramLabel = "FILE", description = "packet for the runs (default: 64 zero bytes)")
        Path dataIn;

        @Option(names = "--engine", defaultValue = "interp", description = "Engine: ${COMPLETION-CANDIDATES}")
        EngineChoice engine;

        @Option(names = "--json", description = "print JSON") boolean json;

        @Override
        public Integer call() {
            try (BpfObject o = ObjectRun.open(obj, engine)) {
                byte[] data = ObjectRun.read(dataIn, "--data-in");
                for (String name : run) {
                    Program p = o.program(name);
                    p.testRun(ObjectRun.attr(p, data, null, 1));
                }
                spec.commandLine().getOut().print(dump(o, json));
                spec.commandLine().getOut().flush();
                return 0;
            }
        }
    }

    static String dump(BpfObject o, boolean json) {
        HexFormat h = HexFormat.ofDelimiter(" ");
        StringBuilder sb = new StringBuilder(json ? "[" : "");
        boolean firstMap = true;
        for (MapHandle m : o.maps()) {
            List<byte[]> keys;
            String note = null;
            try {
                keys = m.keys();
            } catch (BpfException e) {
                keys = List.of();
                note = "not iterable: " + e.getMessage();
            }
            if (json) {
                sb.append(firstMap ? "" : ",").append("{\"name\":\"").append(m.name()).append("\",\"type\":\"")
                        .append(m.spec().type()).append("\",\"entries\":[");
                boolean first = true;
                for (byte[] k : keys) {
                    byte[] v = m.lookup(k);
                    sb.append(first ? "" : ",").append("{\"key\":\"").append(HexFormat.of().formatHex(k))
                            .append("\",\"value\":").append(v == null ? "null" : "\"" + HexFormat.of().formatHex(v) + "\"").append('}');
                    first = false;
                }
                sb.append("]}");
                firstMap = false;
                continue;
            }
            sb.append(m.name()).append(" (").append(m.spec().type()).append(", key ").append(m.spec().keySize())
                    .append(" B, value ").append(m.spec().valueSize()).append(" B):\n");
            if (note != null) {
                sb.append("  ").append(note).append('\n');
            }
            for (byte[] k : keys) {
                byte[] v = m.lookup(k);
                sb.append("  key: ").append(h.formatHex(k)).append("  value: ")
                        .append(v == null ? "<none>" : h.formatHex(v)).append('\n');
            }
            if (note == null && keys.isEmpty()) {
                sb.append("  (empty)\n");
            }
        }
        return sb.append(json ? "]\n" : "").toString();
    }
}
