package org.ebpf4j.vm.verifier;

/**
 * A program type's context, as {@code bpf_verifier_ops.is_valid_access} answers it: may this
 * access happen, and what does a load produce (for most fields a scalar; for {@code data},
 * {@code data_end}, {@code sk} ... a typed pointer)? The prog layer supplies one per program type
 * (its CtxAccess tables); tests use {@link #any(int)}.
 */
@FunctionalInterface
public interface CtxRules {

    /** What a context load yields. */
    enum Field {
        SCALAR, PACKET, PACKET_META, PACKET_END, SOCK_COMMON_OR_NULL, SOCKET, SOCKET_OR_NULL, FLOW_KEYS, BTF_ID,
        /** PTR_TO_BTF_ID | PTR_MAYBE_NULL (an iterator's object, NULL in the stop call). */
        BTF_ID_OR_NULL,
        /** PTR_TO_BUF | PTR_MAYBE_NULL, read-write (an iterator's value; accesses raise max_rdwr_access). */
        RDWR_BUF_OR_NULL,
        /** PTR_TO_BUF | MEM_RDONLY | PTR_MAYBE_NULL (an iterator's map key; reads raise max_rdonly_access). */
        RDONLY_BUF_OR_NULL
    }

    /**
     * For a field loading as {@link Field#BTF_ID} or {@link Field#BTF_ID_OR_NULL}: the name of the
     * kernel BTF struct it points to ({@code bpf_ctx_arg_aux.btf_id} of an iterator, or a
     * fentry/fexit/lsm argument typed from BTF, {@code btf_ctx_access}), or null when unknown.
     */
    default String btfStruct(int off) { return null; }

    /**
     * The access of {@code size} bytes at {@code off}, or null when the kernel refuses it
     * ("invalid bpf_context access off=%d size=%d").
     */
    Field check(int off, int size, boolean write);

    /**
     * For a {@link Field#SCALAR} load at {@code off}: its known signed range {min, max}, or null.
     * An LSM program's return-value slot holds what earlier programs returned, within the hook's
     * range ({@code is_retval} + {@code __mark_reg_s32_range} in check_mem_access).
     */
    default long[] scalarRange(int off) { return null; }

    /**
     * The program attaches to a hook returning void whose return value nothing reads: an LSM
     * program on a void hook ({@code check_return_code} returns before even reading R0;
     * the trampoline runs it as fexit).
     */
    default boolean voidReturn() { return false; }

    /** Any aligned access inside a struct of {@code size} bytes, loads being scalars. */
    static CtxRules any(int size) {
        return (off, sz, write) -> off >= 0 && off + sz <= size && off % sz == 0 ? Field.SCALAR : null;
    }
}
