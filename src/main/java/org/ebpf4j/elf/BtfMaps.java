package org.ebpf4j.elf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.uapi.MapType;

/**
 * BTF-defined maps of {@code SEC(".maps")}, parsed as libbpf's {@code parse_btf_map_def()} does:
 * each variable of the {@code .maps} DATASEC is a struct whose members encode attributes in their
 * types ({@code __uint(name, v)} = pointer to an array of v elements, {@code __type(name, T)} =
 * pointer to T, {@code __array(values, T)} = array of pointers to T). Initial slots of
 * map-in-map and prog arrays come from the {@code .rel.maps} relocations, as in
 * {@code bpf_object__collect_map_relos()}.
 */
final class BtfMaps {
    static final String SECTION = ".maps";
    private static final int PTR_SIZE = 8;

    private final ElfFile elf;
    private final ElfSection sec;
    private final Btf btf;

    private BtfMaps(ElfFile elf, ElfSection sec, Btf btf) {
        this.elf = elf;
        this.sec = sec;
        this.btf = btf;
    }

    /** Reads all maps; {@code offsets} receives each map's offset in the section. */
    static List<MapSpec> read(ElfFile elf, ElfSection sec, Btf btf, Map<Long, String> offsets) {
        return new BtfMaps(elf, sec, btf).read(offsets);
    }

    private record Def(MapSpec spec, long offset, long size, long valuesOffset) {}

    private List<MapSpec> read(Map<Long, String> offsets) {
        if (btf == null) {
            throw elf.error(sec.name(), 0, "BTF is required for maps in '" + SECTION + "' but the object has no .BTF");
        }
        BtfType.DataSec ds = (BtfType.DataSec) btf.findByName(SECTION, BtfType.DataSec.class).orElseThrow(
                () -> elf.error(sec.name(), 0, "DATASEC '" + SECTION + "' not found in .BTF"));
        Map<String, ElfSymbol> symbols = new HashMap<>();
        for (ElfSymbol s : elf.symbols()) {
            if (s.shndx() == sec.index() && s.type() != ElfSymbol.STT_SECTION) {
                symbols.put(s.name(), s);
            }
        }
        List<Def> defs = new ArrayList<>();
        for (BtfType.VarSecInfo vsi : ds.vars()) {
            BtfType t = type(vsi.type(), "DATASEC var");
            if (!(t instanceof BtfType.Var v)) {
                throw elf.error(sec.name(), 0, "DATASEC '" + SECTION + "' entry [" + vsi.type() + "] is not a VAR");
            }
            ElfSymbol sym = symbols.get(v.name());
            if (sym == null) {
                throw elf.error(sec.name(), 0, "map '" + v.name() + "': no ELF symbol for its BTF variable");
            }
            BtfType def = resolve(v.type(), "map '" + v.name() + "'");
            if (!(def instanceof BtfType.Struct st)) {
                throw elf.error(sec.name(), sym.value(), "map '" + v.name() + "': unexpected def kind, expected a struct");
            }
            long[] valuesOff = {-1};
            MapSpec spec = parseDef(v.name(), st, sym.value(), false, valuesOff);
            offsets.put(sym.value(), v.name());
            defs.add(new Def(spec, sym.value(), Math.max(sym.size(), st.size()), valuesOff[0]));
        }
        return attachSlots(defs, symbols);
    }

