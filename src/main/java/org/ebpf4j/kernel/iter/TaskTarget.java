package org.ebpf4j.kernel.iter;

import java.util.List;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.vm.verifier.CtxRules;

/**
 * The {@code task} iterator (kernel/bpf/task_iter.c) over the runtime's tasks in pid order (the
 * model has one thread per task, so every task is its own group leader), then the stop call
 * with {@code task} NULL. Context {@code struct bpf_iter__task { meta; task; }}: a nullable
 * {@code struct task_struct} pointer (the task's mirror). Deviation: the
 * {@code bpf_iter_link_info.task} filters (tid, pid, pid_fd) are not modelled; the iterator
 * always walks every task.
 */
final class TaskTarget implements IterTarget {
    static final int OFF_TASK = 8;

    private static final List<CtxArg> ARGS = List.of(new CtxArg(OFF_TASK, CtxRules.Field.BTF_ID_OR_NULL, "task_struct"));

    @Override public String name() { return "task"; }

    @Override public List<CtxArg> ctxArgs() { return ARGS; }

    @Override public Object attach(Task task, BpfProg prog, Attrs.IterInfo info) { return null; }

    @Override public void detach(Object aux) { }

    @Override public int mapId(Object aux) { return 0; }

    @Override
    public IterCursor open(Object aux, BpfIter iters) {
        return new IterCursor() {
            /** {@code bpf_iter_seq_task_info.tid}: the pid shown last (or to show). */
            private int pid;

            @Override public Object start() { return find(pid); }

            @Override public Object next(Object prev) { return find(pid + 1); }

            /** {@code task_seq_get_next}: the live task with the smallest pid at or above {@code from}. */
            private Object find(int from) {
                pid = from;
                Task best = null;
                for (Task t : iters.runtime().tasks()) {
                    if (t.pid() >= from && (best == null || t.pid() < best.pid())) {
                        best = t;
                    }
                }
                if (best != null) {
                    pid = best.pid();
                }
                return best;
            }

            @Override
            public void fill(Object obj, long ctx) {
                iters.arena().store64(ctx + OFF_TASK, obj instanceof Task t ? t.mirror().address() : 0);
            }
        };
    }
}
