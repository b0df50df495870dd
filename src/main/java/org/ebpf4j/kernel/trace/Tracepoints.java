package org.ebpf4j.kernel.trace;

import java.util.Map;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.task.TaskMirror;

/**
 * The raw tracepoints of one runtime ({@code __start__bpf_raw_tp} .. {@code __stop__bpf_raw_tp}
 * and {@code bpf_get_raw_tracepoint}, kernel/trace/bpf_trace.c). ebpf4j models one:
 * {@code sys_enter(struct pt_regs *regs, long id)}, fired by {@link Task#syscall} on every
 * modelled syscall. Deviation: {@code sys_exit} and the other kernel tracepoints do not fire
 * here; attaching to them answers ENOENT, as for an unknown name on Linux (the model kernel's BTF
 * also has {@code btf_trace_sched_switch}, so such tp_btf programs load but cannot attach).
 */
public final class Tracepoints {
    /** {@code include/trace/events/syscalls.h}: {@code TP_PROTO(struct pt_regs *regs, long id)}. */
    public static final String SYS_ENTER = "sys_enter";

    private final Runtime rt;
    private final RawTracepoint sysEnter = new RawTracepoint(SYS_ENTER, 2);
    private final Map<String, RawTracepoint> byName = Map.of(SYS_ENTER, sysEnter);

    public Tracepoints(Runtime rt) { this.rt = rt; }

    /** {@code bpf_get_raw_tracepoint(name)}: the tracepoint, or null. */
    public RawTracepoint get(String name) { return name == null ? null : byName.get(name); }

    /** The sys_enter tracepoint. */
    public RawTracepoint sysEnter() { return sysEnter; }

    /**
     * The syscall entry of {@code task}: its pt_regs get the number and arguments, then
     * {@code trace_sys_enter(regs, regs->orig_ax)} runs the attached programs.
     */
    public void sysEnter(Task task, int nr, long[] args) {
        // inside a read section: an exiting task's mirror is freed only after a grace period,
        // and a task seen as exited here (its mirror may already be queued for freeing) is left alone
        org.ebpf4j.rcu.Rcu.Reader r = rt.rcu().reader();
        r.lock();
        try {
            if (task.exited()) {
                return;
            }
            TaskMirror m = task.mirror();
            m.saveSyscallRegs(nr, args);
            if (sysEnter.enabled()) {
                sysEnter.fire(rt.progs(), rt.rcu(), rt.arena(), task, new long[] {m.regs(), nr});
            }
        } finally {
            r.unlock();
        }
    }
}
