package org.ebpf4j.syscall;

import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;

/**
 * Tiny cgroup programs for attach tests, loaded through BPF_PROG_LOAD. A "recorder" map is one
 * ARRAY element of {@link #SLOTS} u64: slot 0 accumulates the run order as decimal digits
 * ({@code order = order * 10 + digit}), slot {@code digit} counts that program's runs.
 */
public final class CgroupProgs {
    public static final int SLOTS = 10;

    private CgroupProgs() {}

    /** A recorder map: ARRAY, 1 element of 10 u64. */
    public static int recorder(Bpf bpf, Task task) {
        return bpf.mapCreate(task, MapCreateAttr.of(MapType.ARRAY, 4, 8 * SLOTS, 1, 0));
    }

    /** The program: record {@code digit} (1..9) in {@code mapFd}, return {@code r0}. */
    public static List<Insn> recording(int mapFd, int digit, int r0) {
        return Asm.program()
                .ldMapValue(Reg.R6, mapFd, 0)
                .ldx(Size.DW, Reg.R2, Reg.R6, 0).mul64(Reg.R2, 10).add64(Reg.R2, digit).stx(Size.DW, Reg.R6, 0, Reg.R2)
                .ldx(Size.DW, Reg.R3, Reg.R6, 8 * digit).add64(Reg.R3, 1).stx(Size.DW, Reg.R6, 8 * digit, Reg.R3)
                .mov64(Reg.R0, r0).exit().build();
    }

    /** Loads {@code insns} as {@code type} with {@code expected} attach type (null: none); returns the prog fd. */
    public static int load(Bpf bpf, Task task, ProgType type, AttachType expected, List<Insn> insns) {
        ProgLoadAttr a = ProgLoadAttr.of(type.value(), insns, "GPL");
        if (expected != null) {
            a = a.withExpectedAttachType(expected.value());
        }
        return bpf.progLoad(task, a);
    }

    /** A cg_skb program that records {@code digit} and allows (returns 1). */
    public static int skb(Bpf bpf, Task task, int mapFd, int digit) {
        return load(bpf, task, ProgType.CGROUP_SKB, null, recording(mapFd, digit, 1));
    }

    /** The recorder's slots. */
    public static long[] slots(Bpf bpf, Task task, int mapFd) {
        byte[] v = bpf.mapLookupElem(task, mapFd, new byte[4]);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[SLOTS];
        for (int i = 0; i < SLOTS; i++) {
            out[i] = b.getLong(8 * i);
        }
        return out;
    }

    /** Clears the recorder. */
    public static void reset(Bpf bpf, Task task, int mapFd) {
        bpf.mapUpdateElem(task, mapFd, new byte[4], new byte[8 * SLOTS], 0);
    }
}
