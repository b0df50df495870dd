package org.ebpf4j.elf;

/**
 * A BPF object file that cannot be read as libbpf would read it. The message names the file, the
 * section and the byte offset when they are known, so a user can find the bad bytes with
 * {@code llvm-readelf}. Thrown only at the reader's boundary, never from a program path.
 */
public class ObjectFormatException extends RuntimeException {
    private final String file;
    private final String section;
    private final long offset;

    public ObjectFormatException(String file, String section, long offset, String reason) {
        super(describe(file, section, offset, reason));
        this.file = file;
        this.section = section;
        this.offset = offset;
    }

    public ObjectFormatException(String file, String section, long offset, String reason, Throwable cause) {
        this(file, section, offset, reason);
        initCause(cause);
    }

    private static String describe(String file, String section, long offset, String reason) {
        StringBuilder sb = new StringBuilder(file == null ? "<object>" : file);
        if (section != null) {
            sb.append(": section '").append(section).append('\'');
        }
        if (offset >= 0) {
            sb.append(" at offset 0x").append(Long.toHexString(offset));
        }
        return sb.append(": ").append(reason).toString();
    }

    /** The object's name as given to the reader. */
    public String file() { return file; }

    /** The section the problem is in, or null when it is in the ELF header or spans sections. */
    public String section() { return section; }

    /** Byte offset inside {@link #section()} (or the file when section is null), or -1 if unknown. */
    public long offset() { return offset; }
}
