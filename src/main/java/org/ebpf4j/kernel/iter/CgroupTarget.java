package org.ebpf4j.kernel.iter;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupTree;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.verifier.CtxRules;

/**
 * The {@code cgroup} iterator (kernel/bpf/cgroup_iter.c): from a start cgroup (by fd, by id, or
 * the root), in one of the orders of {@code enum bpf_cgroup_iter_order}; context
 * {@code struct bpf_iter__cgroup { meta; cgroup; }} with {@code cgroup} NULL in the stop call.
 * Unlike the other targets a program returning non-zero ends the walk after that cgroup, and
 * the walk does not resume across reads: a read after an incomplete first one fails with
 * EOPNOTSUPP ({@code cgroup_iter_seq_start}). Cgroups removed meanwhile are skipped.
 */
final class CgroupTarget implements IterTarget {
    static final int OFF_CGROUP = 8;
    /** {@code enum bpf_cgroup_iter_order}. */
    static final int ORDER_UNSPEC = 0, SELF_ONLY = 1, DESCENDANTS_PRE = 2, DESCENDANTS_POST = 3, ANCESTORS_UP = 4;

    private static final List<CtxArg> ARGS = List.of(new CtxArg(OFF_CGROUP, CtxRules.Field.BTF_ID_OR_NULL, "cgroup"));

    /** {@code bpf_iter_aux_info.cgroup}: the start cgroup (held with a reference) and the order. */
    record Start(Cgroup cgroup, int order) {}

    @Override public String name() { return "cgroup"; }

    @Override public List<CtxArg> ctxArgs() { return ARGS; }

    /**
     * {@code bpf_iter_attach_cgroup}, in its order: an order outside SELF_ONLY..ANCESTORS_UP →
     * EINVAL; both cgroup_fd and cgroup_id → EINVAL; a cgroup_fd that is not a cgroup directory
     * → EBADF (removed: ENOENT); an unknown cgroup_id → ENOENT; neither: the root.
     */
    @Override
    public Object attach(Task task, BpfProg prog, Attrs.IterInfo info) {
        int order = info == null ? ORDER_UNSPEC : info.cgroupOrder();
        int fd = info == null ? 0 : info.cgroupFd();
        long id = info == null ? 0 : info.cgroupId();
        if (order < SELF_ONLY || order > ANCESTORS_UP) {
            throw new BpfException(Errno.EINVAL, "iter_info.cgroup.order " + Integer.toUnsignedString(order)
                    + " is not SELF_ONLY, DESCENDANTS_PRE, DESCENDANTS_POST or ANCESTORS_UP");
        }
        if (fd != 0 && id != 0) {
            throw new BpfException(Errno.EINVAL, "iter_info.cgroup: cgroup_fd " + fd + " and cgroup_id " + id + " both set");
        }
        CgroupTree tree = task.runtime().cgroups();
        Cgroup c;
        if (fd != 0) {
            File f = fd < 0 ? null : task.fds().peek(fd);
            if (!(f instanceof File.CgroupFile cf)) {
                throw new BpfException(Errno.EBADF, "iter_info.cgroup.cgroup_fd " + fd + " is "
                        + (f == null ? "not open" : "a " + f.what() + " fd, not a cgroup directory"));
            }
            c = cf.cgroup();
            if (!c.online()) {
                throw new BpfException(Errno.ENOENT, "iter_info.cgroup.cgroup_fd " + fd + ": " + c + " was removed");
            }
        } else if (id != 0) {
            c = tree.byId(id);
            if (c == null) {
                throw new BpfException(Errno.ENOENT, "iter_info.cgroup.cgroup_id " + id + " names no cgroup");
            }
        } else {
            c = tree.root();   // walk the entire hierarchy by default
        }
        c.bpfGet();
        return new Start(c, order);
    }

    @Override public void detach(Object aux) { ((Start) aux).cgroup().bpfPut(); }

    @Override public int mapId(Object aux) { return 0; }

    @Override
    public IterCursor open(Object aux, BpfIter iters) {
        Start s = (Start) aux;
        CgroupTree tree = iters.runtime().cgroups();
        return new IterCursor() {
            /** {@code seq->index} &gt; 0: a walk began. */
            private boolean begun;
            private boolean terminate;
            private boolean visitedAll;
            private List<Cgroup> walk;
            private int at;

            @Override
            public Object start() {
                if (begun) {
                    if (visitedAll) {
                        return null;
                    }
                    throw new BpfException(Errno.EOPNOTSUPP, "read of a cgroup iterator: the walk does not resume "
                            + "across reads (cgroup_iter_seq_start)");
                }
                begun = true;
                walk = order();
                at = 0;
                return walk.isEmpty() ? end() : walk.get(0);
            }

            @Override
            public Object next(Object prev) {
                if (terminate || ++at >= walk.size()) {
                    return end();
                }
                return walk.get(at);
            }

            /** The walk ended: the stop call follows, after which the session has visited all. */
            private Object end() {
                visitedAll = true;
                return null;
            }

            /** The cgroups in the walk's order (a snapshot under cgroup_mutex, as the kernel holds it). */
            private List<Cgroup> order() {
                List<Cgroup> out = new ArrayList<>();
                switch (s.order()) {
                    case SELF_ONLY -> out.add(s.cgroup());
                    case ANCESTORS_UP -> {
                        for (Cgroup c = s.cgroup(); c != null; c = c.parent()) {
                            out.add(c);
                        }
                    }
                    default -> descend(s.cgroup(), s.order() == DESCENDANTS_PRE, out);
                }
                return out;
            }

            private void descend(Cgroup c, boolean pre, List<Cgroup> out) {
                if (pre) {
                    out.add(c);
                }
                for (Cgroup ch : tree.children(c)) {
                    descend(ch, pre, out);
                }
                if (!pre) {
                    out.add(c);
                }
            }

            /** {@code __cgroup_iter_seq_show}: a dead cgroup is skipped. */
            @Override public boolean runs(Object obj) { return !(obj instanceof Cgroup c) || c.online(); }

            /** A non-zero return ends the walk after this cgroup. */
            @Override
            public int shown(Object obj, long r0) {
                if (r0 != 0) {
                    terminate = true;
                }
                return 0;
            }

            @Override
            public void fill(Object obj, long ctx) {
                iters.arena().store64(ctx + OFF_CGROUP, obj instanceof Cgroup c ? iters.runtime().mirrors().cgroup(c).address() : 0);
            }
        };
    }
}
