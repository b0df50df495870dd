package org.ebpf4j.map;

import org.ebpf4j.vm.Executable;

/**
 * A program as a PROG_ARRAY slot holds it: a counted reference the map owns. Programs are
 * defined by the vm/kernel layers; they hand the map an implementation of this.
 */
public interface ProgRef {
    /** The program id (what a user-space lookup of a PROG_ARRAY slot returns). */
    int id();

    /** Drops the reference the slot held ({@code bpf_prog_put}). */
    void release();

    /** What a tail call into this program runs ({@code prog->bpf_func}), or null if nothing can run it. */
    default Executable executable() { return null; }
}
