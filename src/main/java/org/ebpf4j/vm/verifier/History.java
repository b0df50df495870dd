package org.ebpf4j.vm.verifier;

/**
 * One executed instruction as {@link Precision} needs it when walking a path backwards, packed in a
 * long: the instruction index, the frame depth it ran in, the stack slot it accessed (the kernel's
 * INSN_F_STACK_ACCESS flags of jmp_history entries) and, for conditional jumps, the registers
 * linked to the compared ones by scalar id (the kernel's linked_regs), which a jump refines together.
 */
final class History {
    private History() {}

    private static final int INSN_BITS = 21, DEPTH_SHIFT = 21, STACK_FLAG = 25, STACK_FRAME = 26, STACK_SLOT = 30,
            LINKED = 36, LINKED_STACK = 47;

    static long of(int insn, int depth) { return insn | ((long) depth << DEPTH_SHIFT); }

    static long withStack(long e, int frame, int slot) {
        return e | 1L << STACK_FLAG | (long) frame << STACK_FRAME | (long) slot << STACK_SLOT;
    }

    static long withLinked(long e, long regs, boolean stack) {
        return e | (regs & 0x7ff) << LINKED | (stack ? 1L << LINKED_STACK : 0);
    }

    static int insn(long e) { return (int) (e & ((1 << INSN_BITS) - 1)); }

    static int depth(long e) { return (int) (e >>> DEPTH_SHIFT) & 0xf; }

    static boolean hasStack(long e) { return (e & 1L << STACK_FLAG) != 0; }

    static int stackFrame(long e) { return (int) (e >>> STACK_FRAME) & 0xf; }

    static int stackSlot(long e) { return (int) (e >>> STACK_SLOT) & 0x3f; }

    static long linked(long e) { return (e >>> LINKED) & 0x7ff; }

    static boolean linkedStack(long e) { return (e & 1L << LINKED_STACK) != 0; }
}
