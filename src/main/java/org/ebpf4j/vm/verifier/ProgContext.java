package org.ebpf4j.vm.verifier;

import java.util.Map;
import java.util.Objects;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

/**
 * Everything the type verifier needs besides the instructions: the program type and expected
 * attach type (return ranges, what the context is), the context rules, the maps each ld_imm64
 * refers to (the loader has already turned them into addresses, so the verifier learns them here,
 * by instruction index), the kernel BTF for PTR_TO_BTF_ID loads, and the log level.
 *
 * @param mapAt        ld_imm64 slot index → the map it loads (BPF_PSEUDO_MAP_FD/IDX), or, when
 *                     {@code valueOffAt} has the index, a pointer into that map's value
 * @param valueOffAt   ld_imm64 slot index → offset into the value (BPF_PSEUDO_MAP_VALUE/IDX_VALUE)
 * @param logLevel     0, 1 or 2 as BPF_PROG_LOAD's log_level (bit 2 = stats only)
 * @param helpers      which helpers the program may call, asked at each call a path reaches
 */
public record ProgContext(ProgType progType, AttachType attachType, CtxRules ctx, Map<Integer, MapDesc> mapAt,
                          Map<Integer, Integer> valueOffAt, Btf kernelBtf, int logLevel, HelperPolicy helpers) {
    public ProgContext {
        Objects.requireNonNull(progType, "progType");
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(helpers, "helpers");
        mapAt = Map.copyOf(mapAt);
        valueOffAt = Map.copyOf(valueOffAt);
    }

    /** A context allowing every helper. */
    public ProgContext(ProgType progType, AttachType attachType, CtxRules ctx, Map<Integer, MapDesc> mapAt,
                       Map<Integer, Integer> valueOffAt, Btf kernelBtf, int logLevel) {
        this(progType, attachType, ctx, mapAt, valueOffAt, kernelBtf, logLevel, HelperPolicy.ANY);
    }

    /** A context with no maps, no BTF and no log. */
    public static ProgContext of(ProgType type, AttachType attach, CtxRules ctx) {
        return new ProgContext(type, attach, ctx, Map.of(), Map.of(), null, 0);
    }

    public ProgContext withMaps(Map<Integer, MapDesc> maps, Map<Integer, Integer> valueOffs) {
        return new ProgContext(progType, attachType, ctx, maps, valueOffs, kernelBtf, logLevel, helpers);
    }

    public ProgContext withLogLevel(int level) {
        return new ProgContext(progType, attachType, ctx, mapAt, valueOffAt, kernelBtf, level, helpers);
    }

    public ProgContext withKernelBtf(Btf btf) {
        return new ProgContext(progType, attachType, ctx, mapAt, valueOffAt, btf, logLevel, helpers);
    }
}
