package org.ebpf4j.memory;

/**
 * A program touched memory outside the arena (or NULL). The kernel's verifier would have refused
 * such a program; our run-time check turns it into an aborted run instead of a crashed JVM.
 * Stackless: it is an expected outcome of bad programs, not a bug in ebpf4j.
 */
public final class MemoryFault extends RuntimeException {
    private final long address;
    private final int length;

    public MemoryFault(long address, int length) {
        super(null, null, false, false);
        this.address = address;
        this.length = length;
    }

    public long address() { return address; }

    public int length() { return length; }

    @Override
    public String getMessage() {
        return "invalid memory access: " + length + " bytes at 0x" + Long.toHexString(address);
    }
}
