package org.ebpf4j.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Anchors;
import org.ebpf4j.kernel.cgroup.AttachFlags;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupTree;
import org.ebpf4j.kernel.cgroup.QueryResult;
import org.ebpf4j.kernel.net.Net;
import org.ebpf4j.map.storage.LocalStorageHelpers;
import org.ebpf4j.kernel.net.NetHelpers;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.Socket;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.vm.Interpreter;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * Runs a {@link Scenario} on a fresh embedded world: one {@link Runtime}, a cgroup tree, a
 * network. Objects are known by the names steps give them (processes, sockets, programs;
 * cgroups by path), never by raw fds. Each step yields one {@link Outcome}; a step whose
 * fields are wrong stops the run with a {@link ScenarioException} naming it.
 */
public final class ScenarioRunner implements AutoCloseable {
    private final Runtime rt = Runtime.builder().arenaSize(32L << 20).cpus(2).build();
    private final CgroupTree tree = new CgroupTree(id -> rt.tasks().stream().anyMatch(t -> t.cgroupId() == id));
    private final Net net = new Net(rt, tree);
    private final HelperTable helpers = HelperTable.base();
    private final Interpreter engine;
    private final Map<String, Task> processes = new HashMap<>();
    private final Map<String, int[]> sockets = new HashMap<>();   // name → {pid, fd}
    private final Map<String, AsmProgram> progs = new LinkedHashMap<>();
    private int nextProgId = 1;

    public ScenarioRunner() {
        new NetHelpers(net).registerInto(helpers);
        LocalStorageHelpers.register(helpers, rt.mapRegistry(), net::socketAt);   // sk_storage_get/delete on skb->sk
        engine = new Interpreter(rt.arena(), helpers, Set.of());
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
        return Expect.judge(s, msg[0], value, errno);
    }

    /** Performs one step; returns its value (or null); throws BpfException for a failed operation. */
    private Object perform(Step s, String[] msg) {
        switch (s.action()) {
            case "cgroup" -> {
                Cgroup c = tree.mkdirs(s.name());
                msg[0] = "mkdir " + c.path();
                return c.id();
            }
            case "rmdir" -> {
                msg[0] = "rmdir " + s.name();
                tree.rmdir(tree.lookup(s.name()));
                return null;
            }
            case "process" -> {
                String name = s.name();
                if (processes.containsKey(name)) {
                    throw new ScenarioException(s.where() + ": process '" + name + "' already exists");
                }
                Task t = rt.spawn(name, s.integer("uid", 0), s.integer("uid", 0));
                t.setCgroupId(tree.lookup(s.str("cgroup", "/")).id());
                processes.put(name, t);
                msg[0] = "start process " + name + " in " + s.str("cgroup", "/");
                return t.pid();
            }
            case "move" -> {
                Task t = process(s, s.name());
                Cgroup c = tree.lookup(s.str("cgroup"));
                t.setCgroupId(c.id());
                msg[0] = "move " + s.name() + " to " + c.path();
                return null;
            }
            case "exit" -> {
                Task t = process(s, s.name());
                t.exit();
                processes.remove(s.name());
                sockets.values().removeIf(v -> v[0] == t.pid());
                msg[0] = "exit " + s.name();
                return null;
            }
            case "prog" -> {
                String name = s.name();
                AttachType at = attachType(s);
                CgroupHook h = CgroupHook.of(at);
                AsmProgram p = new AsmProgram(nextProgId++, name, h.progType(), at, engine, s.str("asm"));
                progs.put(name, p);
                msg[0] = "load program " + name + " (" + h.progType() + ", " + at + ")";
                return p.id();
            }
            case "attach", "detach" -> {
                AsmProgram p = prog(s, s.name());
                Cgroup c = tree.lookup(s.str("cgroup"));
                CgroupHook h = CgroupHook.of(p.expectedAttachType());
                if (s.action().equals("attach")) {
                    int flags = flags(s);
                    AsmProgram replace = s.body().has("replace") ? prog(s, s.str("replace")) : null;
                    tree.bpf().attach(c, p, replace, null, h, flags, 0, 0, Anchors.NONE);
                    msg[0] = "attach " + p.name + " to " + c.path() + " " + h.attachType() + (flags == 0 ? "" : " flags " + flagNames(flags));
                } else {
                    tree.bpf().detach(c, p, null, h, 0);
                    msg[0] = "detach " + p.name + " from " + c.path();
                }
                return null;
            }
            case "query" -> {
                Cgroup c = tree.lookup(s.name());
                AttachType at = attachType(s);
                boolean eff = s.body().path("effective").asBoolean(false);
                QueryResult q = tree.bpf().query(c, CgroupHook.of(at), eff);
                msg[0] = "query " + c.path() + " " + at + (eff ? " (effective)" : "");
                List<String> names = new ArrayList<>();
                for (int id : q.progIds()) {
                    names.add(progName(id));
                }
                return names;
            }
            case "runs" -> {
                AsmProgram p = prog(s, s.name());
                msg[0] = "runs of " + p.name;
                return p.runs.get();
            }
            case "socket" -> {
                Task t = process(s, s.str("process"));
                int family = s.str("family", "inet").equals("inet6") ? SockAddr.AF_INET6 : SockAddr.AF_INET;
                String type = s.str("type", "udp");
                int fd = net.socket(t, family, type.equals("tcp") ? Socket.SOCK_STREAM : Socket.SOCK_DGRAM, 0);
                sockets.put(s.name(), new int[] {t.pid(), fd});
                msg[0] = "socket " + s.name() + " (" + type + (family == SockAddr.AF_INET6 ? "6" : "4") + ") by " + s.str("process");
                return null;
            }
            case "bind", "connect", "listen", "accept", "send", "recv", "close", "getsockname", "getpeername",
                 "setsockopt", "getsockopt", "cookie" -> {
                return socketOp(s, msg);
            }
            default -> throw new ScenarioException(s.where() + ": unknown action '" + s.action() + "' (see docs/scenarios.md)");
        }
    }

