package org.ebpf4j.kernel;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.map.MapRegistry;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;

/**
 * One modelled kernel. Owns everything a BPF object can touch: the {@link Arena}, the two RCU
 * domains (normal, and tasks-trace for sleepable programs), the map registry, the id spaces, the
 * bpffs mount and the process table. Nothing is static: two runtimes in one JVM share nothing.
 *
 * <pre>{@code
 * try (Runtime rt = Runtime.builder().arenaSize(64 << 20).cpus(2).build()) {
 *     Task t = rt.spawn("loader", 0, 0);
 *     ...
 * }
 * }</pre>
 */
public final class Runtime implements AutoCloseable {
    private final Arena arena;
    private final Rcu rcu;
    private final Rcu rcuTasksTrace;
    private final int cpus;
    private final MapRegistry mapRegistry;
    private final MapEnv mapEnv;
    private final IdTable<MapObject> mapIds = new IdTable<>("map");
    private final IdTable<ProgObject> progIds = new IdTable<>("prog");
    private final IdTable<LinkObject> linkIds = new IdTable<>("link");
    private final IdTable<BtfObject> btfIds = new IdTable<>("btf");
    private final BpfFs bpffs = new BpfFs();
    private final org.ebpf4j.kernel.cgroup.CgroupTree cgroups = new org.ebpf4j.kernel.cgroup.CgroupTree(id -> tasks().stream().anyMatch(t -> t.cgroupId() == id));
    private final Map<Integer, Task> tasks = new ConcurrentHashMap<>();
    private final AtomicInteger nextPid;
    private final int maxFds;
    private final int unprivilegedBpfDisabled;
    private volatile boolean closed;
    private final org.ebpf4j.btf.Btf kernelBtf;
    private final org.ebpf4j.kernel.task.KernelMirrors mirrors;
    private final org.ebpf4j.kernel.trace.Tracepoints tracepoints;
    private final org.ebpf4j.kernel.trampoline.Trampolines trampolines;
    private final org.ebpf4j.kernel.trampoline.Lsm lsm;
    private final org.ebpf4j.kernel.trampoline.TestFunctions testFunctions;
    private final org.ebpf4j.kernel.prog.ProgEnv progs;
    /** {@code current->bpf_ctx}'s legacy-storage part: what bpf_get_local_storage reads during a cgroup run. */
    private final org.ebpf4j.map.storage.CgroupStorageRunCtx cgroupStorageCtx = new org.ebpf4j.map.storage.CgroupStorageRunCtx();
    private final org.ebpf4j.kernel.net.Net net;
    private final org.ebpf4j.kernel.sysctl.Sysctl sysctl;
    private final org.ebpf4j.kernel.fs.Fs fs;

    private Runtime(Builder b) {
        this.arena = new Arena(b.arenaSize);
        this.rcu = new Rcu("normal");
        this.rcuTasksTrace = new Rcu("tasks-trace");
        this.cpus = b.cpus;
        this.mapRegistry = new MapRegistry(arena);
        this.mapEnv = new MapEnv(arena, cpus, mapRegistry, rcu::callAfterGracePeriod, rcuTasksTrace::callAfterGracePeriod);
        this.nextPid = new AtomicInteger(b.firstPid);
        this.maxFds = b.maxFds;
        this.unprivilegedBpfDisabled = b.unprivilegedBpfDisabled;
        this.kernelBtf = org.ebpf4j.btf.Btf.modelKernel();
        this.mirrors = new org.ebpf4j.kernel.task.KernelMirrors(arena, rcu, cgroups, kernelBtf);
        this.fs = new org.ebpf4j.kernel.fs.Fs(arena, kernelBtf, b.bpfLsm, new org.ebpf4j.kernel.fs.Fs.Hooks() {
            @Override public void register(org.ebpf4j.kernel.fs.Inode inode, long header) { mirrors.registerOwner(inode, header); }

            @Override public void unregister(long addr) { mirrors.unregisterOwner(addr); }

            @Override public void afterGracePeriod(Runnable free) { rcu.callAfterGracePeriod(free); }
        });
        cgroups.setRemoveListener(fs::kernfsRemove);   // rmdir: the directory's kernfs inode loses its dentry
        this.tracepoints = new org.ebpf4j.kernel.trace.Tracepoints(this);
        // the trampolines of the modelled kernel functions, and the call sites below the kernel layer
        this.trampolines = new org.ebpf4j.kernel.trampoline.Trampolines(this);
        org.ebpf4j.map.storage.StorageProbes.of(mapRegistry).setUpdate(trampolines.of("bpf_local_storage_update"));
        this.lsm = new org.ebpf4j.kernel.trampoline.Lsm(this);
        if (b.bpfLsm) {   // the BPF LSM's hooks are registered only when it is in lsm=
            org.ebpf4j.kernel.trampoline.Lsm hooks = lsm;
            fs.setSecurityHooks(new org.ebpf4j.kernel.fs.SecurityHooks() {
                @Override public int fileOpen(Task task, long file) { return hooks.fileOpen(task, file); }

                @Override public int inodeUnlink(Task task, long dir, long dentry) { return hooks.inodeUnlink(task, dir, dentry); }

                @Override public void bprmCommittedCreds(Task task, long bprm) { hooks.bprmCommittedCreds(task, bprm); }

                @Override public int inodeRename(Task task, long oldDir, long oldDentry, long newDir, long newDentry) {
                    return hooks.inodeRename(task, oldDir, oldDentry, newDir, newDentry);
                }
            });
        }
        this.testFunctions = new org.ebpf4j.kernel.trampoline.TestFunctions(this);
        this.progs = new org.ebpf4j.kernel.prog.ProgEnv(this);   // it reads the fields above
        // init_net, and the helpers of the socket and cgroup hooks in the one helper table
        // (which program type may call which is ProgTypes' business, as get_func_proto's).
        this.net = new org.ebpf4j.kernel.net.Net(this, cgroups);
        new org.ebpf4j.kernel.net.NetHelpers(net).registerInto(progs.helpers());
        new org.ebpf4j.kernel.trampoline.FuncArgHelpers(arena).registerInto(progs.helpers());
        this.sysctl = new org.ebpf4j.kernel.sysctl.Sysctl(this);
        sysctl.helpers().registerInto(progs.helpers());
    }

