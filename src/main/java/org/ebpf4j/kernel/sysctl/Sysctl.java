package org.ebpf4j.kernel.sysctl;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupRunner;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;

/**
 * The modelled {@code /proc/sys}: a small tree of {@link SysctlTable} entries with their current
 * values, read and written by tasks as through {@code proc_sys_call_handler} (fs/proc/proc_sysctl.c),
 * which runs the {@code cgroup/sysctl} hook of the task's cgroup before the handler:
 * {@code __cgroup_bpf_run_filter_sysctl} (kernel/bpf/cgroup.c). A program sees
 * {@code struct bpf_sysctl} ({@link SysctlCtxAccess}) and the helpers of {@link SysctlHelpers};
 * a verdict 0 fails the access with EPERM, a write of {@code ctx->file_pos} moves the position the
 * handler uses, and {@code bpf_sysctl_set_new_value} replaces what is written.
 *
 * <p>Which cgroup: the current task's, at the time of the access (spec §5.1). The hook runs only
 * when that cgroup's effective array for BPF_CGROUP_SYSCTL is not empty.
 *
 * <p>Quirk (spec §12 item 1): Linux up to at least 6.18 tests {@code ret == 1} after the run,
 * which the 5.18 run-array refactor made impossible, so a value a program sets is never applied.
 * The default here is the fixed behaviour ({@link OverridePolicy#APPLY}); {@link OverridePolicy#IGNORE}
 * reproduces the 6.18 kernel.
 *
 * <p>Thread-safe: values are published with one write each; every access has its own context.
 */
public final class Sysctl {
    /** What a successful run does with a value set by {@code bpf_sysctl_set_new_value}. */
    public enum OverridePolicy {
        /** The fixed kernel (queued June 2026): the program's value is what the handler writes. */
        APPLY,
        /** Linux 6.18 as shipped: the program's value is dropped, the user's is written. */
        IGNORE
    }

    /** The result of one read(2) or write(2) on a sysctl file. */
    public record Access(int ret, String data, long pos) {
        /** @return whether the call failed ({@code ret} is then -errno) */
        public boolean failed() { return ret < 0; }
    }

    private final Runtime rt;
    private final Arena arena;
    private final CgroupRunner runner;
    private final SysctlHelpers helpers;
    private final Map<String, SysctlTable> tables = new LinkedHashMap<>();
    private final Map<String, String> values = new ConcurrentHashMap<>();
    private volatile OverridePolicy overridePolicy = OverridePolicy.APPLY;

    public Sysctl(Runtime rt) { this(rt, SysctlTable.defaults()); }

    public Sysctl(Runtime rt, List<SysctlTable> entries) {
        this.rt = rt;
        this.arena = rt.arena();
        this.runner = new CgroupRunner(rt.rcu(), rt.cgroupStorageCtx());
        this.helpers = new SysctlHelpers(arena);
        for (SysctlTable t : entries) {
            if (tables.putIfAbsent(t.path(), t) != null) {
                throw new IllegalArgumentException("sysctl " + t.path() + " registered twice");
            }
            values.put(t.path(), t.initial());
        }
    }

    /** The helpers (101-104) to register in the runtime's helper table. */
    public SysctlHelpers helpers() { return helpers; }

    public void setOverridePolicy(OverridePolicy p) { overridePolicy = p; }

    public OverridePolicy overridePolicy() { return overridePolicy; }

    /** The paths of the tree, in registration order. */
    public List<String> paths() { return List.copyOf(tables.keySet()); }

    /** The stored value of {@code path} without going through any hook (what the kernel holds). */
    public String value(String path) {
        table(path);
        return values.get(path);
    }

    /** {@code cat /proc/sys/PATH} by {@code task}: one read at position 0 with a page-sized buffer. */
    public Access read(Task task, String path) { return read(task, path, 0, SysctlHelpers.PAGE_SIZE); }

    /** read(2) of {@code count} bytes at file position {@code pos}. */
    public Access read(Task task, String path, long pos, int count) {
        SysctlTable t = table(path);
        if (count < 0 || pos < 0) {
            return new Access(Errno.EINVAL.negative(), "", pos);
        }
        long[] ppos = {pos};
        int ret = runHook(task, t, false, null, ppos);
        if (ret < 0) {
            return new Access(ret, "", ppos[0]);
        }
        byte[] text = handlerRead(t, ppos[0]);
        int n = Math.min(text.length, count);
        String data = new String(text, 0, n, StandardCharsets.UTF_8);
        return new Access(n, data, ppos[0] + n);
    }

    /** {@code echo -n VALUE > /proc/sys/PATH} by {@code task}: one write at position 0. */
    public Access write(Task task, String path, String value) { return write(task, path, value, 0); }

    /**
     * write(2) of {@code value} at file position {@code pos}. Returns the count written (the
     * program's value length when it replaced the value) or -errno: EACCES for a read-only entry
     * (the open fails, no hook runs), EPERM when a program denies, EINVAL when the handler rejects
     * the text.
     */
    public Access write(Task task, String path, String value, long pos) {
        SysctlTable t = table(path);
        if (!t.writable()) {
            return new Access(Errno.EACCES.negative(), "", pos);
        }
        if (pos < 0) {
            return new Access(Errno.EINVAL.negative(), "", pos);
        }
        byte[][] buf = {value.getBytes(StandardCharsets.UTF_8)};
        long[] ppos = {pos};
        int ret = runHook(task, t, true, buf, ppos);
        if (ret < 0) {
            return new Access(ret, "", ppos[0]);
        }
        int count = buf[0].length;
        int err = handlerWrite(t, buf[0], ppos[0]);
        if (err < 0) {
            return new Access(err, "", ppos[0]);
        }
        return new Access(count, "", ppos[0] + count);
    }

