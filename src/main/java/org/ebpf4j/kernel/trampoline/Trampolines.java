package org.ebpf4j.kernel.trampoline;

import java.util.concurrent.ConcurrentHashMap;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.kernel.Runtime;

/**
 * The trampolines of one runtime ({@code trampoline_table}, kernel/bpf/trampoline.c), keyed by
 * the traced function's FUNC id in the kernel BTF ({@code bpf_trampoline_compute_key} without a
 * target program). One is made on first use ({@code bpf_trampoline_get}) and kept for the
 * runtime's life, so a call site may hold its function's trampoline from the start.
 */
public final class Trampolines {
    private final Runtime rt;
    private final Btf btf;
    private final ConcurrentHashMap<Integer, Trampoline> byId = new ConcurrentHashMap<>();

    public Trampolines(Runtime rt) {
        this.rt = rt;
        this.btf = rt.kernelBtf();
    }

    /** The trampoline of the FUNC {@code btfId} (the caller checked it is one). */
    public Trampoline get(int btfId) {
        return byId.computeIfAbsent(btfId, id -> {
            BtfType.Func f = (BtfType.Func) btf.type(id);
            int nargs = btf.type(f.type()) instanceof BtfType.FuncProto fp ? fp.params().size() : 0;
            return new Trampoline(rt, f.name(), id, nargs);
        });
    }

    /**
     * The trampoline of the modelled kernel function {@code name}, for its call site. The model
     * kernel BTF (src/main/btf/model-kernel.c) declares every function with a call site, so a
     * missing one is a bug of ebpf4j itself.
     */
    public Trampoline of(String name) {
        for (int id : btf.idsByName(name)) {
            if (btf.type(id) instanceof BtfType.Func) {
                return get(id);
            }
        }
        throw new IllegalStateException("the model kernel BTF has no FUNC " + name + " (src/main/btf/model-kernel.c)");
    }
}
