package org.ebpf4j.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.ebpf4j.host.HostBpf;
import org.ebpf4j.host.HostUnavailableException;
import org.ebpf4j.host.Libc;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.uapi.BpfException;

/**
 * Runs a {@link Scenario} against this machine's kernel ({@code ebpf4j scenario --host}), so the
 * same file can be compared step by step with {@link ScenarioRunner}'s model. Cgroups are made
 * under a private cgroup2 subtree {@code /sys/fs/cgroup/unified/ebpf4j-<pid>-<n>} that stands
 * for the scenario's {@code /}; processes are {@link HostAgent} child JVMs moved into them with
 * cgroup.procs; programs, maps and links are loaded and attached through bpf(2) over FFM
 * ({@link HostProgSteps}). Safety rules, enforced here and in the agent: nothing is attached
 * outside the subtree made by this run, only agents enter it, addresses are loopback, and a
 * port below 20000 is shifted ({@link #shift}; values name the scenario's port again);
 * steps that would touch the machine ({@code sysctl}, {@code trace}, {@code ss}, pins, …) are
 * skipped, not failed. {@link #close()} kills the agents, closes every fd and removes the subtree.
 */
public final class HostScenarioRunner implements AutoCloseable {
    /** cgroup2 of this machine (hybrid layout); the subtree goes right under it. */
    public static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified");

    final HostBpf bpf;
    final Libc libc = new Libc();
    final Path baseDir;
    final Path root;
    final Map<String, HostAgent> processes = new LinkedHashMap<>();
    /** socket name → {agent name, fd in the agent}. */
    final Map<String, String[]> sockets = new HashMap<>();
    private final Set<Integer> shiftedPorts = new HashSet<>();
    private final HostProgSteps progSteps;
    private final HostIterSteps iterSteps;
    private final Thread hook;

