package org.ebpf4j.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.ebpf4j.uapi.MapType;

/**
 * Map definitions of the legacy {@code SEC("maps")} section: an array of
 * {@code struct bpf_map_def { type, key_size, value_size, max_entries, map_flags }}, one per
 * symbol.
 *
 * <p>libbpf 1.0 removed this: {@code bpf_object__elf_collect()} now fails with "legacy map
 * definitions in 'maps' section are not supported by libbpf v1.0+" (-ENOTSUP). ebpf4j still
 * reads them the way libbpf 0.x's {@code bpf_object__init_user_maps()} did, so older objects
 * keep working: the definition size is the section size divided by the number of symbols in it;
 * a shorter definition is zero-extended; bytes beyond the five known fields must be zero.
 */
final class LegacyMaps {
    static final String SECTION = "maps";
    private static final int DEF_FIELDS = 5;

    private LegacyMaps() {}

    /** Reads the definitions; {@code offsets} receives each map's offset in the section. */
    static List<MapSpec> read(ElfFile elf, ElfSection sec, java.util.Map<Long, String> offsets) {
        List<ElfSymbol> syms = new ArrayList<>();
        for (ElfSymbol s : elf.symbols()) {
            if (s.shndx() == sec.index() && s.type() != ElfSymbol.STT_SECTION && s.type() != ElfSymbol.STT_FILE) {
                syms.add(s);
            }
        }
        if (syms.isEmpty()) {
            return List.of();
        }
        syms.sort(Comparator.comparingLong(ElfSymbol::value));
        if (sec.isNoBits() || sec.size() % syms.size() != 0) {
            throw elf.error(sec.name(), 0, "unable to determine map definition size: " + syms.size() + " maps in "
                    + sec.size() + " bytes");
        }
        long defSize = sec.size() / syms.size();
        byte[] bytes = elf.bytes(sec);
        List<MapSpec> out = new ArrayList<>();
        for (ElfSymbol s : syms) {
            if (s.value() % defSize != 0 || s.value() + defSize > bytes.length) {
                throw elf.error(sec.name(), s.value(), "map '" + s.name() + "' does not start a definition of "
                        + defSize + " bytes");
            }
            int[] f = new int[DEF_FIELDS];
            ByteBuffer buf = ByteBuffer.wrap(bytes, (int) s.value(), (int) defSize).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < DEF_FIELDS && buf.remaining() >= 4; i++) {
                f[i] = buf.getInt();
            }
            while (buf.hasRemaining()) {
                if (buf.get() != 0) {
                    throw elf.error(sec.name(), buf.position() - 1, "map '" + s.name()
                            + "': non-zero bytes beyond struct bpf_map_def");
                }
            }
            MapType type = MapType.of(f[0]);
            if (type == null || type == MapType.UNSPEC) {
                throw elf.error(sec.name(), s.value(), "map '" + s.name() + "': unknown map type " + f[0]);
            }
            offsets.put(s.value(), s.name());
            out.add(new MapSpec(s.name(), MapSpec.Origin.LEGACY, sec.name(), type, f[1], f[2], f[3], f[4],
                    MapSpec.Pinning.NONE, 0, 0, 0, 0, null, null, List.of()));
        }
        return out;
    }
}
