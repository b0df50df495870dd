package org.ebpf4j.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal ELF64 little-endian section reader for tests only (the real reader is
 * org.ebpf4j.elf): finds a section by name through the section header string table.
 */
final class ElfSections {
    private ElfSections() {}

    static byte[] section(byte[] elf, String name) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(0x28);
        int shentsize = b.getShort(0x3a) & 0xffff;
        int shnum = b.getShort(0x3c) & 0xffff;
        int shstrndx = b.getShort(0x3e) & 0xffff;
        int strtabOff = (int) b.getLong((int) shoff + shstrndx * shentsize + 0x18);
        for (int i = 0; i < shnum; i++) {
            int sh = (int) shoff + i * shentsize;
            int nameOff = b.getInt(sh);
            int end = strtabOff + nameOff;
            while (elf[end] != 0) end++;
            String n = new String(elf, strtabOff + nameOff, end - strtabOff - nameOff, StandardCharsets.US_ASCII);
            if (n.equals(name)) {
                int off = (int) b.getLong(sh + 0x18);
                int size = (int) b.getLong(sh + 0x20);
                return Arrays.copyOfRange(elf, off, off + size);
            }
        }
        throw new IllegalArgumentException("no section " + name);
    }
}
