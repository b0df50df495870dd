package org.ebpf4j.isa;

import static org.ebpf4j.isa.Opcodes.*;

/** The size field of a load/store/atomic opcode ({@code BPF_B/H/W/DW}). */
public enum Size {
    B(BPF_B, 1), H(BPF_H, 2), W(BPF_W, 4), DW(BPF_DW, 8);

    private final int code;
    private final int bytes;

    Size(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    /** The bits to OR into the opcode. */
    public int code() { return code; }

    public int bytes() { return bytes; }
}
