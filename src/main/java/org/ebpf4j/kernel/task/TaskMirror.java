package org.ebpf4j.kernel.task;

import java.nio.charset.StandardCharsets;
import org.ebpf4j.memory.Arena;

/**
 * One task as programs see it in the arena ({@code bpf_get_current_task_btf()} returns
 * {@link #address()}): a {@code struct task_struct} laid out at the model kernel's BTF offsets
 * ({@link TaskLayout}), followed by its {@code struct cred} and the {@code struct pt_regs} its
 * last syscall entry saved ({@code task_pt_regs(task)}).
 *
 * <pre>
 *  block: | header (16) | struct task_struct | struct cred | struct pt_regs |
 *                        ^ address()           ^ cred       ^ regs()
 * </pre>
 *
 * pid, tgid, comm, credentials, {@code group_leader} (itself: one thread per process) are written
 * once; {@code cgroups} is republished with one release store when the task moves
 * ({@code rcu_assign_pointer(tsk->cgroups, cset)} in {@code css_set_move_task}); the registers on
 * each modelled syscall. Deviation: every task's {@code real_parent}/{@code parent} is the idle
 * task (pid 0), since the model has no process tree; the idle task's own point at itself.
 */
public final class TaskMirror {
    private final Arena arena;
    private final TaskLayout l;
    private final long block;
    private final long blockSize;
    private final long address;
    private final long regs;

    TaskMirror(Arena arena, TaskLayout l, int pid, int tgid, String comm, int uid, int gid, long parent, long startTime) {
        this.arena = arena;
        this.l = l;
        long credOff = MirrorTable.HEADER + align8(l.taskSize);
        long regsOff = credOff + align8(l.credSize);
        this.blockSize = regsOff + l.regsSize;
        this.block = arena.alloc(blockSize);
        if (block == 0) {
            throw new IllegalStateException("arena full: no room for the task_struct of pid " + pid);
        }
        this.address = block + MirrorTable.HEADER;
        long cred = block + credOff;
        this.regs = block + regsOff;
        arena.store32(address + l.state, TaskLayout.TASK_RUNNING);
        arena.store32(address + l.prio, TaskLayout.DEFAULT_PRIO);
        arena.store64(address + l.startTime, startTime);
        arena.store32(address + l.pid, pid);
        arena.store32(address + l.tgid, tgid);
        long p = parent == 0 ? address : parent;
        arena.store64(address + l.realParent, p);
        arena.store64(address + l.parent, p);
        arena.store64(address + l.groupLeader, address);
        arena.store64(address + l.realCred, cred);
        arena.store64(address + l.cred, cred);
        byte[] name = comm.getBytes(StandardCharsets.UTF_8);
        arena.copyIn(address + l.comm, name, 0, Math.min(name.length, TaskLayout.TASK_COMM_LEN - 1));
        arena.store32(cred + l.credUsage, 1);
        for (int off : new int[] {l.uid, l.suid, l.euid}) {
            arena.store32(cred + off, uid);
        }
        for (int off : new int[] {l.gid, l.sgid, l.egid}) {
            arena.store32(cred + off, gid);
        }
    }

    private static long align8(long n) { return (n + 7) & ~7L; }

    /** The {@code struct task_struct *}. */
    public long address() { return address; }

    /** The {@code struct pt_regs *} of the task's last syscall entry ({@code task_pt_regs}). */
    public long regs() { return regs; }

    /** {@code task->cgroups}. */
    public long cssSet() { return arena.loadAcquire64(address + l.cgroups); }

    /** {@code rcu_assign_pointer(task->cgroups, cset)}. */
    void setCssSet(long cssSet) { arena.storeRelease64(address + l.cgroups, cssSet); }

    /**
     * What the syscall entry saves (x86-64 convention): orig_ax = the number, di, si, dx, r10,
     * r8, r9 = the arguments, ax = -ENOSYS as {@code do_syscall_64} sets it before the call.
     */
    public void saveSyscallRegs(int nr, long[] args) {
        arena.store64(regs + l.regsOrigAx, nr);
        arena.store64(regs + l.regsAx, -38);
        int[] offs = {l.regsDi, l.regsSi, l.regsDx, l.regsR10, l.regsR8, l.regsR9};
        for (int i = 0; i < offs.length; i++) {
            arena.store64(regs + offs[i], i < args.length ? args[i] : 0);
        }
    }

    long header() { return block; }

    void free() { arena.free(block, blockSize); }
}
