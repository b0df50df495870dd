package org.ebpf4j.elf;

/** The ELF container itself is malformed or not a little-endian EM_BPF relocatable object. */
public final class ElfFormatException extends ObjectFormatException {
    public ElfFormatException(String file, String section, long offset, String reason) {
        super(file, section, offset, reason);
    }
}
