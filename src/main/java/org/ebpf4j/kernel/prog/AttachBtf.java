package org.ebpf4j.kernel.prog;

import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.vm.VerifierException;

/**
 * {@code bpf_check_attach_target} (kernel/bpf/verifier.c) for what ebpf4j models: a TRACING
 * program with expected_attach_type BPF_TRACE_RAW_TP ({@code SEC("tp_btf/NAME")}) names, by
 * {@code attach_btf_id}, the kernel BTF typedef {@code btf_trace_NAME}, a pointer to the probe's
 * function prototype whose first parameter is the probe data; the program's context is the other
 * parameters, one u64 each. Failures carry the verifier's words (EINVAL).
 *
 * @param btfId    {@code prog->aux->attach_btf_id}
 * @param funcName {@code prog->aux->attach_func_name}: the tracepoint name, prefix stripped
 * @param nargs    how many u64 arguments the context holds ({@code btf_ctx_access} bound)
 */
public record AttachBtf(int btfId, String funcName, int nargs) {
    /** {@code BTF_TRACE_PREFIX}. */
    static final String BTF_TRACE_PREFIX = "btf_trace_";

    /** Resolves {@code btfId} in the kernel's BTF for a tp_btf program (BPF_TRACE_RAW_TP). */
    static AttachBtf resolve(Btf kernel, AttachType eat, int btfId) {
        if (btfId == 0) {
            throw new VerifierException(0, "Tracing programs must provide btf_id");
        }
        if (btfId < 0 || btfId >= kernel.typeCount()) {
            throw new VerifierException(0, "attach_btf_id " + Integer.toUnsignedString(btfId) + " is invalid");
        }
        BtfType t = kernel.type(btfId);
        if (t.name() == null || t.name().isEmpty()) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " doesn't have a name");
        }
        if (!(t instanceof BtfType.Typedef td)) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " is not a typedef");
        }
        if (!td.name().startsWith(BTF_TRACE_PREFIX)) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " points to wrong type name " + td.name());
        }
        if (!(kernel.type(td.type()) instanceof BtfType.Ptr p) || !(kernel.type(p.type()) instanceof BtfType.FuncProto fp)) {
            throw new VerifierException(0, "attach_btf_id " + btfId + " (" + td.name() + ") is not a pointer to a function prototype");
        }
        return new AttachBtf(btfId, td.name().substring(BTF_TRACE_PREFIX.length()), Math.max(0, fp.params().size() - 1));
    }
}