    public static Builder builder() { return new Builder(); }

    /** Options of a runtime; every one has the documented default. */
    public static final class Builder {
        private long arenaSize = 256L << 20;
        private int cpus = java.lang.Runtime.getRuntime().availableProcessors();
        private int maxFds = 1 << 16;
        private int firstPid = 1000;
        private int unprivilegedBpfDisabled = 2;
        private boolean bpfLsm = true;

        private Builder() {}

        /** Bytes of the arena (default 256 MiB). */
        public Builder arenaSize(long bytes) {
            this.arenaSize = bytes;
            return this;
        }

        /** Number of virtual CPUs, {@code num_possible_cpus()} (default: available processors). */
        public Builder cpus(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("cpus " + n + " must be >= 1");
            }
            this.cpus = n;
            return this;
        }

        /** RLIMIT_NOFILE of every task (default 65536). */
        public Builder maxFds(int n) {
            if (n < 4) {
                throw new IllegalArgumentException("maxFds " + n + " leaves no room after stdio");
            }
            this.maxFds = n;
            return this;
        }

        /** The pid of the first spawned task (default 1000). */
        public Builder firstPid(int pid) {
            this.firstPid = pid;
            return this;
        }

        /** {@code kernel.unprivileged_bpf_disabled} (default 2, as on this machine's kernel). */
        public Builder unprivilegedBpfDisabled(int value) {
            this.unprivilegedBpfDisabled = value;
            return this;
        }

        /**
         * Whether the BPF LSM is active ({@code CONFIG_BPF_LSM} and "bpf" in {@code lsm=}; default
         * true, as the upstream selftests assume): off, inodes have no BPF blob, so INODE_STORAGE
         * cannot hold anything (helper get NULL, update EBADF, lookup/delete ENOENT).
         */
        public Builder bpfLsm(boolean on) {
            this.bpfLsm = on;
            return this;
        }