    private Object socketOp(Step s, String[] msg) {
        int[] ref = sockets.get(s.name());
        if (ref == null) {
            throw new ScenarioException(s.where() + ": no socket named '" + s.name() + "'");
        }
        Task t = rt.task(ref[0]);
        int fd = ref[1];
        String n = s.name();
        switch (s.action()) {
            case "bind" -> {
                msg[0] = "bind " + n + " to " + s.str("addr");
                net.bind(t, fd, addr(s, "addr"));
                return net.getsockname(t, fd).toString();
            }
            case "connect" -> {
                msg[0] = "connect " + n + " to " + s.str("addr");
                net.connect(t, fd, addr(s, "addr"));
                return net.getpeername(t, fd).toString();
            }
            case "listen" -> {
                msg[0] = "listen on " + n;
                net.listen(t, fd, s.integer("backlog", 128));
                return null;
            }
            case "accept" -> {
                String as = s.str("as");
                msg[0] = "accept on " + n + " as " + as;
                int nfd = net.accept(t, fd);
                sockets.put(as, new int[] {t.pid(), nfd});
                return net.getpeername(t, nfd).toString();
            }
            case "send" -> {
                byte[] data = s.str("data", "").getBytes(StandardCharsets.UTF_8);
                SockAddr to = s.body().has("to") ? addr(s, "to") : null;
                msg[0] = "send " + data.length + " bytes on " + n + (to == null ? "" : " to " + to);
                return net.sendto(t, fd, data, to);
            }
            case "recv" -> {
                msg[0] = "recv on " + n;
                Socket.Datagram d = net.recvfrom(t, fd, s.integer("max", 65536));
                return new String(d.data(), StandardCharsets.UTF_8) + " from " + d.from();
            }
            case "close" -> {
                msg[0] = "close " + n;
                net.close(t, fd);
                sockets.remove(n);
                return null;
            }
            case "getsockname" -> {
                msg[0] = "getsockname " + n;
                return net.getsockname(t, fd).toString();
            }
            case "getpeername" -> {
                msg[0] = "getpeername " + n;
                return net.getpeername(t, fd).toString();
            }
            case "setsockopt" -> {
                msg[0] = "setsockopt " + n + " " + s.str("level") + " " + s.str("opt");
                JsonNode v = s.body().get("value");
                byte[] bytes = v != null && v.isInt() ? intBytes(v.asInt()) : s.str("value").getBytes(StandardCharsets.UTF_8);
                net.setsockopt(t, fd, SockoptNames.level(s), SockoptNames.opt(s), bytes);
                return null;
            }
            case "getsockopt" -> {
                msg[0] = "getsockopt " + n + " " + s.str("level") + " " + s.str("opt");
                byte[] b = net.getsockopt(t, fd, SockoptNames.level(s), SockoptNames.opt(s), s.integer("optlen", 4));
                return b.length == 4 ? (Object) (b[0] & 0xff | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24)
                        : new String(b, StandardCharsets.ISO_8859_1).replace("\0", "");
            }
            default -> {
                msg[0] = "cookie of " + n;
                return net.sock(t, fd).cookie();
            }
        }
    }

