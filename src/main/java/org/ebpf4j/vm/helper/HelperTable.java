package org.ebpf4j.vm.helper;

import java.util.Arrays;

/**
 * Helper id to prototype, as the kernel's {@code get_func_proto} callbacks answer it. One table
 * per runtime (or program type); no statics, so independent runtimes can differ. Registration is
 * expected before programs are loaded: engines resolve helpers once, at load.
 */
public final class HelperTable {
    private HelperProto[] protos = new HelperProto[256];
    private final KfuncTable kfuncs;

    /** A table with no helpers and no kfuncs. */
    public HelperTable() { this(new KfuncTable()); }

    /** A table with no helpers whose kfuncs are {@code kfuncs} (shared, not copied). */
    public HelperTable(KfuncTable kfuncs) { this.kfuncs = kfuncs; }

    /** The kfuncs a {@code call} with src_reg = BPF_PSEUDO_KFUNC_CALL may reach, by BTF id. */
    public KfuncTable kfuncs() { return kfuncs; }

    /** Adds or replaces the helper with {@code proto.id()}; returns this. */
    public synchronized HelperTable register(HelperProto proto) {
        int id = proto.id();
        if (id >= protos.length) {
            protos = Arrays.copyOf(protos, Math.max(id + 1, protos.length * 2));
        }
        protos[id] = proto;
        return this;
    }

    /** The helper with this id, or null if the table has none (the verifier's "unknown#id"). */
    public synchronized HelperProto lookup(int id) {
        return id > 0 && id < protos.length ? protos[id] : null;
    }

    /** A new table with the trivial helpers of kernel/bpf/helpers.c (see {@link BaseHelpers}). */
    public static HelperTable base() {
        HelperTable t = new HelperTable();
        BaseHelpers.registerInto(t);
        return t;
    }
}
