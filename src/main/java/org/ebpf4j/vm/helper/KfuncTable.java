package org.ebpf4j.vm.helper;

import java.util.HashMap;
import java.util.Map;

/**
 * BTF id to kfunc, the counterpart of {@link HelperTable} for {@code BPF_PSEUDO_KFUNC_CALL}
 * (kernel/bpf/verifier.c keeps the resolved ones in {@code env->prog->aux->kfunc_tab}). One per
 * runtime; registration happens before programs load, lookups afterwards.
 */
public final class KfuncTable {
    private final Map<Integer, KfuncProto> byId = new HashMap<>();

    /** Adds or replaces the kfunc with {@code proto.btfId()}; returns this. */
    public synchronized KfuncTable register(KfuncProto proto) {
        byId.put(proto.btfId(), proto);
        return this;
    }

    /** The kfunc whose FUNC has this BTF id, or null. */
    public synchronized KfuncProto lookup(int btfId) { return byId.get(btfId); }
}
