package org.ebpf4j.isa;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Converting between instruction slots and their little-endian byte form. */
public final class Insns {
    private Insns() {}

    /**
     * Decodes a byte stream of 8-byte slots.
     *
     * @throws InvalidProgramException if the length is not a multiple of 8
     */
    public static List<Insn> decode(byte[] bytes) {
        if (bytes.length % 8 != 0) {
            throw new InvalidProgramException(bytes.length / 8,
                    "instruction stream of " + bytes.length + " bytes is not a multiple of 8 (truncated?)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<Insn> out = new ArrayList<>(bytes.length / 8);
        while (buf.hasRemaining()) {
            out.add(Insn.decode(buf.getLong()));
        }
        return List.copyOf(out);
    }

    public static byte[] encode(List<Insn> insns) {
        ByteBuffer buf = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (Insn i : insns) {
            buf.putLong(i.encode());
        }
        return buf.array();
    }
}