    private MapSpec parseDef(String name, BtfType.Struct st, long off, boolean inner, long[] valuesOff) {
        MapType type = null;
        int keySize = 0, valueSize = 0, maxEntries = 0, flags = 0, numa = 0, keyId = 0, valueId = 0;
        long extra = 0;
        boolean keySizeSet = false, valueSizeSet = false;
        MapSpec.Pinning pinning = MapSpec.Pinning.NONE;
        MapSpec innerSpec = null;
        int nMembers = st.members().size();
        for (int i = 0; i < nMembers; i++) {
            BtfType.Member m = st.members().get(i);
            String what = "map '" + name + "': attr '" + m.name() + "'";
            switch (m.name()) {
                case "type" -> {
                    long n = uintAttr(m, what, off);
                    type = MapType.of((int) n);
                    if (type == null || n != (int) n) {
                        throw elf.error(sec.name(), off, what + ": unknown map type " + n);
                    }
                }
                case "max_entries" -> maxEntries = (int) uintAttr(m, what, off);
                case "map_flags" -> flags = (int) uintAttr(m, what, off);
                case "numa_node" -> numa = (int) uintAttr(m, what, off);
                case "map_extra" -> extra = uintAttr(m, what, off);
                case "key_size" -> { keySize = checkSize(keySizeSet, keySize, uintAttr(m, what, off), what, off); keySizeSet = true; }
                case "value_size" -> { valueSize = checkSize(valueSizeSet, valueSize, uintAttr(m, what, off), what, off); valueSizeSet = true; }
                case "key" -> { keyId = pointee(m, what, off); keySize = checkSize(keySizeSet, keySize, btf.sizeOf(keyId), what, off); keySizeSet = true; }
                case "value" -> { valueId = pointee(m, what, off); valueSize = checkSize(valueSizeSet, valueSize, btf.sizeOf(valueId), what, off); valueSizeSet = true; }
                case "pinning" -> {
                    long p = uintAttr(m, what, off);
                    if (p > 1) {
                        throw elf.error(sec.name(), off, what + ": invalid pinning value " + p);
                    }
                    pinning = p == 1 ? MapSpec.Pinning.BY_NAME : MapSpec.Pinning.NONE;
                }
                case "values" -> {
                    if (inner) {
                        throw elf.error(sec.name(), off, what + ": multi-level inner maps not supported");
                    }
                    if (i != nMembers - 1) {
                        throw elf.error(sec.name(), off, what + ": '" + m.name() + "' member should be last");
                    }
                    BtfType arr = resolve(m.type(), what);
                    if (!(arr instanceof BtfType.Array a)) {
                        throw elf.error(sec.name(), off, what + ": should be an array of pointers");
                    }
                    BtfType ptr = resolve(a.type(), what);
                    if (!(ptr instanceof BtfType.Ptr p)) {
                        throw elf.error(sec.name(), off, what + ": array element should be a pointer");
                    }
                    BtfType target = resolve(p.type(), what);
                    valuesOff[0] = m.bitOffset() / 8;
                    if (target instanceof BtfType.Struct innerDef) {
                        innerSpec = parseDef(name + ".inner", innerDef, off, true, new long[] {-1});
                        valueSize = checkSize(valueSizeSet, valueSize, 4, what, off);
                        valueSizeSet = true;
                    } else if (target instanceof BtfType.FuncProto) {
                        valueSize = checkSize(valueSizeSet, valueSize, 4, what, off);
                        valueSizeSet = true;
                    } else {
                        throw elf.error(sec.name(), off, what + ": values must point to a map definition or a function prototype");
                    }
                }
                default -> throw elf.error(sec.name(), off, "map '" + name + "': unknown field '" + m.name() + "'");
            }
        }
        if (type == null) {
            throw elf.error(sec.name(), off, "map '" + name + "': map type isn't specified");
        }
        if (innerSpec != null && type != MapType.ARRAY_OF_MAPS && type != MapType.HASH_OF_MAPS) {
            throw elf.error(sec.name(), off, "map '" + name + "': inner map definition for a " + type + " map");
        }
        return new MapSpec(name, MapSpec.Origin.BTF, sec.name(), type, keySize, valueSize, maxEntries, flags, pinning,
                extra, numa, keyId, valueId, innerSpec, null, List.of());
    }

