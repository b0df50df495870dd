package org.ebpf4j.vm.helper;

import java.util.Objects;

/**
 * One helper as the verifier and the engines know it: include/linux/bpf.h {@code struct
 * bpf_func_proto}. Argument and return types come later with the full verifier.
 *
 * @param id   the {@code BPF_FUNC_*} number from bpf.h's {@code __BPF_FUNC_MAPPER}
 * @param name the name the kernel prints, e.g. {@code bpf_ktime_get_ns}
 */
public record HelperProto(int id, String name, Helper impl) {
    public HelperProto {
        if (id <= 0) {
            throw new IllegalArgumentException("helper id must be positive, got " + id + " for " + name);
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(impl, "impl");
    }
}
