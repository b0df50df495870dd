package org.ebpf4j.kernel.task;

import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.StructLayout;

/**
 * Where the fields of {@code struct task_struct}, {@code struct cred} and {@code struct pt_regs}
 * sit in the model kernel's BTF ({@code src/main/btf/model-kernel.c}): a program relocated with
 * CO-RE against that BTF loads exactly these offsets, so {@link TaskMirror} writes there. Read
 * once per runtime from {@link Btf#modelKernel()}; a field missing from the BTF fails the runtime
 * at construction, naming it.
 */
public final class TaskLayout {
    /** {@code TASK_COMM_LEN}. */
    public static final int TASK_COMM_LEN = 16;
    /** {@code TASK_RUNNING}. */
    static final int TASK_RUNNING = 0;
    /** {@code DEFAULT_PRIO} (MAX_RT_PRIO + NICE_WIDTH / 2): nice 0. */
    static final int DEFAULT_PRIO = 120;

    final int taskSize, state, prio, startTime, pid, tgid, realParent, parent, groupLeader, realCred, cred,
            comm, cgroups;
    final int credSize, credUsage, uid, gid, suid, sgid, euid, egid;
    /** x86-64 {@code struct pt_regs}: the registers a syscall entry saved (sys_enter's {@code regs}). */
    final int regsSize, regsDi, regsSi, regsDx, regsR10, regsR8, regsR9, regsAx, regsOrigAx;

    TaskLayout(Btf btf) {
        StructLayout t = StructLayout.of(btf, "task_struct");
        taskSize = t.size();
        state = t.offset("__state");
        prio = t.offset("prio");
        startTime = t.offset("start_time");
        pid = t.offset("pid");
        tgid = t.offset("tgid");
        realParent = t.offset("real_parent");
        parent = t.offset("parent");
        groupLeader = t.offset("group_leader");
        realCred = t.offset("real_cred");
        cred = t.offset("cred");
        comm = t.offset("comm");
        cgroups = t.offset("cgroups");
        if (t.fieldSize("comm") != TASK_COMM_LEN) {
            throw new IllegalStateException("task_struct.comm is " + t.fieldSize("comm") + " bytes, not TASK_COMM_LEN");
        }
        StructLayout c = StructLayout.of(btf, "cred");
        credSize = c.size();
        credUsage = c.offset("usage");
        uid = c.offset("uid");
        gid = c.offset("gid");
        suid = c.offset("suid");
        sgid = c.offset("sgid");
        euid = c.offset("euid");
        egid = c.offset("egid");
        StructLayout r = StructLayout.of(btf, "pt_regs");
        regsSize = r.size();
        regsDi = r.offset("di");
        regsSi = r.offset("si");
        regsDx = r.offset("dx");
        regsR10 = r.offset("r10");
        regsR8 = r.offset("r8");
        regsR9 = r.offset("r9");
        regsAx = r.offset("ax");
        regsOrigAx = r.offset("orig_ax");
    }

    /** Offset of {@code task->cgroups} (for readers outside this package, e.g. tests). */
    public int cgroupsOffset() { return cgroups; }
}