    private SysctlTable table(String path) {
        String p = path.startsWith("/proc/sys/") ? path.substring("/proc/sys/".length()) : path;
        SysctlTable t = tables.get(p);
        if (t == null) {
            throw new IllegalArgumentException("no sysctl '" + path + "' in the modelled /proc/sys (known: "
                    + String.join(", ", tables.keySet()) + ")");
        }
        return t;
    }

    /**
     * {@code __cgroup_bpf_run_filter_sysctl}: 0 or -errno. On a write, {@code buf[0]} is replaced
     * by the program's value when the run allowed and a program set one (see {@link OverridePolicy});
     * {@code ppos[0]} takes the low 32 bits a program stored in {@code ctx->file_pos}, whatever the
     * verdict (the kernel writes through to {@code iocb->ki_pos}).
     */
    private int runHook(Task task, SysctlTable t, boolean write, byte[][] buf, long[] ppos) {
        Cgroup cgrp = task == null ? rt.cgroups().root() : rt.cgroups().byId(task.cgroupId());
        if (cgrp == null || cgrp.effective(CgroupHook.SYSCTL).isEmpty()) {
            return 0;
        }
        byte[] cur = handlerRead(t, 0);
        byte[] newVal = null;
        int newLen = 0;
        if (write && buf[0].length > 0) {
            newVal = new byte[SysctlHelpers.PAGE_SIZE];
            newLen = Math.min(SysctlHelpers.PAGE_SIZE, buf[0].length);
            System.arraycopy(buf[0], 0, newVal, 0, newLen);
        }
        SysctlKern kern = new SysctlKern(t, write, cur, newVal, newLen);
        long ctx = arena.alloc(SysctlCtxAccess.SIZE);
        helpers.enter(ctx, kern);
        int ret;
        try {
            arena.store32(ctx + SysctlCtxAccess.WRITE, write ? 1 : 0);
            arena.store32(ctx + SysctlCtxAccess.FILE_POS, ppos[0]);
            CgRunCtx rc = new CgRunCtx(0);
            ret = task == null ? runner.run(cgrp, CgroupHook.SYSCTL, ctx, rc)
                    : rt.progs().asCurrent(task, () -> runner.run(cgrp, CgroupHook.SYSCTL, ctx, rc));
            ppos[0] = (ppos[0] & ~0xffff_ffffL) | arena.load32(ctx + SysctlCtxAccess.FILE_POS);
        } finally {
            helpers.exit(ctx);
            arena.free(ctx, SysctlCtxAccess.SIZE);
        }
        if (ret == 0 && kern.newUpdated && overridePolicy == OverridePolicy.APPLY) {
            byte[] v = new byte[kern.newLen];
            System.arraycopy(kern.newVal, 0, v, 0, kern.newLen);
            buf[0] = v;
        }
        return ret;
    }

    /**
     * The handler's read: the text from {@code pos} on. {@code proc_dostring} serves any position;
     * {@code proc_dointvec} gives nothing past position 0.
     */
    private byte[] handlerRead(SysctlTable t, long pos) {
        byte[] text = (values.get(t.path()) + "\n").getBytes(StandardCharsets.UTF_8);
        if (pos >= text.length || (pos > 0 && t.handler() != SysctlTable.Handler.STRING)) {
            return new byte[0];
        }
        byte[] out = new byte[text.length - (int) pos];
        System.arraycopy(text, (int) pos, out, 0, out.length);
        return out;
    }

    /**
     * The handler's write, with {@code sysctl_writes_strict = 1} (the default): 0 or -EINVAL
     * (text that is not integers, more of them than the vector holds, out of [min, max], a range
     * whose low end exceeds its high end). Nothing is stored on error.
     */
    private int handlerWrite(SysctlTable t, byte[] data, long pos) {
        String text = new String(data, StandardCharsets.UTF_8);
        String old = values.get(t.path());
        switch (t.handler()) {
            case STRING -> {
                if (pos > old.length()) {
                    return 0;   // strict: a write past the end is ignored
                }
                int nl = text.indexOf('\n');
                String v = old.substring(0, (int) pos) + (nl >= 0 ? text.substring(0, nl) : text);
                if (v.length() > t.ints() - 1) {
                    v = v.substring(0, t.ints() - 1);   // maxlen includes the NUL
                }
                values.put(t.path(), v);
                return 0;
            }
            case INTVEC, RANGE -> {
                if (pos > 0) {
                    return 0;   // proc_first_pos_non_zero_ignore: strict mode ignores it
                }
                String[] words = text.strip().isEmpty() ? new String[0] : text.strip().split("[ \t\n]+");
                if (words.length > t.ints()) {
                    return Errno.EINVAL.negative();
                }
                String[] cur = old.split("\t");
                for (int i = 0; i < words.length; i++) {
                    long v;
                    try {
                        v = Long.parseLong(words[i]);
                    } catch (NumberFormatException e) {
                        return Errno.EINVAL.negative();
                    }
                    if (v < t.min() || v > t.max()) {
                        return Errno.EINVAL.negative();
                    }
                    cur[i] = Long.toString(v);
                }
                if (t.handler() == SysctlTable.Handler.RANGE && Long.parseLong(cur[0]) > Long.parseLong(cur[1])) {
                    return Errno.EINVAL.negative();
                }
                values.put(t.path(), String.join("\t", cur));
                return 0;
            }
            default -> throw new IllegalStateException("handler " + t.handler());
        }
    }
}
