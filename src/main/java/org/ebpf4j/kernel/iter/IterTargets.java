package org.ebpf4j.kernel.iter;

import java.util.List;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.verifier.CtxFields;
import org.ebpf4j.vm.verifier.CtxRules;

/**
 * The registered iterator targets ({@code bpf_iter_reg_target} list of kernel/bpf/bpf_iter.c)
 * and the load-time half of an iterator program: {@code bpf_check_attach_target} for
 * BPF_TRACE_ITER (the attach_btf_id must be a FUNC) then {@code bpf_iter_prog_supported} (its
 * name is {@code bpf_iter_<target>} of a registered target, whose {@code ctx_arg_info} types the
 * context). Immutable.
 */
public final class IterTargets {
    /** {@code BPF_ITER_FUNC_PREFIX}. */
    public static final String BPF_ITER_FUNC_PREFIX = "bpf_iter_";

    private static final List<IterTarget> TARGETS = List.of(new SkStorageMapTarget(), new MapTarget(), new TaskTarget(),
            new MapElemTarget(), new CgroupTarget());

    private IterTargets() {}

    /** The target named {@code name} ({@code reg_info->target}), or null. */
    public static IterTarget byName(String name) {
        for (IterTarget t : TARGETS) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /**
     * An iterator program's target as the load resolved it.
     *
     * @param funcName {@code attach_func_name}: {@code bpf_iter_<target>}
     * @param nargs    the FUNC's parameters = the context's u64 fields
     */
    public record Resolved(IterTarget target, String funcName, int nargs) {
        /**
         * The context rules: {@code valid} decides whether an access is allowed
         * ({@code btf_ctx_access}: read-only, within the arguments); a load of {@code meta} is a
         * {@code struct bpf_iter_meta} pointer, the other fields as the target's
         * {@code ctx_arg_info} says.
         */
        public CtxRules rules(CtxFields.Validity valid) {
            return new CtxRules() {
                @Override
                public Field check(int off, int size, boolean write) {
                    if (!valid.allows(off, size, write)) {
                        return null;
                    }
                    IterTarget.CtxArg a = arg(off);
                    return a == null ? Field.SCALAR : a.field();
                }

                @Override
                public String btfStruct(int off) {
                    IterTarget.CtxArg a = arg(off);
                    return a == null ? null : a.btfStruct();
                }
            };
        }

        private IterTarget.CtxArg arg(int off) {
            if (off == 0) {
                return new IterTarget.CtxArg(0, CtxRules.Field.BTF_ID, "bpf_iter_meta");
            }
            for (IterTarget.CtxArg a : target.ctxArgs()) {
                if (a.off() == off) {
                    return a;
                }
            }
            return null;
        }
    }

    /**
     * check_attach_btf_id for BPF_TRACE_ITER; the verifier's words, EINVAL.
     */
    public static Resolved resolve(Btf kernel, int btfId) {
        BtfType t = org.ebpf4j.kernel.prog.AttachBtf.named(kernel, btfId);
        if (!(t instanceof BtfType.Func f) || !(kernel.type(f.type()) instanceof BtfType.FuncProto fp)) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " is not a function");
        }
        IterTarget target = f.name().startsWith(BPF_ITER_FUNC_PREFIX)
                ? byName(f.name().substring(BPF_ITER_FUNC_PREFIX.length())) : null;
        if (target == null) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " (" + f.name() + ") is not a bpf_iter_<target> "
                    + "function of a registered iterator target");
        }
        return new Resolved(target, f.name(), fp.params().size());
    }
}