    private List<MapSpec> attachSlots(List<Def> defs, Map<String, ElfSymbol> symbols) {
        Map<String, List<MapSpec.Slot>> slots = new HashMap<>();
        for (ElfRelocation rel : elf.relocationsFor(sec.index())) {
            ElfSymbol sym = elf.symbol(rel.symbol(), sec, rel.offset());
            Def owner = null;
            for (Def d : defs) {
                if (rel.offset() >= d.offset && rel.offset() < d.offset + d.size) {
                    owner = d;
                }
            }
            if (owner == null) {
                throw elf.error(sec.name(), rel.offset(), "relocation against '" + sym.name() + "' is inside no map definition");
            }
            MapSpec outer = owner.spec;
            String what = "map '" + outer.name() + "' relocation against '" + sym.name() + "'";
            if (owner.valuesOffset < 0 || rel.offset() - owner.offset < owner.valuesOffset) {
                throw elf.error(sec.name(), rel.offset(), what + ": not in the 'values' member");
            }
            long moff = rel.offset() - owner.offset - owner.valuesOffset;
            if (moff % PTR_SIZE != 0 || moff / PTR_SIZE >= Math.max(outer.maxEntries() & 0xffffffffL, 0)) {
                throw elf.error(sec.name(), rel.offset(), what + ": slot out of range of max_entries " + outer.maxEntries());
            }
            boolean isProgArray = outer.type() == MapType.PROG_ARRAY;
            if (isProgArray) {
                boolean func = sym.type() == ElfSymbol.STT_FUNC && sym.shndx() > 0 && sym.shndx() < elf.sections().size()
                        && elf.sections().get(sym.shndx()).isExecutable();
                if (!func) {
                    throw elf.error(sec.name(), rel.offset(), what + ": prog array slot must name a program");
                }
            } else if (sym.shndx() != sec.index() || !symbols.containsKey(sym.name())
                    || defs.stream().noneMatch(d -> d.spec.name().equals(sym.name()))) {
                throw elf.error(sec.name(), rel.offset(), what + ": map-in-map slot must name a map in '" + SECTION + "'");
            }
            slots.computeIfAbsent(outer.name(), k -> new ArrayList<>()).add(new MapSpec.Slot((int) (moff / PTR_SIZE), sym.name()));
        }
        List<MapSpec> out = new ArrayList<>();
        for (Def d : defs) {
            MapSpec s = d.spec;
            List<MapSpec.Slot> sl = slots.getOrDefault(s.name(), List.of());
            out.add(sl.isEmpty() ? s : new MapSpec(s.name(), s.origin(), s.sectionName(), s.type(), s.keySize(),
                    s.valueSize(), s.maxEntries(), s.mapFlags(), s.pinning(), s.mapExtra(), s.numaNode(), s.btfKeyTypeId(),
                    s.btfValueTypeId(), s.innerMap(), null, sl));
        }
        return out;
    }

    /** libbpf's {@code get_map_field_int()}: the member is a pointer to an array of N elements; N is the value. */
    private long uintAttr(BtfType.Member m, String what, long off) {
        BtfType ptr = resolve(m.type(), what);
        if (!(ptr instanceof BtfType.Ptr p)) {
            throw elf.error(sec.name(), off, what + ": expected PTR, got " + kindName(ptr));
        }
        BtfType arr = type(p.type(), what);
        if (!(arr instanceof BtfType.Array a)) {
            throw elf.error(sec.name(), off, what + ": expected ARRAY, got " + kindName(arr));
        }
        return a.nelems();
    }

    private int pointee(BtfType.Member m, String what, long off) {
        BtfType ptr = resolve(m.type(), what);
        if (!(ptr instanceof BtfType.Ptr p)) {
            throw elf.error(sec.name(), off, what + ": expected PTR, got " + kindName(ptr));
        }
        type(p.type(), what);
        return p.type();
    }

    private int checkSize(boolean set, int old, long size, String what, long off) {
        if (size < 0 || size > 0xffffffffL) {
            throw elf.error(sec.name(), off, what + ": size " + size + " out of range");
        }
        if (set && old != (int) size) {
            throw elf.error(sec.name(), off, what + ": conflicting size " + old + " != " + size);
        }
        return (int) size;
    }

    private BtfType type(int id, String what) {
        if (id < 0 || id >= btf.typeCount()) {
            throw elf.error(sec.name(), 0, what + ": BTF type id " + id + " out of range");
        }
        return btf.type(id);
    }

    private BtfType resolve(int id, String what) {
        type(id, what);
        return btf.resolve(id);
    }

    private static String kindName(BtfType t) {
        return t.getClass().getSimpleName().toUpperCase();
    }
}
