package org.ebpf4j.vm.verifier;

import org.ebpf4j.isa.Disassembler;

/**
 * The verifier log text kernel/bpf/log.c writes: at level 1 every processed instruction
 * ({@code "12: (bf) r1 = r0"}) and, at branch points, the register state
 * ({@code "from 4 to 6: R0=map_value(...) R10=fp0"}); at level 2 the state before each
 * instruction too. The caller appends the error and {@link #stats}.
 */
final class TypeLog {
    private final int level;
    private final java.util.List<org.ebpf4j.isa.Insn> insns;
    private final StringBuilder text = new StringBuilder();

    TypeLog(int level, java.util.List<org.ebpf4j.isa.Insn> insns) {
        this.level = level & 3;
        this.insns = insns;
    }

    boolean enabled() { return level != 0; }

    void insn(int i, Slots s, VState st) {
        if (level == 0) {
            return;
        }
        if (level >= 2) {
            text.append(i).append(": ").append(state(st)).append('\n');
        }
        text.append(i).append(": (").append(String.format("%02x", s.code[i])).append(") ")
                .append(disasm(i)).append('\n');
    }

    void branch(VState st) {
        if (level == 0) {
            return;
        }
        text.append("from ").append(st.parent == null ? 0 : st.parent.insn).append(" to ").append(st.insn).append(": ")
                .append(state(st)).append('\n');
    }

    void pruned(int i) {
        if (level >= 1) {
            text.append(i).append(": safe\n");
        }
    }

    String text() { return text.toString(); }

    /** Where the log stands, saved with each queued branch (bpf_verifier_stack_elem.log_pos). */
    int position() { return text.length(); }

    /**
     * pop_stack(.., pop_log): at level 1 a path that ended safely leaves nothing in the log; it goes
     * back to where the next queued branch was made (to nothing when none is left), so a refusal
     * shows only the path that led to it. Level 2 keeps everything.
     */
    void pathDone(int position) {
        if (level == 1) {
            text.setLength(Math.min(position, text.length()));
        }
    }

    static String state(VState st) {
        StringBuilder b = new StringBuilder();
        for (int f = 0; f < st.frames.size(); f++) {
            Frame fr = st.frames.get(f);
            if (f > 0) {
                b.append(" frame").append(f).append(':');
            }
            for (int r = 0; r < 11; r++) {
                if (fr.regs[r].type != RegType.NOT_INIT) {
                    if (b.length() > 0) {
                        b.append(' ');
                    }
                    b.append('R').append(r).append('=').append(fr.regs[r].describe());
                }
            }
        }
        return b.toString();
    }

    private String disasm(int i) {
        try {
            return Disassembler.format(insns, i);
        } catch (RuntimeException e) {
            return "insn";
        }
    }

    /** print_verification_stats(). */
    static String stats(int processed, int maxStates, int totalStates, int peakStates) {
        return "processed " + processed + " insns (limit 1000000) max_states_per_insn " + maxStates + " total_states "
                + totalStates + " peak_states " + peakStates + " mark_read 0\n";
    }
}
