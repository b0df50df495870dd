package org.ebpf4j.elf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfExt;
import org.ebpf4j.isa.Insn;

/**
 * Reads a clang-compiled BPF object the way libbpf's {@code bpf_object__open()} does
 * ({@code tools/lib/bpf/libbpf.c}): ELF sections and symbols, programs split by function symbols,
 * SEC() names mapped through {@link SectionDefs}, maps from {@code .maps} (BTF) and the legacy
 * {@code maps} section, internal maps for global data and {@code .kconfig}, subprograms linked
 * into each program that calls them, CO-RE relocations applied against a target BTF.
 *
 * <p>All failures are {@link ObjectFormatException}s (or the BTF layer's format exception) naming
 * file, section and offset.
 */
public final class ObjectReader {
    private static final long MAX_OBJECT_SIZE = 256L << 20;

    private ObjectReader() {}

    public static ObjectSpec read(Path path) {
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        if (size > MAX_OBJECT_SIZE) {
            throw new ElfFormatException(path.toString(), null, -1, "object of " + size + " bytes is too large");
        }
        try {
            return read(Files.readAllBytes(path), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads an object from memory.
     *
     * @param file a name for messages; its base name up to the first '.' becomes the object name
     */
    public static ObjectSpec read(byte[] bytes, String file) {
        return read(bytes, file, Kconfig.model());
    }

    /** Reads an object, giving {@code __kconfig} externs the values of {@code kconfig}. */
    public static ObjectSpec read(byte[] bytes, String file, Kconfig kconfig) {
        return read(bytes, file, kconfig, Btf.modelKernel());
    }

    /**
     * Reads an object, relocating CO-RE accesses against {@code target} (the modelled kernel's
     * BTF by default; the host backend will pass {@code /sys/kernel/btf/vmlinux}).
     */
    public static ObjectSpec read(byte[] bytes, String file, Kconfig kconfig, Btf target) {
        return new Reading(ElfFile.parse(bytes.clone(), file), kconfig, target).run();
    }

    /** libbpf's object name: base name of the path, cut at its first '.'. */
    public static String objectName(String file) {
        String base = file.substring(file.lastIndexOf('/') + 1);
        int dot = base.indexOf('.');
        return dot >= 0 ? base.substring(0, dot) : base;
    }

    /** The state of one read; discarded afterwards. */
    private static final class Reading {
        private final ElfFile elf;
        private final String objName;
        private final List<MapSpec> maps = new ArrayList<>();
        private final Map<Integer, Map<Long, String>> mapDefs = new HashMap<>();
        private final Map<Integer, String> dataMaps = new HashMap<>();
        private final List<DataSection> dataSections = new ArrayList<>();
        private final Map<String, SymbolTarget> externs = new HashMap<>();
        private final Map<Integer, Insn[]> sectionInsns = new LinkedHashMap<>();
        private final Map<Integer, List<BpfFunction>> functions = new LinkedHashMap<>();
        private final Kconfig kconfig;
        private int textIndex = -1;
        private Btf btf;
        private BtfExt btfExt;

        private final Btf target;

        Reading(ElfFile elf, Kconfig kconfig, Btf target) {
            this.elf = elf;
            this.target = target;
            this.kconfig = kconfig;
            this.objName = objectName(elf.name());
        }

        ObjectSpec run() {
            String license = license();
            int kernVersion = kernVersion();
            ElfSection text = elf.section(".text");
            if (text != null && text.isExecutable()) {
                textIndex = text.index();
            }
            ElfSection legacy = elf.section(LegacyMaps.SECTION);
            if (legacy != null) {
                Map<Long, String> offsets = new HashMap<>();
                maps.addAll(LegacyMaps.read(elf, legacy, offsets));
                mapDefs.put(legacy.index(), offsets);
            }
            readBtf();
            ElfSection btfMaps = elf.section(BtfMaps.SECTION);
            if (btfMaps != null) {
                Map<Long, String> offsets = new HashMap<>();
                maps.addAll(BtfMaps.read(elf, btfMaps, btf, offsets));
                mapDefs.put(btfMaps.index(), offsets);
            }
            readDataSections();
            MapSpec kcfg = Externs.collect(elf, btf, objName, kconfig, externs);
            if (kcfg != null) {
                maps.add(kcfg);
            }
            readFunctions();
            ExtInfo ext = ExtInfo.of(elf, btf, btfExt, target, sectionInsns);

            RelocationCollector collector = new RelocationCollector(elf, textIndex, mapDefs, dataMaps, externs);
            Map<Integer, Map<Integer, SymbolTarget>> targets = new HashMap<>();
            for (Map.Entry<Integer, Insn[]> e : sectionInsns.entrySet()) {
                targets.put(e.getKey(), collector.collect(elf.sections().get(e.getKey()), e.getValue()));
            }
            ProgramLinker linker = new ProgramLinker(elf.name(), sectionInsns, targets, functions, textIndex,
                    ext.funcInfo(), ext.lineInfo(), ext.coreFixups());
            List<ProgramSpec> programs = new ArrayList<>();
            for (List<BpfFunction> fns : functions.values()) {
                for (BpfFunction fn : fns) {
                    if (fn.subprog()) {
                        continue;
                    }
                    ProgramKind kind = SectionDefs.find(fn.section().name()).orElseThrow(() -> new ElfFormatException(
                            elf.name(), fn.section().name(), (long) fn.secInsnOff() * 8, "prog '" + fn.name()
                            + "': missing BPF prog type, check ELF section name '" + fn.section().name() + "'"));
                    programs.add(linker.link(fn, kind));
                }
            }
            return new ObjectSpec(objName, programs, maps, license, kernVersion, dataSections, btf);
        }

        private String license() {
            ElfSection s = elf.section("license");
            if (s == null) {
                return "";
            }
            byte[] b = elf.bytes(s);
            int end = 0;
            while (end < b.length && b[end] != 0) {
                end++;
            }
            return new String(b, 0, end, StandardCharsets.UTF_8);
        }

        private int kernVersion() {
            ElfSection s = elf.section("version");
            if (s == null) {
                return 0;
            }
            if (s.size() != 4) {
                throw elf.error(s.name(), 0, "invalid kver section size " + s.size() + " (must be 4)");
            }
            byte[] b = elf.bytes(s);
            return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
        }

        private void readDataSections() {
            for (ElfSection s : elf.sections()) {
                MapSpec.Origin origin = InternalMaps.originOf(s);
                if (origin == null || s.size() == 0) {
                    continue;
                }
                String mapName = InternalMaps.name(objName, s.name());
                List<DataSection.Variable> vars = InternalMaps.variables(elf, s);
                byte[] bytes = elf.bytes(s);
                int dsId = btf == null ? 0 : btf.findByName(s.name(), org.ebpf4j.btf.BtfType.DataSec.class)
                        .map(org.ebpf4j.btf.BtfType::id).orElse(0);
                maps.add(InternalMaps.map(mapName, origin, s, bytes, vars, dsId));
                dataMaps.put(s.index(), mapName);
                dataSections.add(new DataSection(s.name(), mapName, origin, s.size(), vars));
            }
        }

        private void readBtf() {
            ElfSection s = elf.section(".BTF");
            if (s == null) {
                return;
            }
            btf = Btf.parse(elf.bytes(s));
            ElfSection ext = elf.section(".BTF.ext");
            if (ext != null) {
                btfExt = BtfExt.parse(elf.bytes(ext), btf);
            }
        }

        private void readFunctions() {
            for (ElfSection s : elf.sections()) {
                if (!s.isExecutable()) {
                    continue;
                }
                if (s.size() % 8 != 0) {
                    throw elf.error(s.name(), 0, "size " + s.size() + " is not a multiple of 8 (truncated instruction?)");
                }
                byte[] bytes = elf.bytes(s);
                Insn[] insns = new Insn[bytes.length / 8];
                for (int i = 0; i < insns.length; i++) {
                    long raw = 0;
                    for (int b = 7; b >= 0; b--) {
                        raw = raw << 8 | (bytes[i * 8 + b] & 0xffL);
                    }
                    insns[i] = Insn.decode(raw);
                }
                sectionInsns.put(s.index(), insns);
                functions.put(s.index(), functionsOf(s, insns.length));
            }
        }

        private List<BpfFunction> functionsOf(ElfSection s, int insnCount) {
            List<ElfSymbol> syms = new ArrayList<>();
            for (ElfSymbol sym : elf.symbols()) {
                if (sym.shndx() == s.index() && sym.type() == ElfSymbol.STT_FUNC) {
                    syms.add(sym);
                }
            }
            syms.sort(Comparator.comparingLong(ElfSymbol::value));
            boolean isText = s.index() == textIndex;
            List<BpfFunction> out = new ArrayList<>();
            long end = 0;
            for (ElfSymbol sym : syms) {
                if (sym.value() % 8 != 0 || sym.size() % 8 != 0) {
                    throw elf.error(s.name(), sym.value(), "function '" + sym.name() + "' is not instruction-aligned");
                }
                if (sym.value() < end || sym.size() > (long) insnCount * 8 - sym.value()) {
                    throw elf.error(s.name(), sym.value(), "function '" + sym.name() + "' of " + sym.size()
                            + " bytes overlaps another or runs past the section end");
                }
                if (sym.size() == 0) {
                    throw elf.error(s.name(), sym.value(), "function '" + sym.name() + "' is empty");
                }
                if (!isText && sym.bind() == ElfSymbol.STB_LOCAL) {
                    throw elf.error(s.name(), sym.value(), "program '" + sym.name() + "' is static and not supported");
                }
                end = sym.value() + sym.size();
                out.add(new BpfFunction(sym.name(), s, (int) (sym.value() / 8), (int) (sym.size() / 8), isText));
            }
            return out;
        }
    }
}
