package org.ebpf4j.kernel.iter;

import java.util.List;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.verifier.CtxRules;

/**
 * The {@code task} iterator (kernel/bpf/task_iter.c) over the runtime's tasks in pid order (the
 * model has one thread per task, so every task is its own group leader), then the stop call
 * with {@code task} NULL. Context {@code struct bpf_iter__task { meta; task; }}: a nullable
 * {@code struct task_struct} pointer (the task's mirror). The {@code bpf_iter_link_info.task}
 * filters ({@code bpf_iter_attach_task}): {@code tid} shows that thread only, {@code pid} or
 * {@code pid_fd} the threads of that process (here: that one task); a filter naming no live
 * task attaches and shows nothing.
 */
final class TaskTarget implements IterTarget {
    static final int OFF_TASK = 8;

    private static final List<CtxArg> ARGS = List.of(new CtxArg(OFF_TASK, CtxRules.Field.BTF_ID_OR_NULL, "task_struct"));

    @Override public String name() { return "task"; }

    @Override public List<CtxArg> ctxArgs() { return ARGS; }

    /** {@code enum bpf_iter_task_type}. */
    enum Kind { ALL, TID, TGID }

    /** {@code bpf_iter_aux_info.task}: which tasks, and the pid the filter names (0 for all). */
    record Filter(Kind kind, int pid) {}

    /**
     * {@code bpf_iter_attach_task}: more than one of tid, pid and pid_fd → EINVAL; a pid_fd that
     * is not an open pidfd → EBADF ({@code pidfd_get_pid}).
     */
    @Override
    public Object attach(Task task, BpfProg prog, Attrs.IterInfo info) {
        if (info == null) {
            return new Filter(Kind.ALL, 0);
        }
        int set = (info.tid() != 0 ? 1 : 0) + (info.pid() != 0 ? 1 : 0) + (info.pidFd() != 0 ? 1 : 0);
        if (set > 1) {
            throw new BpfException(Errno.EINVAL, "iter_info.task: tid " + info.tid() + ", pid " + info.pid() + ", pid_fd "
                    + info.pidFd() + ": at most one may be set");
        }
        if (info.tid() != 0) {
            return new Filter(Kind.TID, info.tid());
        }
        if (info.pid() != 0) {
            return new Filter(Kind.TGID, info.pid());
        }
        if (info.pidFd() != 0) {
            File f = info.pidFd() < 0 ? null : task.fds().peek(info.pidFd());
            if (!(f instanceof File.PidFdFile pf)) {
                throw new BpfException(Errno.EBADF, "iter_info.task.pid_fd " + info.pidFd() + " is "
                        + (f == null ? "not open" : "a " + f.what() + " fd, not a pidfd"));
            }
            return new Filter(Kind.TGID, pf.pid().target().pid());
        }
        return new Filter(Kind.ALL, 0);
    }

    @Override public void detach(Object aux) { }

    @Override public int mapId(Object aux) { return 0; }

    @Override
    public IterCursor open(Object aux, BpfIter iters) {
        Filter filter = aux instanceof Filter f ? f : new Filter(Kind.ALL, 0);
        return new IterCursor() {
            /** {@code bpf_iter_seq_task_info.tid}: the pid shown last (or to show). */
            private int pid;

            @Override public Object start() { return find(pid); }

            @Override public Object next(Object prev) { return find(pid + 1); }

            /**
             * {@code task_seq_get_next}: the live task with the smallest pid at or above
             * {@code from} that the filter admits (one task per process: tid = pid = tgid).
             */
            private Object find(int from) {
                pid = from;
                Task best = null;
                for (Task t : iters.runtime().tasks()) {
                    if (filter.kind() != Kind.ALL && t.pid() != filter.pid()) {
                        continue;
                    }
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
