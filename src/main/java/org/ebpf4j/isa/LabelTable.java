package org.ebpf4j.isa;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Symbolic jump and call targets shared by {@link TextAssembler} and {@link Asm}: labels name a
 * slot; a reference asks for the distance from the slot after the referring instruction to the
 * label, as every BPF branch is relative to the next slot ({@code kernel/bpf/core.c}:
 * {@code insn += insn->off}, after the fetch already advanced by one).
 *
 * <p>Resolution returns an error string (the caller turns it into its own exception with the
 * position it knows), keeping this class free of either front end's error type.
 */
final class LabelTable {

    /** Which field of the referring instruction receives the distance. */
    enum Field { OFF, IMM }

    /** {@code where} is the caller's position token (a source line, a builder index). */
    record Reference(int slot, String label, Field field, int where) {}

    private final Map<String, Integer> labels = new HashMap<>();
    private final List<Reference> references = new ArrayList<>();

    /** @return false if the label was already defined */
    boolean define(String label, int slot) {
        return labels.putIfAbsent(label, slot) == null;
    }

    boolean isDefined(String label) { return labels.containsKey(label); }

    void refer(int slot, String label, Field field, int where) {
        references.add(new Reference(slot, label, field, where));
    }

    /** A failed reference: {@code where} of the reference and a message. */
    record Failure(int where, String message) {}

    /**
     * Patches every reference into {@code insns}; stops at the first reference that names no label
     * or whose distance does not fit its field.
     */
    Failure resolve(List<Insn> insns) {
        for (Reference ref : references) {
            Integer target = labels.get(ref.label());
            if (target == null) {
                return new Failure(ref.where(), "unknown label '" + ref.label() + "'");
            }
            long distance = (long) target - (ref.slot() + 1);
            Insn insn = insns.get(ref.slot());
            if (ref.field() == Field.OFF) {
                if (distance < Short.MIN_VALUE || distance > Short.MAX_VALUE) {
                    return new Failure(ref.where(), "label '" + ref.label() + "' is " + distance
                            + " instructions away, beyond the 16-bit jump offset (use ja32/gotol)");
                }
                insns.set(ref.slot(), insn.withOff((int) distance));
            } else {
                insns.set(ref.slot(), insn.withImm((int) distance));
            }
        }
        return null;
    }
}
