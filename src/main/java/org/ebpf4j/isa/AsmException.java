package org.ebpf4j.isa;

/**
 * Text that {@link TextAssembler} cannot assemble. The message is {@code "line N: <what>"}, quoting
 * the offending token, with N counted from 1 in the source given to the assembler.
 */
public final class AsmException extends RuntimeException {
    private final int line;

    public AsmException(int line, String what) {
        super("line " + line + ": " + what);
        this.line = line;
    }

    /** The 1-based source line at fault. */
    public int line() { return line; }
}
