package org.ebpf4j.btf;

/**
 * BTF or BTF.ext bytes that cannot be what clang/pahole emit: names the section ({@code .BTF} or
 * {@code .BTF.ext}), the byte offset inside that section and what is wrong, as the kernel's
 * {@code btf_verifier_log} and libbpf's {@code btf_parse_hdr}/{@code btf_ext_parse} would say it.
 */
public final class BtfFormatException extends RuntimeException {
    private final String section;
    private final long offset;

    public BtfFormatException(String section, long offset, String what) {
        super(section + "+0x" + Long.toHexString(offset) + ": " + what);
        this.section = section;
        this.offset = offset;
    }

    /** {@code .BTF} or {@code .BTF.ext}. */
    public String section() { return section; }

    /** Byte offset inside the section where the problem was found. */
    public long offset() { return offset; }
}
