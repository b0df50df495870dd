package org.ebpf4j.scenario;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgroupTree;
import org.ebpf4j.kernel.link.CgroupAttachCommands;
import org.ebpf4j.kernel.net.Net;
import org.ebpf4j.syscall.KernelBpf;

/**
 * The embedded world one scenario runs in, and the names the scenario gave its objects. Every
 * BPF object is reached through an fd of some task, as a user's tool would: programs, maps and
 * links belong to the scenario's own root process ({@link #loader}) unless a step says
 * {@code process:}, so that the process's exit closes them.
 */
final class World implements AutoCloseable {
    /** An fd of a task: how the scenario holds a program, map or link. */
    record Held(Task task, int fd) {}

    final Runtime rt = Runtime.builder().arenaSize(64L << 20).cpus(2).build();
    final KernelBpf bpf = new KernelBpf(rt);
    final Net net = rt.net();
    final CgroupTree tree = rt.cgroups();
    final CgroupAttachCommands cgroupFs = new CgroupAttachCommands(rt);
    /** The scenario runner's own process (root, in the root cgroup). */
    final Task loader = rt.spawn("scenario", 0, 0);
    final Path baseDir;

    final Map<String, Task> processes = new HashMap<>();
    /** socket name → {pid, fd} in the owning process. */
    final Map<String, int[]> sockets = new HashMap<>();
    final Map<String, Held> progs = new LinkedHashMap<>();
    final Map<Integer, String> progNames = new HashMap<>();
    final Map<String, Held> maps = new LinkedHashMap<>();
    final Map<String, Held> links = new LinkedHashMap<>();
    final List<BpfObject> objects = new ArrayList<>();

    World(Path baseDir) {
        this.baseDir = baseDir;
        rt.progs().statsEnabled().incrementAndGet();   // BPF_ENABLE_STATS: run counts for `runs:`
    }

    Task process(Step s, String name) {
        Task t = processes.get(name);
        if (t == null) {
            throw new ScenarioException(s.where() + ": no process named '" + name + "'");
        }
        return t;
    }

    Held prog(Step s, String name) { return named(s, progs, "program", name); }

    Held map(Step s, String name) { return named(s, maps, "map", name); }

    Held link(Step s, String name) { return named(s, links, "link", name); }

    private static Held named(Step s, Map<String, Held> m, String what, String name) {
        Held h = m.get(name);
        if (h == null) {
            throw new ScenarioException(s.where() + ": no " + what + " named '" + name + "' (known: " + m.keySet() + ")");
        }
        return h;
    }

    /** The task that owns BPF fds made by step {@code s}: {@code process:} if given, else the loader. */
    Task owner(Step s) {
        String p = s.str("process", null);
        return p == null ? loader : process(s, p);
    }

    /** Opens the cgroup directory {@code path} as {@code task} for one call; the caller closes it. */
    int openCgroup(Task task, String path) { return cgroupFs.openCgroup(task, path); }

    String progName(int id) { return progNames.getOrDefault(id, "id " + id); }

    @Override
    public void close() {
        for (BpfObject o : objects) {
            try {
                o.close();
            } catch (RuntimeException e) {
                // the runtime is going anyway
            }
        }
        rt.close();
    }
}
