package org.ebpf4j.vm.verifier;

/**
 * Stack-slot liveness, the REG_LIVE_READ marks of kernel/bpf/verifier.c (mark_reg_read() and
 * propagate_liveness()) for stack slots: a read of an 8-byte slot marks the slot read in each
 * checkpoint up the chain, until one whose following stretch wrote the whole slot first (the
 * "screening" write) or one that no longer holds the same call. A finished checkpoint then compares
 * only the slots some path below it read; a slot nothing reads may hold anything. Registers use the
 * static {@link Liveness}, as Linux 6.18 does (compute_live_registers()).
 */
final class StackReads {
    private StackReads() {}

    /** A read of {@code slot} (0 = fp-512 .. 63 = fp-8) in frame depth {@code depth} of {@code cur}. */
    static void read(VState cur, int depth, int slot) {
        long bit = 1L << slot;
        if ((cur.written[depth] & bit) != 0) {
            return;
        }
        int instance = cur.frames.get(depth).instance;
        for (VState p = cur.parent; p != null; p = p.parent) {
            if (p.frames.size() <= depth || p.frames.get(depth).instance != instance || (p.stackRead[depth] & bit) != 0) {
                return;
            }
            p.stackRead[depth] |= bit;
            if ((p.written[depth] & bit) != 0) {
                return;
            }
        }
    }

    /** Reads of every slot overlapping bytes [lo, hi) of the stack (offsets from fp). */
    static void readRange(VState cur, int depth, long lo, long hi) {
        for (long a = lo; a < hi; a += 8 - Math.floorMod(a, 8)) {
            read(cur, depth, (int) ((a + Frame.MAX_BPF_STACK) / 8));
        }
    }

    /** A write of all 8 bytes of {@code slot}: later reads in this stretch do not reach the checkpoint. */
    static void written(VState cur, int depth, int slot) {
        cur.written[depth] |= 1L << slot;
    }

    /** propagate_liveness(): what was read below a pruning checkpoint would be read below cur too. */
    static void propagate(VState old, VState cur) {
        for (int d = 0; d < old.frames.size(); d++) {
            for (long m = old.stackRead[d]; m != 0; m &= m - 1) {
                read(cur, d, Long.numberOfTrailingZeros(m));
            }
        }
    }
}