    /**
     * Binds to the kernel and makes the private subtree (after removing stale ones of dead runs).
     *
     * @throws HostUnavailableException when bpf(2) or cgroup2 at {@link #UNIFIED} cannot be used
     */
    public HostScenarioRunner(Path baseDir) {
        if (!Files.isRegularFile(UNIFIED.resolve("cgroup.procs")) || !Files.exists(UNIFIED.resolve("cgroup.subtree_control"))) {
            throw new HostUnavailableException("no cgroup2 hierarchy at " + UNIFIED);
        }
        this.bpf = HostBpf.open();
        this.baseDir = baseDir;
        removeStale();
        this.root = makeRoot();
        try {
            this.progSteps = new HostProgSteps(this);
            this.iterSteps = new HostIterSteps(this, progSteps);
        } catch (RuntimeException e) {
            removeTree(root);   // BPF_ENABLE_STATS refused: leave nothing behind
            throw e;
        }
        this.hook = new Thread(this::cleanup, "ebpf4j-host-scenario-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Runs every step, handing each outcome to {@code sink}; returns them all. */
    public List<Outcome> run(Scenario sc, Consumer<Outcome> sink) {
        List<Outcome> out = new ArrayList<>();
        for (Step s : sc.steps()) {
            Outcome o = step(s);
            out.add(o);
            sink.accept(o);
        }
        return out;
    }

    /** Thrown by a step the host cannot (or may not) run. */
    static final class Skip extends RuntimeException {
        Skip(String why) { super(why, null, false, false); }
    }

    private Outcome step(Step s) {
        String[] msg = {s.action()};
        Object value;
        String errno = null;
        try {
            value = perform(s, msg);
        } catch (Skip k) {
            return Outcome.skipped(s, msg[0], k.getMessage());
        } catch (BpfException e) {
            value = null;
            errno = e.errno().name();
            msg[0] = msg[0] + " [" + e.getMessage() + "]";
        }
        return Expect.judge(s, msg[0], value, errno);
    }

    private Object perform(Step s, String[] msg) {
        switch (s.action()) {
            case "say" -> {
                msg[0] = "-- " + s.name();
                return null;
            }
            case "cgroup" -> {
                Path p = cgroupPath(s, s.name());
                msg[0] = "mkdir " + s.name();
                try {
                    Files.createDirectories(p);
                    return Files.getAttribute(p, "unix:ino");   // a cgroup2 id is its kernfs inode number
                } catch (IOException e) {
                    throw new ScenarioException(s.where() + ": mkdir " + p + ": " + e.getMessage());
                }
            }
            case "rmdir" -> {
                msg[0] = "rmdir " + s.name();
                Path p = cgroupPath(s, s.name());
                long id;
                try {
                    id = (Long) Files.getAttribute(p, "unix:ino");
                } catch (IOException e) {
                    id = -1;    // no such cgroup: rmdir says ENOENT
                }
                libc.rmdir(p.toString());
                progSteps.awaitRelease(id);
                return null;
            }
            case "process" -> {
                String name = s.name();
                if (processes.containsKey(name)) {
                    throw new ScenarioException(s.where() + ": process '" + name + "' already exists");
                }
                String cg = s.str("cgroup", "/");
                msg[0] = "start process " + name + " in " + cg;
                if (s.integer("uid", 0) != 0) {
                    throw new Skip("processes of another uid are not started on the host");
                }
                Path dir = cgroupPath(s, cg);
                HostAgent a = HostAgent.start(name);
                processes.put(name, a);
                libc.writeFile(dir.resolve("cgroup.procs").toString(), String.valueOf(a.pid()));
                return a.pid();
            }
            case "move" -> {
                HostAgent a = agent(s, s.name());
                msg[0] = "move " + s.name() + " to " + s.str("cgroup");
                libc.writeFile(cgroupPath(s, s.str("cgroup")).resolve("cgroup.procs").toString(), String.valueOf(a.pid()));
                return null;
            }
            case "exit" -> {
                HostAgent a = agent(s, s.name());
                msg[0] = "exit " + s.name() + " (its fds close)";
                a.close();
                processes.remove(s.name());
                sockets.values().removeIf(v -> v[0].equals(s.name()));
                progSteps.exited(s.name());
                return null;
            }
            case "load" -> { return progSteps.load(s, msg); }
            case "prog" -> { return progSteps.prog(s, msg); }
            case "attach" -> { return progSteps.attach(s, msg); }
            case "detach" -> { return progSteps.detach(s, msg); }
            case "query" -> { return progSteps.query(s, msg); }
            case "runs" -> { return progSteps.runs(s, msg); }
            case "link" -> { return progSteps.link(s, msg); }
            case "link-update" -> { return progSteps.linkUpdate(s, msg); }
            case "link-detach" -> { return progSteps.linkDetach(s, msg); }
            case "link-info" -> { return progSteps.linkInfo(s, msg); }
            case "map" -> { return progSteps.mapSteps.map(s, msg); }
            case "iter" -> { return iterSteps.iter(s, msg); }
            case "pin" -> { return progSteps.pin(s, msg); }
            case "get" -> { return progSteps.get(s, msg); }
            case "close" -> {
                return sockets.containsKey(s.name()) ? socketOp(s, msg) : progSteps.close(s, msg);
            }
            case "socket" -> {
                HostAgent a = agent(s, s.str("process"));
                String family = s.str("family", "inet");
                String type = s.str("type", "udp");
                msg[0] = "socket " + s.name() + " (" + type + (family.equals("inet6") ? "6" : "4") + ") by " + a.name;
                sockets.put(s.name(), new String[] {a.name, a.request("socket " + family + " " + type)});
                return null;
            }
            case "bind", "connect", "listen", "accept", "send", "recv", "getsockname", "getpeername",
                 "setsockopt", "getsockopt" -> {
                return socketOp(s, msg);
            }
            case "sysctl", "trace", "ss", "test-run", "cookie" -> {
                msg[0] = s.action() + (s.arg() == null || s.arg().isNull() || s.arg().isContainerNode() ? "" : " " + s.arg().asText());
                throw new Skip(s.action() + " is not run on the host (it would touch the machine, or has no host meaning)");
            }
            default -> throw new ScenarioException(s.where() + ": unknown action '" + s.action() + "' (see docs/scenarios.md)");
        }
    }

    private Object socketOp(Step s, String[] msg) {
        String[] ref = sockets.get(s.name());
        if (ref == null) {
            throw new ScenarioException(s.where() + ": no socket named '" + s.name() + "'");
        }
        HostAgent a = agent(s, ref[0]);
        String fd = ref[1];
        String n = s.name();
        switch (s.action()) {
            case "bind" -> {
                msg[0] = "bind " + n + " to " + s.str("addr");
                return back(a.request("bind " + fd + " " + host(s, s.str("addr"))));
            }
            case "connect" -> {
                msg[0] = "connect " + n + " to " + s.str("addr");
                return back(a.request("connect " + fd + " " + host(s, s.str("addr"))));
            }
            case "listen" -> {
                msg[0] = "listen on " + n;
                a.request("listen " + fd + " " + s.integer("backlog", 128));
                return null;
            }
            case "accept" -> {
                String as = s.str("as");
                msg[0] = "accept on " + n + " as " + as;
                String[] r = a.request("accept " + fd).split(" ");
                sockets.put(as, new String[] {a.name, r[0]});
                return back(r[1]);
            }
            case "send" -> {
                byte[] data = s.str("data", "").getBytes(StandardCharsets.UTF_8);
                String to = s.body().has("to") ? host(s, s.str("to")) : null;
                msg[0] = "send " + data.length + " bytes on " + n + (to == null ? "" : " to " + s.str("to"));
                return Long.parseLong(a.request("send " + fd + " " + hex(data) + (to == null ? "" : " " + to)));
            }
            case "recv" -> {
                msg[0] = "recv on " + n;
                String[] r = a.request("recv " + fd + " " + s.integer("max", 65536)).split(" ", -1);
                String data = r[0].isEmpty() ? "" : new String(HexFormat.of().parseHex(r[0]), StandardCharsets.UTF_8);
                return data + " from " + back(r[1]);
            }
            case "close" -> {
                msg[0] = "close " + n;
                a.request("close " + fd);
                sockets.remove(n);
                return null;
            }
            case "getsockname", "getpeername" -> {
                msg[0] = s.action() + " " + n;
                return back(a.request(s.action() + " " + fd));
            }
            case "setsockopt" -> {
                msg[0] = "setsockopt " + n + " " + s.str("level") + " " + s.str("opt");
                var v = s.body().get("value");
                byte[] bytes = v != null && v.isInt() ? MapSteps.le(v.asInt(), 4) : s.str("value").getBytes(StandardCharsets.UTF_8);
                a.request("setsockopt " + fd + " " + SockoptNames.level(s) + " " + SockoptNames.opt(s) + " " + hex(bytes));
                return null;
            }
            default -> {
                msg[0] = "getsockopt " + n + " " + s.str("level") + " " + s.str("opt");
                String r = a.request("getsockopt " + fd + " " + SockoptNames.level(s) + " " + SockoptNames.opt(s) + " "
                        + s.integer("optlen", 4));
                byte[] b = r == null ? new byte[0] : HexFormat.of().parseHex(r);
                String format = s.str("format", "auto");
                return switch (format) {
                    case "int" -> b.length <= 8 ? MapSteps.value(b) : "0x" + HexFormat.of().formatHex(b);
                    case "text" -> new String(b, StandardCharsets.ISO_8859_1).replace("\0", "");
                    case "auto" -> b.length == 4 ? MapSteps.value(b) : new String(b, StandardCharsets.ISO_8859_1).replace("\0", "");
                    default -> throw new ScenarioException(s.where() + ": getsockopt format '" + format + "' (auto, int, text)");
                };
            }
        }
    }

    private static String hex(byte[] b) { return b.length == 0 ? "-" : HexFormat.of().formatHex(b); }

    /** The address the host uses for a scenario address: loopback only; a port in 1..19999 shifted up. */
    private String host(Step s, String text) {
        SockAddr a;
        try {
            a = SockAddr.parse(text);
        } catch (BpfException e) {
            throw new ScenarioException(s.where() + ": " + e.getMessage());
        }
        if (!a.isLoopback()) {
            throw new Skip("non-loopback address " + text + " (host safety rule)");
        }
        if (a.port() > 0 && a.port() < 20000) {
            shiftedPorts.add(a.port());
            a = a.withPort(shift(a.port()));
        }
        return a.toString();
    }

    /** 1..12767 → 20001..32767 (below Linux's ephemeral range, so no random port collides); 12768..19999 → +40000. */
    static int shift(int port) { return port < 12768 ? port + 20000 : port + 40000; }

    /** A host address as the scenario names it: a shifted port back to its own number. */
    private String back(String text) {
        if (text == null) {
            return null;
        }
        SockAddr a = SockAddr.parse(text);
        for (int p : shiftedPorts) {
            if (shift(p) == a.port()) {
                return a.withPort(p).toString();
            }
        }
        return text;
    }

    HostAgent agent(Step s, String name) {
        HostAgent a = processes.get(name);
        if (a == null) {
            throw new ScenarioException(s.where() + ": no process named '" + name + "'");
        }
        return a;
    }

    /** The host directory of scenario cgroup {@code path}: always inside this run's subtree. */
    Path cgroupPath(Step s, String path) {
        Path p = root.resolve(path.replaceFirst("^/+", "")).normalize();
        if (!p.startsWith(root)) {
            throw new ScenarioException(s.where() + ": cgroup path " + path + " leaves the scenario's tree");
        }
        return p;
    }

    /** An fd of the scenario cgroup {@code path} (O_DIRECTORY), for one attach call; the caller closes it. */
    int openCgroup(Step s, String path) {
        Path p = cgroupPath(s, path);
        return libc.open(p.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY);
    }

    private Path makeRoot() {
        long pid = ProcessHandle.current().pid();
        for (int n = 0; n < 1000; n++) {
            Path p = UNIFIED.resolve("ebpf4j-" + pid + "-" + n);
            try {
                return Files.createDirectory(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another runner of this JVM: next number
            } catch (IOException e) {
                throw new HostUnavailableException("cannot make " + p + ": " + e.getMessage());
            }
        }
        throw new HostUnavailableException("no free ebpf4j-" + pid + "-N name under " + UNIFIED);
    }

    /** Removes subtrees {@code ebpf4j-<pid>-<n>} whose JVM is gone (a crashed run), bottom-up; busy ones stay. */
    private void removeStale() {
        try (Stream<Path> l = Files.list(UNIFIED)) {
            for (Path p : l.toList()) {
                String n = p.getFileName().toString();
                if (!n.matches("ebpf4j-\\d+-\\d+")) {
                    continue;
                }
                long pid = Long.parseLong(n.split("-")[1]);
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                removeTree(p);
                HostProgSteps.removePins(Path.of("/sys/fs/bpf", n));
            }
        } catch (IOException e) {
            // nothing stale to see
        }
    }

    private void removeTree(Path top) {
        List<Path> dirs;
        try (Stream<Path> w = Files.walk(top)) {
            dirs = w.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        } catch (IOException e) {
            return;
        }
        for (Path d : dirs) {
            for (int i = 0; i < 20; i++) {
                try {
                    libc.rmdir(d.toString());
                    break;
                } catch (BpfException e) {
                    if (e.errno() != org.ebpf4j.uapi.Errno.EBUSY) {
                        break;
                    }
                    try {
                        Thread.sleep(50);   // an agent just reaped: its css_set goes a moment later
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private synchronized void cleanup() {
        processes.values().forEach(HostAgent::close);
        processes.clear();
        progSteps.closeAll();
        if (Files.exists(root)) {
            removeTree(root);
        }
    }

    /** Kills the agents, closes every program, map and link fd, removes the subtree. */
    @Override
    public void close() {
        cleanup();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook runs anyway
        }
    }
}
