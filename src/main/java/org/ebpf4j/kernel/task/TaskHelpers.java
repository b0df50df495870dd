package org.ebpf4j.kernel.task;

import java.util.function.Supplier;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgroupLayout;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * The "current task" helpers that hand out or follow kernel pointers
 * (kernel/trace/bpf_trace.c, kernel/bpf/helpers.c): {@code bpf_get_current_task} (35),
 * {@code bpf_get_current_task_btf} (158), {@code bpf_get_current_cgroup_id} (80),
 * {@code bpf_get_current_ancestor_cgroup_id} (123) and {@code bpf_task_pt_regs} (175). Which
 * program types may call them is {@link org.ebpf4j.kernel.prog.ProgTypes}' business.
 *
 * <p>The cgroup helpers read what a program would read, through the mirrors:
 * {@code task_dfl_cgroup(current)} = {@code current->cgroups->dfl_cgrp}, then
 * {@code cgroup_id(cgrp)} = {@code cgrp->kn->id}, and {@code cgroup_ancestor(cgrp, level)} =
 * {@code cgrp->ancestors[level]} (0 past the cgroup's own level). Lock-free: a concurrent move
 * gives the old or the new cgroup, as under RCU.
 */
public final class TaskHelpers {
    public static final int BPF_FUNC_get_current_task = 35;
    public static final int BPF_FUNC_get_current_cgroup_id = 80;
    public static final int BPF_FUNC_get_current_ancestor_cgroup_id = 123;
    public static final int BPF_FUNC_get_current_task_btf = 158;
    public static final int BPF_FUNC_task_pt_regs = 175;

    private final Arena arena;
    private final KernelMirrors mirrors;
    private final Supplier<Task> current;
    private final int cgroups;
    private final CgroupLayout cl;

    /** {@code current} answers the task programs on this thread run for (null: the idle task). */
    public TaskHelpers(Arena arena, KernelMirrors mirrors, Supplier<Task> current) {
        this.arena = arena;
        this.mirrors = mirrors;
        this.current = current;
        this.cgroups = mirrors.taskLayout().cgroups;
        this.cl = mirrors.cgroupLayout();
    }

    public HelperTable registerInto(HelperTable t) {
        t.register(new HelperProto(BPF_FUNC_get_current_task, "bpf_get_current_task", (s, a, b, c, d, e) -> currentTask()));
        t.register(new HelperProto(BPF_FUNC_get_current_task_btf, "bpf_get_current_task_btf",
                (s, a, b, c, d, e) -> currentTask()));
        t.register(new HelperProto(BPF_FUNC_get_current_cgroup_id, "bpf_get_current_cgroup_id",
                (s, a, b, c, d, e) -> cgroupId(dflCgroup())));
        t.register(new HelperProto(BPF_FUNC_get_current_ancestor_cgroup_id, "bpf_get_current_ancestor_cgroup_id",
                (s, level, b, c, d, e) -> ancestorId(dflCgroup(), (int) level)));
        t.register(new HelperProto(BPF_FUNC_task_pt_regs, "bpf_task_pt_regs", (s, task, b, c, d, e) -> ptRegs(task)));
        return t;
    }

    /** {@code (long) current}. */
    long currentTask() {
        Task t = current.get();
        return t == null ? mirrors.idle().address() : t.mirror().address();
    }

    private long dflCgroup() { return arena.load64(arena.load64(currentTask() + cgroups) + cl.cssSetDflCgrp); }

    private long cgroupId(long cgrp) { return arena.load64(arena.load64(cgrp + cl.kn) + cl.knId); }

    private long ancestorId(long cgrp, int level) {
        if (level < 0 || level > (int) arena.load32(cgrp + cl.level)) {
            return 0;
        }
        return cgroupId(arena.load64(cgrp + cl.ancestors + 8L * level));
    }

    /** {@code task_pt_regs(task)}: the regs block of a task mirror; 0 for a pointer that is not one. */
    private long ptRegs(long task) {
        if (task == mirrors.idle().address()) {
            return mirrors.idle().regs();
        }
        return mirrors.ownerAt(task) instanceof Task t ? t.mirror().regs() : 0;
    }
}
