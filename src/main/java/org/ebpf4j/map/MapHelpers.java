package org.ebpf4j.map;

import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * The map helpers, registered beside the maps as the kernel defines their {@code bpf_func_proto}s
 * (kernel/bpf/helpers.c {@code bpf_map_*_proto}, {@code bpf_spin_lock_proto},
 * kernel/bpf/bpf_iter.c {@code bpf_for_each_map_elem_proto}, kernel/bpf/ringbuf.c
 * {@code bpf_ringbuf_*_proto}). Ids are bpf.h's {@code __BPF_FUNC_MAPPER} positions.
 *
 * <p>r1 (a map's kernel address) is resolved through the {@link MapRegistry}. The verifier
 * guarantees it names a map of the right type; ebpf4j checks at run time instead, and an address
 * that is no (suitable) map gives NULL or -EINVAL, never a crash. Everything else a prototype lets
 * the kernel assume (sizes, pointer kinds) is the map op's or the arena's business: a bad pointer
 * is a memory fault that aborts the run.
 */
public final class MapHelpers {
    private MapHelpers() {}

    public static final int BPF_FUNC_map_lookup_elem = 1;
    public static final int BPF_FUNC_map_update_elem = 2;
    public static final int BPF_FUNC_map_delete_elem = 3;
    public static final int BPF_FUNC_map_push_elem = 87;
    public static final int BPF_FUNC_map_pop_elem = 88;
    public static final int BPF_FUNC_map_peek_elem = 89;
    public static final int BPF_FUNC_spin_lock = 93;
    public static final int BPF_FUNC_spin_unlock = 94;
    public static final int BPF_FUNC_ringbuf_output = 130;
    public static final int BPF_FUNC_ringbuf_reserve = 131;
    public static final int BPF_FUNC_ringbuf_submit = 132;
    public static final int BPF_FUNC_ringbuf_discard = 133;
    public static final int BPF_FUNC_ringbuf_query = 134;
    public static final int BPF_FUNC_for_each_map_elem = 164;
    public static final int BPF_FUNC_map_lookup_percpu_elem = 195;

    // bpf_ringbuf_* flags (include/uapi/linux/bpf.h), for callers building programs
    public static final long BPF_RB_NO_WAKEUP = RingBufLayout.BPF_RB_NO_WAKEUP;
    public static final long BPF_RB_FORCE_WAKEUP = RingBufLayout.BPF_RB_FORCE_WAKEUP;
    public static final long BPF_RB_AVAIL_DATA = RingBufLayout.BPF_RB_AVAIL_DATA;
    public static final long BPF_RB_RING_SIZE = RingBufLayout.BPF_RB_RING_SIZE;
    public static final long BPF_RB_CONS_POS = RingBufLayout.BPF_RB_CONS_POS;
    public static final long BPF_RB_PROD_POS = RingBufLayout.BPF_RB_PROD_POS;

    private static final long EINVAL = Errno.EINVAL.negative();

    /** Adds the map helpers to {@code table}, resolving map pointers through {@code registry}. */
    public static void register(HelperTable table, MapRegistry registry) {
        table.register(new HelperProto(BPF_FUNC_map_lookup_elem, "bpf_map_lookup_elem", (s, map, key, c, d, e) -> {
            BpfMap m = registry.byAddress(map);
            return m == null ? 0 : m.lookupElem(key, s.cpu());
        }));
        table.register(new HelperProto(BPF_FUNC_map_update_elem, "bpf_map_update_elem", (s, map, key, value, flags, e) -> {
            BpfMap m = registry.byAddress(map);
            return m == null ? EINVAL : m.updateElem(key, value, flags, s.cpu());
        }));
        table.register(new HelperProto(BPF_FUNC_map_delete_elem, "bpf_map_delete_elem", (s, map, key, c, d, e) -> {
            BpfMap m = registry.byAddress(map);
            return m == null ? EINVAL : m.deleteElem(key, s.cpu());
        }));
        table.register(new HelperProto(BPF_FUNC_map_push_elem, "bpf_map_push_elem", (s, map, value, flags, d, e) -> {
            BpfMap m = registry.byAddress(map);
            return m == null ? EINVAL : m.pushElem(value, flags, s.cpu());
        }));
        table.register(new HelperProto(BPF_FUNC_map_pop_elem, "bpf_map_pop_elem", (s, map, value, c, d, e) -> {
            BpfMap m = registry.byAddress(map);
            return m == null ? EINVAL : m.popElem(value, s.cpu());
        }));
        table.register(new HelperProto(BPF_FUNC_map_peek_elem, "bpf_map_peek_elem", (s, map, value, c, d, e) -> {
            BpfMap m = registry.byAddress(map);
            return m == null ? EINVAL : m.peekElem(value, s.cpu());
        }));
        table.register(new HelperProto(BPF_FUNC_map_lookup_percpu_elem, "bpf_map_lookup_percpu_elem",
                (s, map, key, cpu, d, e) -> {
                    BpfMap m = registry.byAddress(map);
                    return m == null ? 0 : m.lookupPercpuElem(key, (int) cpu);   // the proto's u32 cpu
                }));
        table.register(new HelperProto(BPF_FUNC_for_each_map_elem, "bpf_for_each_map_elem",
                (s, map, fn, ctx, flags, e) -> forEachMapElem(s, registry, map, fn, ctx, flags)));
        table.register(new HelperProto(BPF_FUNC_spin_lock, "bpf_spin_lock", (s, lock, b, c, d, e) -> {
            if (lockable(s.arena(), lock)) {
                MapValues.lock(s.arena(), lock);
            }
            return 0;
        }));
        table.register(new HelperProto(BPF_FUNC_spin_unlock, "bpf_spin_unlock", (s, lock, b, c, d, e) -> {
            if (lockable(s.arena(), lock)) {
                MapValues.unlock(s.arena(), lock);
            }
            return 0;
        }));
        registerRingbuf(table, registry);
    }

    private static void registerRingbuf(HelperTable table, MapRegistry registry) {
        table.register(new HelperProto(BPF_FUNC_ringbuf_reserve, "bpf_ringbuf_reserve", (s, map, size, flags, d, e) -> {
            if (flags != 0) {
                return 0;
            }
            return registry.byAddress(map) instanceof RingBufMap rb ? rb.reserve(size) : 0;
        }));
        table.register(new HelperProto(BPF_FUNC_ringbuf_submit, "bpf_ringbuf_submit", (s, sample, flags, c, d, e) -> {
            RingBufMap rb = RingBufMap.fromSample(registry, sample);
            if (rb != null) {
                rb.commit(sample, flags, false);
            }
            return 0;
        }));
        table.register(new HelperProto(BPF_FUNC_ringbuf_discard, "bpf_ringbuf_discard", (s, sample, flags, c, d, e) -> {
            RingBufMap rb = RingBufMap.fromSample(registry, sample);
            if (rb != null) {
                rb.commit(sample, flags, true);
            }
            return 0;
        }));
        table.register(new HelperProto(BPF_FUNC_ringbuf_output, "bpf_ringbuf_output", (s, map, data, size, flags, e) ->
                registry.byAddress(map) instanceof RingBufMap rb ? rb.output(data, size, flags) : EINVAL));
        table.register(new HelperProto(BPF_FUNC_ringbuf_query, "bpf_ringbuf_query", (s, map, flags, c, d, e) ->
                registry.byAddress(map) instanceof RingBufMap rb ? rb.query(flags) : 0));
    }

    /**
     * {@code bpf_for_each_map_elem}: the program's callback (a {@code BPF_PSEUDO_FUNC} address)
     * runs as a new frame with r1 = map, r2 = key, r3 = value, r4 = ctx; the map op checks flags
     * (non-zero → -EINVAL) and returns how many elements it visited.
     */
    private static long forEachMapElem(RunState s, MapRegistry registry, long map, long fn, long ctx, long flags) {
        BpfMap m = registry.byAddress(map);
        if (m == null) {
            return EINVAL;
        }
        ElemCallback cb = (mapAddr, key, value, c) -> s.callback(fn, mapAddr, key, value, c, 0);
        return m.forEachElem(cb, ctx, flags, s.cpu());
    }

    /** A lock word must be a 4-byte aligned word of the arena ({@code struct bpf_spin_lock}). */
    private static boolean lockable(Arena arena, long lock) {
        return arena.contains(lock, 4) && ((lock - Arena.BASE) & 3) == 0;
    }
}
