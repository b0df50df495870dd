package org.ebpf4j.vm.helper;

import java.util.Objects;

/**
 * One kfunc as the verifier and the engines know it: an entry of a kernel kfunc set
 * ({@code BTF_ID_FLAGS(func, name, flags)} in kernel/bpf/helpers.c) bound to the BTF id of its
 * FUNC in the kernel's BTF, which is what a {@code call} with {@code src_reg =
 * BPF_PSEUDO_KFUNC_CALL} carries in imm. The engines call it exactly as a helper (the kernel's
 * JIT emits both as a direct call), so the implementation is a {@link Helper}.
 *
 * @param btfId the id of the FUNC in the kernel BTF
 * @param name  the FUNC's name, e.g. {@code bpf_cgroup_from_id}
 * @param flags {@code KF_*} bits of include/linux/btf.h
 */
public record KfuncProto(int btfId, String name, int flags, Helper impl) {
    /** include/linux/btf.h: returns an acquired reference the program must release. */
    public static final int KF_ACQUIRE = 1;
    /** include/linux/btf.h: releases the reference passed as its first argument. */
    public static final int KF_RELEASE = 1 << 1;
    /** include/linux/btf.h: may return NULL; the program must check before use. */
    public static final int KF_RET_NULL = 1 << 2;
    /** include/linux/btf.h: the argument must be an RCU-protected pointer. */
    public static final int KF_RCU = 1 << 7;

    public KfuncProto {
        if (btfId <= 0) {
            throw new IllegalArgumentException("kfunc btf id must be positive, got " + btfId + " for " + name);
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(impl, "impl");
    }

    /** Whether {@code KF_ACQUIRE} is set. */
    public boolean acquires() { return (flags & KF_ACQUIRE) != 0; }

    /** Whether {@code KF_RELEASE} is set. */
    public boolean releases() { return (flags & KF_RELEASE) != 0; }

    /** The call target as the engines take it ({@code VerifiedProgram#helperAt}): id = the BTF id. */
    public HelperProto asCallTarget() { return new HelperProto(btfId, name, impl); }
}
