package org.ebpf4j.kernel.iter;

import java.util.List;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.vm.verifier.CtxRules;

/**
 * The {@code bpf_map} iterator (kernel/bpf/map_iter.c): every map of the runtime in id order
 * ({@code bpf_map_get_curr_or_next}), each held by a reference while the program sees it, then
 * the stop call with {@code map} NULL. Context {@code struct bpf_iter__bpf_map { meta; map; }}.
 * Takes no link info.
 */
final class MapTarget implements IterTarget {
    static final int OFF_MAP = 8;

    private static final List<CtxArg> ARGS = List.of(new CtxArg(OFF_MAP, CtxRules.Field.BTF_ID_OR_NULL, "bpf_map"));

    @Override public String name() { return "bpf_map"; }

    @Override public List<CtxArg> ctxArgs() { return ARGS; }

    @Override public Object attach(Task task, BpfProg prog, Attrs.IterInfo info) { return null; }

    @Override public void detach(Object aux) { }

    @Override public int mapId(Object aux) { return 0; }

    @Override
    public IterCursor open(Object aux, BpfIter iters) {
        return new IterCursor() {
            /** {@code bpf_iter_seq_map_info.map_id}: the id of the map shown last (or to show). */
            private int mapId;
            private MapObject held;

            @Override public Object start() { return find(mapId); }

            @Override public Object next(Object prev) { return find(mapId + 1); }

            /** The first live map with an id at or above {@code from}, referenced; the last one's reference goes. */
            private Object find(int from) {
                drop();
                mapId = from;   // bpf_map_seq_next: ++info->map_id, so the end stays the end
                var ids = iters.runtime().mapIds();
                for (int id = ids.nextId(from - 1); id != 0; id = ids.nextId(id)) {
                    MapObject m = ids.get(id);
                    if (m != null && m.tryInc()) {
                        held = m;
                        mapId = id;
                        return m;
                    }
                }
                return null;
            }

            private void drop() {
                if (held != null) {
                    held.put();
                    held = null;
                }
            }

            @Override
            public void fill(Object obj, long ctx) {
                iters.arena().store64(ctx + OFF_MAP, obj instanceof MapObject m ? m.map().address() : 0);
            }

            @Override public void close() { drop(); }
        };
    }
}
