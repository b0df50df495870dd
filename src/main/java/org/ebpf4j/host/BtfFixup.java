package org.ebpf4j.host;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.elf.ElfFile;
import org.ebpf4j.elf.ElfSection;
import org.ebpf4j.elf.ElfSymbol;

/**
 * What libbpf does to an object's {@code .BTF} before BPF_BTF_LOAD so the kernel accepts it
 * ({@code btf_fixup_datasec()} in tools/lib/bpf/libbpf.c): clang leaves each DATASEC's size and
 * its variables' offsets 0, since only the linker knows them; the kernel's
 * {@code btf_datasec_check_meta()} refuses a zero-sized DATASEC with variables. The size becomes
 * the ELF section's size and each variable's offset its symbol's value.
 */
final class BtfFixup {
    private BtfFixup() {}

    /** btf_type: name_off, info, size/type; then a DATASEC's btf_var_secinfo {type, offset, size}. */
    private static final int TYPE_SIZE_OFF = 8, TYPE_HEADER = 12, SECINFO = 12, SECINFO_OFFSET = 4;

    /**
     * The raw BTF with every DATASEC sized from {@code elf}.
     *
     * @throws IllegalArgumentException naming the DATASEC or variable the ELF does not define
     */
    static byte[] fixDatasecs(Btf btf, ElfFile elf) {
        byte[] raw = btf.raw();
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        for (BtfType t : btf.types()) {
            if (!(t instanceof BtfType.DataSec ds)) {
                continue;
            }
            ElfSection section = elf.section(ds.name());
            if (section == null) {
                throw new IllegalArgumentException(elf.name() + ": BTF DATASEC [" + ds.id() + "] '" + ds.name()
                        + "' names no ELF section");
            }
            int at = btf.offsetOf(ds.id());
            buf.putInt(at + TYPE_SIZE_OFF, (int) section.size());
            for (int i = 0; i < ds.vars().size(); i++) {
                BtfType var = btf.type(ds.vars().get(i).type());
                ElfSymbol sym = symbol(elf, section, var.name());
                if (sym == null) {
                    throw new IllegalArgumentException(elf.name() + ": BTF DATASEC '" + ds.name() + "' variable '"
                            + var.name() + "' has no symbol in section " + section.name());
                }
                buf.putInt(at + TYPE_HEADER + i * SECINFO + SECINFO_OFFSET, (int) sym.value());
            }
        }
        return raw;
    }

    private static ElfSymbol symbol(ElfFile elf, ElfSection section, String name) {
        for (ElfSymbol s : elf.symbols()) {
            if (s.shndx() == section.index() && s.name().equals(name) && s.type() != ElfSymbol.STT_SECTION) {
                return s;
            }
        }
        return null;
    }
}
