package org.ebpf4j.btf;

import java.util.ArrayList;
import java.util.List;

/**
 * An access string resolved against one BTF ({@code struct bpf_core_spec} of libbpf's
 * {@code relo_core.h}): the low-level spec is every index of the access string, the high-level
 * one only named fields and array indices (the "turning points"), plus the field's bit offset.
 */
final class CoreSpec {
    /** A high-level step: a named member {@code idx} of composite {@code typeId}, or an array/root index (name null). */
    record Accessor(int typeId, int idx, String name) {}

    /** libbpf's BPF_CORE_SPEC_MAX_LEN. */
    static final int MAX_LEN = 64;

    final Btf btf;
    final int rootTypeId;
    final CoreReloKind kind;
    final List<Accessor> spec = new ArrayList<>();
    final List<Integer> raw = new ArrayList<>();
    long bitOffset;

    CoreSpec(Btf btf, int rootTypeId, CoreReloKind kind) {
        this.btf = btf;
        this.rootTypeId = rootTypeId;
        this.kind = kind;
    }

    Accessor last() {
        return spec.getLast();
    }
}
