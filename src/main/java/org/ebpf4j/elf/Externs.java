package org.ebpf4j.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;

/**
 * Extern symbols, as libbpf's {@code bpf_object__collect_externs()} finds them: each undefined
 * global symbol is a variable of the {@code .kconfig} DATASEC (a value we supply), or of
 * {@code .ksyms} (a kernel variable or a kfunc, resolved by BTF id at load).
 *
 * <p>{@code .kconfig} values are laid out in one internal map as libbpf does: sorted by alignment
 * (descending), then size (ascending), then name, each at the next aligned offset.
 */
final class Externs {
    static final String KCONFIG = ".kconfig", KSYMS = ".ksyms";

    private Externs() {}

    private record Kcfg(String name, int typeId, int size, int align, boolean weak) {}

    /**
     * Fills {@code targets} with every extern's target and returns the {@code .kconfig} map, or
     * null when the object has no kconfig externs.
     */
    static MapSpec collect(ElfFile elf, Btf btf, String objName, Kconfig kconfig, Map<String, SymbolTarget> targets) {
        List<ElfSymbol> externs = new ArrayList<>();
        for (ElfSymbol s : elf.symbols()) {
            if (s.isExtern() && !s.name().isEmpty()) {
                externs.add(s);
            }
        }
        if (externs.isEmpty()) {
            return null;
        }
        if (btf == null) {
            throw elf.error(null, -1, "extern '" + externs.getFirst().name() + "' needs BTF but the object has no .BTF");
        }
        List<Kcfg> kcfg = new ArrayList<>();
        for (ElfSymbol s : externs) {
            String sec = datasecOf(btf, s.name());
            if (KCONFIG.equals(sec)) {
                int id = varType(btf, s.name());
                long size = btf.sizeOf(id);
                if (size <= 0 || size > 4096) {
                    throw elf.error(null, -1, "extern (kcfg) '" + s.name() + "': unsupported size " + size);
                }
                kcfg.add(new Kcfg(s.name(), id, (int) size, align(btf, id), s.isWeak()));
            } else if (KSYMS.equals(sec) || sec == null && s.type() == ElfSymbol.STT_FUNC) {
                targets.put(s.name(), new SymbolTarget.Ksym(s.name(), s.type() == ElfSymbol.STT_FUNC, s.isWeak()));
            } else {
                throw elf.error(null, -1, "extern '" + s.name() + "' is neither in .kconfig nor in .ksyms");
            }
        }
        if (kcfg.isEmpty()) {
            return null;
        }
        kcfg.sort(Comparator.comparingInt((Kcfg k) -> -k.align).thenComparingInt(k -> k.size).thenComparing(k -> k.name));
        int off = 0;
        int[] offs = new int[kcfg.size()];
        for (int i = 0; i < kcfg.size(); i++) {
            Kcfg k = kcfg.get(i);
            off = (off + k.align - 1) / k.align * k.align;
            offs[i] = off;
            off += k.size;
        }
        String mapName = InternalMaps.name(objName, KCONFIG);
        ByteBuffer value = ByteBuffer.allocate(off).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < kcfg.size(); i++) {
            Kcfg k = kcfg.get(i);
            targets.put(k.name, new SymbolTarget.Map(mapName, Relocation.MapRefKind.MAP_VALUE, offs[i]));
            String v = kconfig.values().get(k.name);
            if (v == null) {
                if (!k.weak) {
                    throw elf.error(null, -1, "extern (kcfg) '" + k.name + "': value not found in the modelled kernel config");
                }
                continue;
            }
            put(elf, btf, k, v, value, offs[i]);
        }
        int dsId = btf.findByName(KCONFIG, BtfType.DataSec.class).map(BtfType::id).orElse(0);
        return new MapSpec(mapName, MapSpec.Origin.KCONFIG, KCONFIG, org.ebpf4j.uapi.MapType.ARRAY, 4, off, 1,
                InternalMaps.BPF_F_RDONLY_PROG | InternalMaps.BPF_F_MMAPABLE, MapSpec.Pinning.NONE, 0, 0, 0, dsId, null,
                value.array(), List.of());
    }

    /** Writes one value as libbpf's {@code set_kcfg_value_tri/num/str()} would. */
    private static void put(ElfFile elf, Btf btf, Kcfg k, String v, ByteBuffer out, int off) {
        BtfType t = btf.resolve(k.typeId);
        if (t instanceof BtfType.Array a) {
            if (!v.startsWith("\"") || !v.endsWith("\"") || v.length() < 2) {
                throw elf.error(null, -1, "extern (kcfg) '" + k.name + "': value '" + v + "' is not a string");
            }
            byte[] s = v.substring(1, v.length() - 1).getBytes(StandardCharsets.UTF_8);
            int n = Math.min(s.length, k.size - 1);
            out.put(off, s, 0, n);
            return;
        }
        long num;
        switch (v) {
            case "y" -> num = 1;
            case "n" -> num = 0;
            case "m" -> num = t instanceof BtfType.AnyEnum ? 2 : -1;
            default -> {
                try {
                    num = v.startsWith("0x") ? Long.parseUnsignedLong(v.substring(2), 16) : Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw elf.error(null, -1, "extern (kcfg) '" + k.name + "': value '" + v + "' is not a number");
                }
            }
        }
        if (num < 0 && v.equals("m")) {
            throw elf.error(null, -1, "extern (kcfg) '" + k.name + "': value 'm' needs a tristate type");
        }
        for (int i = 0; i < k.size && i < 8; i++) {
            out.put(off + i, (byte) (num >>> (8 * i)));
        }
    }

    private static String datasecOf(Btf btf, String varName) {
        for (BtfType t : btf.types()) {
            if (t instanceof BtfType.DataSec ds) {
                for (BtfType.VarSecInfo vsi : ds.vars()) {
                    if (vsi.type() > 0 && vsi.type() < btf.typeCount() && btf.type(vsi.type()).name().equals(varName)) {
                        return ds.name();
                    }
                }
            }
        }
        return null;
    }

    private static int varType(Btf btf, String name) {
        for (BtfType t : btf.types()) {
            if (t instanceof BtfType.Var v && v.name().equals(name)) {
                return v.type();
            }
        }
        throw new IllegalStateException("unreachable: var " + name + " found in a datasec");
    }

    /** Natural alignment of a kconfig value: ints and enums their size (at most 8), arrays their element's. */
    private static int align(Btf btf, int id) {
        BtfType t = btf.resolve(id);
        return switch (t) {
            case BtfType.Int i -> Math.max(1, Math.min(i.size(), 8));
            case BtfType.AnyEnum e -> (int) Math.max(1, Math.min(e.size(), 8));
            case BtfType.Ptr p -> 8;
            case BtfType.Array a -> align(btf, a.type());
            default -> 1;
        };
    }
}
