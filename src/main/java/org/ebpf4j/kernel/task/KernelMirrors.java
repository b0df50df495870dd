package org.ebpf4j.kernel.task;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupLayout;
import org.ebpf4j.kernel.cgroup.CgroupMirror;
import org.ebpf4j.kernel.cgroup.CgroupTree;
import org.ebpf4j.map.storage.OwnerResolver;
import org.ebpf4j.map.storage.StorageOwner;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;

/**
 * The runtime's kernel structs in the arena: a {@link TaskMirror} per live task (plus the idle
 * task, pid 0, that programs see when no task is current), a {@link CgroupMirror} per cgroup a
 * task has been in (made on first need, freed a grace period after the cgroup's BPF state is
 * released), and the {@link MirrorTable} through which the TASK_STORAGE / CGRP_STORAGE helpers
 * map the pointers programs hold back to their {@link Task} / {@link Cgroup}.
 *
 * <p>What must hold: a task's {@code task->cgroups->dfl_cgrp} is the mirror of the cgroup whose
 * id {@link Task#cgroupId()} names, at every moment a program can look (the move republishes the
 * pointer before {@link Task#setCgroupId} returns); a mirror is unregistered before it is freed,
 * and freed only after a grace period, so a program that still holds the pointer reads valid
 * (if stale) memory and the storage helpers answer NULL for it.
 */
public final class KernelMirrors implements OwnerResolver {
    private final Arena arena;
    private final Rcu rcu;
    private final CgroupTree tree;
    private final TaskLayout taskLayout;
    private final CgroupLayout cgroupLayout;
    private final MirrorTable table;
    private final Map<Cgroup, CgroupMirror> cgroups = new ConcurrentHashMap<>();
    private final TaskMirror idle;
    private final long boot = System.nanoTime();

    /** Mirrors over {@code arena}, laid out from {@code kernelBtf} (the model kernel's). */
    public KernelMirrors(Arena arena, Rcu rcu, CgroupTree tree, Btf kernelBtf) {
        this.arena = arena;
        this.rcu = rcu;
        this.tree = tree;
        this.taskLayout = new TaskLayout(kernelBtf);
        this.cgroupLayout = new CgroupLayout(kernelBtf);
        this.table = new MirrorTable(arena);
        this.idle = new TaskMirror(arena, taskLayout, 0, 0, "swapper/0", 0, 0, 0, 0);
        CgroupMirror root = cgroup(tree.root());
        idle.setCssSet(root.cssSet());
        tree.setReleaseListener(this::released);
    }

    public TaskLayout taskLayout() { return taskLayout; }

    public CgroupLayout cgroupLayout() { return cgroupLayout; }

    /** The idle task ({@code init_task}, pid 0, "swapper/0"), in the root cgroup. */
    public TaskMirror idle() { return idle; }

    /** {@code dup_task_struct} + {@code cgroup_post_fork}: the mirror of a new task, in its cgroup. */
    public TaskMirror newTask(Task t) {
        TaskMirror m = new TaskMirror(arena, taskLayout, t.pid(), t.tgid(), t.comm(), t.uid(), t.gid(),
                idle.address(), System.nanoTime() - boot);
        CgroupMirror cg = cgroupOrRoot(t.cgroupId());
        m.setCssSet(cg.cssSet());
        cg.countTask(1);
        table.register(t, m.header());
        return m;
    }

    /** {@code css_set_move_task}: {@code task->cgroups} now names the css_set of cgroup {@code toId}. */
    public void moved(TaskMirror m, long fromId, long toId) {
        CgroupMirror to = cgroupOrRoot(toId);
        m.setCssSet(to.cssSet());
        to.countTask(1);
        CgroupMirror from = cgroups.get(cgroupOrRoot(fromId).cgroup());
        if (from != null) {
            from.countTask(-1);
        }
    }

    /** The task was reaped: its pointer resolves to no owner from now on; the memory goes after a grace period. */
    public void exited(TaskMirror m, long cgroupId) {
        table.unregister(m.address());
        CgroupMirror cg = cgroups.get(cgroupOrRoot(cgroupId).cgroup());
        if (cg != null) {
            cg.countTask(-1);
        }
        rcu.callAfterGracePeriod(m::free);
    }

    /** The mirror of {@code c}, made (with its ancestors') on first need. */
    public synchronized CgroupMirror cgroup(Cgroup c) {
        CgroupMirror m = cgroups.get(c);
        if (m != null) {
            return m;
        }
        CgroupMirror parent = c.parent() == null ? null : cgroup(c.parent());
        m = new CgroupMirror(arena, cgroupLayout, c, parent);
        table.register(c, m.header());
        cgroups.put(c, m);
        return m;
    }

    /** The {@code struct cgroup *} of the online cgroup with this id, or 0 ({@code bpf_cgroup_from_id}). */
    public long cgroupAddress(long id) {
        Cgroup c = tree.byId(id);
        return c == null ? 0 : cgroup(c).address();
    }

    private CgroupMirror cgroupOrRoot(long id) {
        Cgroup c = tree.byId(id);
        return cgroup(c == null ? tree.root() : c);
    }

    /** {@code css_free}: called when the cgroup's BPF state is released (after its CGRP_STORAGE is gone). */
    private void released(Cgroup c) {
        CgroupMirror m;
        synchronized (this) {
            m = cgroups.remove(c);
        }
        if (m != null) {
            table.unregister(m.address());
            rcu.callAfterGracePeriod(m::free);
        }
    }

    /** Whether the mirror of {@code c} exists (tests: freed with the cgroup). */
    public boolean hasMirror(Cgroup c) { return cgroups.containsKey(c); }

    /**
     * Makes the struct at {@code header + 16} resolve to {@code owner} (mirrors kept by other
     * packages: the filesystem's {@code struct inode}s).
     */
    public void registerOwner(StorageOwner owner, long header) { table.register(owner, header); }

    /** Forgets the owner of the struct at {@code addr} (before its memory goes, after a grace period). */
    public void unregisterOwner(long addr) { table.unregister(addr); }

    @Override
    public StorageOwner ownerAt(long addr) { return table.ownerAt(addr); }
}
