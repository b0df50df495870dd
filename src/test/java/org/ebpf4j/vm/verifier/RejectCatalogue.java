package org.ebpf4j.vm.verifier;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.TextAssembler;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;

/**
 * The catalogue of refused programs ({@code rejects.txt}) and what Linux 6.18 said about each
 * ({@code kernel-6.18.txt}, written by {@code src/test/bpf/verifier/verifier_oracle.py}).
 */
final class RejectCatalogue {
    private RejectCatalogue() {}

    /** A map a case uses; {@code inner} is the template of an ARRAY_OF_MAPS / HASH_OF_MAPS, else null. */
    record MapDef(MapType type, int keySize, int valueSize, int maxEntries, MapDef inner) {
        MapDef(MapType type, int keySize, int valueSize, int maxEntries) {
            this(type, keySize, valueSize, maxEntries, null);
        }

        MapDesc desc() {
            return new MapDesc(type.value(), "m", keySize, valueSize, maxEntries,
                    inner == null ? null : inner.desc());
        }
    }

    record Case(String name, ProgType progType, AttachType attachType, List<MapDef> maps, List<Insn> insns) {}

    /** The kernel's verdict: errno name, the failing insn index (-1 if none was printed), the message lines. */
    record KernelVerdict(String errno, int insn, String message) {}

    static List<Case> cases() {
        String text = resource("rejects.txt");
        List<Case> out = new ArrayList<>();
        String name = null;
        ProgType type = null;
        AttachType attach = null;
        List<MapDef> maps = new ArrayList<>();
        StringBuilder asm = new StringBuilder();
        for (String line : (text + "\n== <end>").split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("== ")) {
                if (name != null) {
                    try {
                        out.add(new Case(name, type, attach, List.copyOf(maps), TextAssembler.assemble(asm.toString())));
                    } catch (RuntimeException e) {
                        throw new IllegalStateException("rejects.txt case " + name + ": " + e.getMessage(), e);
                    }
                }
                name = line.substring(3).trim();
                type = null;
                attach = null;
                maps.clear();
                asm.setLength(0);
            } else if (line.startsWith("prog:")) {
                type = ProgType.valueOf(line.substring(5).trim().toUpperCase(Locale.ROOT));
            } else if (line.startsWith("attach:")) {
                attach = AttachType.valueOf(line.substring(7).trim().toUpperCase(Locale.ROOT));
            } else if (line.startsWith("map:")) {
                // "map: TYPE KEY VALUE MAX [inner TYPE KEY VALUE MAX]"
                String[] f = line.substring(4).trim().split("\\s+");
                MapDef inner = f.length == 9 && f[4].equals("inner") ? mapDef(f, 5, null) : null;
                maps.add(mapDef(f, 0, inner));
            } else {
                asm.append(line).append('\n');
            }
        }
        return out;
    }

    private static MapDef mapDef(String[] f, int at, MapDef inner) {
        return new MapDef(MapType.valueOf(f[at].toUpperCase(Locale.ROOT)), Integer.parseInt(f[at + 1]),
                Integer.parseInt(f[at + 2]), Integer.parseInt(f[at + 3]), inner);
    }

    /** name → verdict, from kernel-6.18.txt (tab separated: name, errno, insn, message with \n escaped). */
    static Map<String, KernelVerdict> kernelVerdicts() {
        Map<String, KernelVerdict> out = new LinkedHashMap<>();
        for (String line : resource("kernel-6.18.txt").split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", 4);
            out.put(f[0], new KernelVerdict(f[1], Integer.parseInt(f[2]), f[3].replace("\\n", "\n")));
        }
        return out;
    }

    static String resource(String name) {
        try (InputStream in = RejectCatalogue.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