    private Task process(Step s, String name) {
        Task t = processes.get(name);
        if (t == null) {
            throw new ScenarioException(s.where() + ": no process named '" + name + "'");
        }
        return t;
    }

    private AsmProgram prog(Step s, String name) {
        AsmProgram p = progs.get(name);
        if (p == null) {
            throw new ScenarioException(s.where() + ": no program named '" + name + "'");
        }
        return p;
    }

    private String progName(int id) {
        for (AsmProgram p : progs.values()) {
            if (p.id() == id) {
                return p.name;
            }
        }
        return "id " + id;
    }

    private static SockAddr addr(Step s, String key) {
        try {
            return SockAddr.parse(s.str(key));
        } catch (BpfException e) {
            throw new ScenarioException(s.where() + ": " + e.getMessage());
        }
    }

    private static AttachType attachType(Step s) {
        String text = s.str("attach_type").toUpperCase(Locale.ROOT).replace('-', '_').replaceFirst("^BPF_", "");
        try {
            AttachType at = AttachType.valueOf(text);
            if (CgroupHook.of(at) == null) {
                throw new IllegalArgumentException();
            }
            return at;
        } catch (IllegalArgumentException e) {
            throw new ScenarioException(s.where() + ": attach_type '" + s.str("attach_type") + "' is not a cgroup attach type");
        }
    }

    private static int flags(Step s) {
        JsonNode f = s.body().get("flags");
        if (f == null) {
            return 0;
        }
        int flags = 0;
        for (JsonNode n : f.isArray() ? f : List.of(f)) {
            flags |= switch (n.asText()) {
                case "override" -> AttachFlags.BPF_F_ALLOW_OVERRIDE;
                case "multi" -> AttachFlags.BPF_F_ALLOW_MULTI;
                case "replace" -> AttachFlags.BPF_F_REPLACE;
                case "preorder" -> AttachFlags.BPF_F_PREORDER;
                default -> throw new ScenarioException(s.where() + ": unknown flag '" + n.asText() + "' (override, multi, replace, preorder)");
            };
        }
        return flags;
    }

    private static String flagNames(int flags) {
        List<String> l = new ArrayList<>();
        if ((flags & AttachFlags.BPF_F_ALLOW_OVERRIDE) != 0) l.add("override");
        if ((flags & AttachFlags.BPF_F_ALLOW_MULTI) != 0) l.add("multi");
        if ((flags & AttachFlags.BPF_F_REPLACE) != 0) l.add("replace");
        if ((flags & AttachFlags.BPF_F_PREORDER) != 0) l.add("preorder");
        return String.join(",", l);
    }

    private static byte[] intBytes(int x) { return new byte[] {(byte) x, (byte) (x >> 8), (byte) (x >> 16), (byte) (x >> 24)}; }

    @Override
    public void close() { rt.close(); }

}