        public Runtime build() { return new Runtime(this); }
    }

    // ---- what it owns ----

    public Arena arena() { return arena; }

    /** The normal RCU domain: every program run is a read-side section of it. */
    public Rcu rcu() { return rcu; }

    /** The tasks-trace RCU domain (sleepable programs, {@code rcu_read_lock_trace}). */
    public Rcu rcuTasksTrace() { return rcuTasksTrace; }

    /** {@code num_possible_cpus()}. */
    public int cpus() { return cpus; }

    public MapRegistry mapRegistry() { return mapRegistry; }

    /** What map types are created with (arena, cpus, registry, deferred free through {@link #rcu()}). */
    public MapEnv mapEnv() { return mapEnv; }

    public IdTable<MapObject> mapIds() { return mapIds; }

    public IdTable<ProgObject> progIds() { return progIds; }

    public IdTable<LinkObject> linkIds() { return linkIds; }

    public IdTable<BtfObject> btfIds() { return btfIds; }

    /** The bpffs mounted at {@value BpfFs#MOUNT}. */
    public BpfFs bpffs() { return bpffs; }

    public int unprivilegedBpfDisabled() { return unprivilegedBpfDisabled; }

    /** The cgroup v2 hierarchy with its BPF attachments. */
    public org.ebpf4j.kernel.cgroup.CgroupTree cgroups() { return cgroups; }

    /** The BTF of the modelled kernel ({@code /sys/kernel/btf/vmlinux}): CO-RE target, attach_btf_id and kfunc names. */
    public org.ebpf4j.btf.Btf kernelBtf() { return kernelBtf; }

    /** The arena mirrors of tasks and cgroups ({@code task_struct}, {@code cgroup} ...) programs read. */
    public org.ebpf4j.kernel.task.KernelMirrors mirrors() { return mirrors; }

    /** The raw tracepoints ({@code sys_enter}) tracing programs attach to. */
    public org.ebpf4j.kernel.trace.Tracepoints tracepoints() { return tracepoints; }

    /** The BPF trampolines of the modelled kernel functions (fentry/fexit/fmod_ret/lsm). */
    public org.ebpf4j.kernel.trampoline.Trampolines trampolines() { return trampolines; }

    /** The security hooks BPF LSM programs attach to ({@code security_*} → {@code bpf_lsm_*}). */
    public org.ebpf4j.kernel.trampoline.Lsm lsm() { return lsm; }

    /** net/bpf/test_run.c's traced test functions and {@code bpf_prog_test_run_tracing}. */
    public org.ebpf4j.kernel.trampoline.TestFunctions testFunctions() { return testFunctions; }

    /** What programs run with: helpers, engines, the trace pipe ({@code kernel.prog}). */
    public org.ebpf4j.kernel.prog.ProgEnv progs() { return progs; }

    /** The network namespace ({@code init_net}): sockets, loopback, the socket hooks. */
    public org.ebpf4j.kernel.net.Net net() { return net; }

    /** The modelled /proc/sys, whose reads and writes run the cgroup/sysctl hook. */
    public org.ebpf4j.kernel.sysctl.Sysctl sysctl() { return sysctl; }

    /** The filesystem model: files, inodes, whether the BPF LSM gives them blobs. */
    public org.ebpf4j.kernel.fs.Fs fs() { return fs; }

    /** The legacy cgroup storage run context every cgroup hook run of this runtime uses. */
    public org.ebpf4j.map.storage.CgroupStorageRunCtx cgroupStorageCtx() { return cgroupStorageCtx; }

    // ---- objects ----

    /**
     * Wraps a freshly created (published) map: its id joins {@link #mapIds()} and the caller
     * holds the one reference, which is also a user reference (for the fd it installs next).
     * {@code btf}, if not null, is a reference the map takes over.
     */
    public MapObject adoptMap(BpfMap map, BtfObject btf, int btfKeyTypeId, int btfValueTypeId, String origin) {
        return new MapObject(map, mapIds, btf, btfKeyTypeId, btfValueTypeId, origin);
    }

    /** A new BTF object, published in {@link #btfIds()}; the caller holds its one reference. */
    public BtfObject newBtf(org.ebpf4j.btf.Btf btf, byte[] raw, String origin) {
        return new BtfObject(btf, raw, btfIds, origin);
    }

    /** The live map whose kernel address (map pointer held by programs) is {@code addr}, or null. */
    public MapObject mapByAddress(long addr) {
        BpfMap m = mapRegistry.byAddress(addr);
        return m == null ? null : mapIds.get(m.id());
    }

    // ---- processes ----

    /** fork+exec: a new process with its own fd table; uid 0 has every capability. */
    public Task spawn(String comm, int uid, int gid) { return spawn(comm, uid, gid, EnumSet.noneOf(Cap.class)); }

    /** A new process holding {@code caps} in addition to what uid 0 implies. */
    public Task spawn(String comm, int uid, int gid, Set<Cap> caps) {
        if (closed) {
            throw new IllegalStateException("runtime is closed");
        }
        Task t = new Task(this, nextPid.getAndIncrement(), comm, uid, gid, caps, maxFds);
        tasks.put(t.pid(), t);
        return t;
    }

    /** The live task with this pid, or null. */
    public Task task(int pid) { return tasks.get(pid); }

    /** Live tasks. */
    public List<Task> tasks() { return List.copyOf(tasks.values()); }

    void reap(Task t) { tasks.remove(t.pid(), t); }

    // ---- lifetime ----

    /**
     * What this runtime still holds, one line each: open BPF fds of live tasks, bpffs pins, and
     * every object still alive by id (with its refcount and who made it). Empty when clean.
     */
    public List<String> leaks() {
        List<String> out = new ArrayList<>();
        for (Task t : tasks.values()) {
            for (String fd : t.fds().describeOpen()) {
                out.add(t + ": " + fd);
            }
        }
        for (String pin : bpffs.describePins()) {
            out.add("pin " + pin);
        }
        for (IdTable<? extends KernelObject> ids : List.of(mapIds, progIds, linkIds, btfIds)) {
            for (KernelObject o : ids.snapshot()) {
                out.add("live " + o);
            }
        }
        return out;
    }

    /** Waits until every deferred free queued so far has run ({@code rcu_barrier}). */
    public void barrier() {
        rcu.barrier();
        rcuTasksTrace.barrier();
    }

    /**
     * Exits every task, unmounts bpffs (dropping pins), waits for deferred frees and releases
     * the arena. Objects still referenced elsewhere (a bug) are simply abandoned with the arena.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Task t : tasks()) {
            t.exit();
        }
        bpffs.clear();
        // the two domains feed each other (a sleepable-held free waits tasks-trace, then a normal
        // grace period): drain both until neither has work, then stop them, then free the memory
        do {
            rcuTasksTrace.barrier();
            rcu.barrier();
        } while (!rcuTasksTrace.idle() || !rcu.idle());
        rcuTasksTrace.close();
        rcu.close();
        arena.close();
    }
}
