package org.ebpf4j.scenario;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.helpers.TracePipe;
import org.ebpf4j.uapi.BpfException;

/**
 * Runs a {@link Scenario} on a fresh embedded world ({@link World}: one runtime with its cgroup
 * tree and network). Objects are known by the names steps give them (processes, sockets,
 * programs, maps, links; cgroups by path), never by raw fds; every BPF operation is a bpf(2)
 * command through {@code syscall.Bpf} and programs are loaded with BPF_PROG_LOAD, from ELF
 * objects or inline assembly. Each step yields one {@link Outcome}; a step whose fields are
 * wrong stops the run with a {@link ScenarioException} naming it.
 */
public final class ScenarioRunner implements AutoCloseable {
    private final World w;
    private final ProgSteps progSteps;
    private final MapSteps mapSteps;
    private final SocketSteps socketSteps;
    private final DiagSteps diagSteps;
    private final IterSteps iterSteps;

    /** A runner whose relative object paths resolve against the working directory. */
    public ScenarioRunner() { this(Path.of("")); }

    /** A runner whose relative {@code object:} paths resolve against {@code baseDir} (the scenario file's directory). */
    public ScenarioRunner(Path baseDir) {
        this.w = new World(baseDir);
        this.progSteps = new ProgSteps(w);
        this.mapSteps = new MapSteps(w);
        this.socketSteps = new SocketSteps(w);
        this.diagSteps = new DiagSteps(w);
        this.iterSteps = new IterSteps(w);
    }

    /** Runs every step, handing each outcome to {@code sink} as it completes; returns them all. */
    public List<Outcome> run(Scenario sc, Consumer<Outcome> sink) {
        List<Outcome> out = new ArrayList<>();
        for (Step s : sc.steps()) {
            Outcome o = step(s);
            out.add(o);
            sink.accept(o);
        }
        return out;
    }

    private Outcome step(Step s) {
        String[] msg = {s.action()};
        Object value;
        String errno = null;
        try {
            value = perform(s, msg);
        } catch (BpfException e) {
            value = null;
            errno = e.errno().name();
            msg[0] = msg[0] + " [" + e.getMessage() + "]";
        }
        String note = s.str("say", null);
        if (note != null && !s.action().equals("say")) {
            msg[0] = msg[0] + "  # " + note;
        }
        return Expect.judge(s, msg[0], value, errno);
    }

    /** Performs one step; returns its value (or null); throws BpfException for a failed operation. */
    private Object perform(Step s, String[] msg) {
        switch (s.action()) {
            case "say" -> {
                msg[0] = "-- " + s.name();
                return null;
            }
            case "cgroup" -> {
                Cgroup c = w.tree.mkdirs(s.name());
                msg[0] = "mkdir " + c.path();
                return c.id();
            }
            case "rmdir" -> {
                msg[0] = "rmdir " + s.name();
                w.tree.rmdir(w.tree.lookup(s.name()));
                return null;
            }
            case "process" -> {
                String name = s.name();
                if (w.processes.containsKey(name)) {
                    throw new ScenarioException(s.where() + ": process '" + name + "' already exists");
                }
                String cg = s.str("cgroup", "/");
                msg[0] = "start process " + name + " in " + cg;
                Task t = w.rt.spawn(name, s.integer("uid", 0), s.integer("uid", 0));
                w.processes.put(name, t);
                w.cgroupFs.moveTask(t, w.tree.lookup(cg));
                return t.pid();
            }
            case "move" -> {
                Task t = w.process(s, s.name());
                Cgroup c = w.tree.lookup(s.str("cgroup"));
                msg[0] = "move " + s.name() + " to " + c.path();
                w.cgroupFs.moveTask(t, c);
                return null;
            }
            case "exit" -> {
                Task t = w.process(s, s.name());
                msg[0] = "exit " + s.name() + " (its fds close)";
                t.exit();
                w.processes.remove(s.name());
                w.sockets.values().removeIf(v -> v[0] == t.pid());
                w.links.values().removeIf(h -> h.task() == t);
                w.progs.values().removeIf(h -> h.task() == t);
                w.maps.values().removeIf(h -> h.task() == t);
                return null;
            }
            case "trace" -> {
                msg[0] = "trace pipe";
                List<String> lines = new ArrayList<>();
                for (TracePipe.Event e : w.rt.progs().tracePipe().read()) {
                    lines.add(e.message());
                }
                return lines;
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
            case "pin" -> { return progSteps.pin(s, msg); }
            case "get" -> { return progSteps.get(s, msg); }
            case "test-run" -> { return progSteps.testRun(s, msg); }
            case "map" -> { return mapSteps.map(s, msg); }
            case "socket" -> { return socketSteps.socket(s, msg); }
            case "ss" -> { return diagSteps.ss(s, msg); }
            case "iter" -> { return iterSteps.iter(s, msg); }
            case "sysctl" -> { return sysctl(s, msg); }
            case "close" -> {
                return w.sockets.containsKey(s.name()) ? socketSteps.op(s, msg) : progSteps.close(s, msg);
            }
            case "bind", "connect", "listen", "accept", "send", "recv", "getsockname", "getpeername",
                 "setsockopt", "getsockopt", "cookie" -> {
                return socketSteps.op(s, msg);
            }
            default -> throw new ScenarioException(s.where() + ": unknown action '" + s.action() + "' (see docs/scenarios.md)");
        }
    }

    /**
     * {@code sysctl: PATH} by {@code process}: a read (value: the text without its newline) or with
     * {@code write: VALUE} a write (value: the count written); the cgroup/sysctl hook of the
     * process's cgroup runs first, and a denial is the step's errno (EPERM).
     */
    private Object sysctl(Step s, String[] msg) {
        Task t = w.process(s, s.str("process"));
        String path = s.name();
        String value = s.body().has("write") ? s.str("write") : null;
        org.ebpf4j.kernel.sysctl.Sysctl.Access a;
        try {
            a = value == null ? w.rt.sysctl().read(t, path) : w.rt.sysctl().write(t, path, value);
        } catch (IllegalArgumentException e) {
            throw new ScenarioException(s.where() + ": " + e.getMessage());
        }
        msg[0] = (value == null ? "read " : "write '" + value + "' to ") + "/proc/sys/" + path + " by " + s.str("process");
        org.ebpf4j.uapi.Errno.check(a.ret(), msg[0]);
        return value == null ? a.data().stripTrailing() : a.ret();
    }

    @Override
    public void close() { w.close(); }
}
