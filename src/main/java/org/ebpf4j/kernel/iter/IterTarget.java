package org.ebpf4j.kernel.iter;

import java.util.List;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.vm.verifier.CtxRules;

/**
 * One iterator target ({@code struct bpf_iter_reg}): its name, the typed fields of its context
 * struct {@code bpf_iter__<name>} after {@code meta} ({@code ctx_arg_info}), what attaching does
 * with {@code bpf_iter_link_info} ({@code attach_target}/{@code detach_target}), and a fresh
 * cursor per iterator fd ({@code seq_info}).
 */
public sealed interface IterTarget permits SkStorageMapTarget, MapTarget, TaskTarget, MapElemTarget, CgroupTarget {
    /** {@code reg_info->target}. */
    String name();

    /**
     * {@code ctx_arg_info}: how each context field loads, by offset. Offset 0 is always
     * {@code meta} (a {@code struct bpf_iter_meta} pointer, never NULL).
     */
    List<CtxArg> ctxArgs();

    /**
     * {@code attach_target}: checks {@code info} for {@code prog} and returns what the link holds
     * (a map reference for map targets), or null; throws BpfException with the kernel's errno.
     */
    Object attach(Task task, BpfProg prog, Attrs.IterInfo info);

    /** {@code detach_target}: releases what {@link #attach} returned. */
    void detach(Object aux);

    /** The id of the map the link iterates (link info {@code iter.map.map_id}), 0 if none. */
    int mapId(Object aux);

    /** A cursor for one iterator fd ({@code init_seq_private}). */
    IterCursor open(Object aux, BpfIter iters);

    /** One context field: its offset, how a load of it is typed, the BTF struct it points to. */
    record CtxArg(int off, CtxRules.Field field, String btfStruct) {}
}
