package org.ebpf4j.scenario;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ebpf4j.elf.MapSpec;
import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.host.HostCgroupBpf;
import org.ebpf4j.host.HostLoader;
import org.ebpf4j.host.HostObject;
import org.ebpf4j.host.ProgLoad;
import org.ebpf4j.kernel.cgroup.AttachFlags;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.ProgType;

/**
 * The program, attach, link and pin steps of {@link HostScenarioRunner} (maps: {@link HostMapSteps}): each one bpf(2) command
 * on the host ({@link HostCgroupBpf}, {@link org.ebpf4j.host.HostBpf}), with the fds held by the
 * runner's JVM. A {@code process:} owner is remembered so that its {@code exit} closes what it
 * held, as the model's exit closes the task's fds. Programs are named in query results by the id
 * the kernel gave them; ids of programs not made by this run (attached above the subtree by the
 * machine) show as {@code id N}.
 */
final class HostProgSteps {
    /** An fd of this JVM standing for a scenario object, and the scenario process said to hold it (null: the scenario). */
    record Held(int fd, String owner, int id) {}


    private final HostScenarioRunner r;
    private final HostCgroupBpf cg;
    private final int statsFd;
    private final Map<String, Held> progs = new LinkedHashMap<>();
    private final Map<String, AttachType> expected = new HashMap<>();
    private final Map<Integer, String> progNames = new HashMap<>();
    private final Map<String, Held> links = new LinkedHashMap<>();
    final HostMapSteps mapSteps;
    private final List<HostObject> objects = new ArrayList<>();
    /** One loader for the run, so vmlinux BTF (attach_btf_id) is parsed once however many objects load. */
    private final HostLoader loader;
    private boolean closed;
    private static final String BPFFS = "/sys/fs/bpf";
    /** This run's bpffs directory for pins: /sys/fs/bpf/ebpf4j-<pid>-<n>, removed at the end. */
    private final Path pinRoot;

    HostProgSteps(HostScenarioRunner r) {
        this.r = r;
        this.cg = new HostCgroupBpf(r.bpf);
        this.mapSteps = new HostMapSteps(r);
        this.loader = new HostLoader(r.bpf);
        this.statsFd = r.bpf.enableStats(org.ebpf4j.host.HostBpf.BPF_STATS_RUN_TIME);   // run_cnt for `runs:`
        this.pinRoot = Path.of(BPFFS, r.root.getFileName().toString());
    }

    Object load(Step s, String[] msg) {
        Path path = r.baseDir.resolve(s.str("object"));
        msg[0] = "load " + s.name() + " from " + s.str("object");
        if (!Files.isRegularFile(path)) {
            throw new ScenarioException(s.where() + ": cannot read " + path);
        }
        HostObject o = loader.load(path);
        objects.add(o);
        for (MapSpec m : o.spec().maps()) {
            mapSteps.add(m.name(), new HostMapSteps.MapRef(o.mapFd(m.name()), m.type(), m.keySize(), m.valueSize()));
        }
        List<String> names = new ArrayList<>();
        List<String> notLoaded = new ArrayList<>();
        for (ProgramSpec p : o.spec().programs()) {
            int fd;
            try {
                fd = o.loadProgram(p.name());
            } catch (BpfException | IllegalArgumentException e) {
                // tracing, LSM and extension programs name a target in the running kernel's BTF
                // (attach_btf_id, resolved by the loader); what this host still refuses for them
                // (a missing target, a kernel symbol, a lockdown EPERM) skips the run with the reason
                if (p.progType() != ProgType.TRACING && p.progType() != ProgType.LSM && p.progType() != ProgType.EXT) {
                    throw e;
                }
                notLoaded.add(p.name() + ": " + firstLine(e.getMessage()));
                continue;
            }
            register(s, p.name(), new Held(fd, null, cg.progInfo(fd).id()), p.expectedAttachType());
            names.add(p.name());
        }
        if (!notLoaded.isEmpty()) {
            throw new HostScenarioRunner.Skip("maps created; the host refused BTF-targeted programs " + notLoaded);
        }
        return names;
    }

    private static String firstLine(String m) {
        return m == null ? "" : m.lines().findFirst().orElse("");
    }

    Object prog(Step s, String[] msg) {
        String name = s.name();
        AttachType at = ProgSteps.attachType(s, s.str("attach_type"));
        CgroupHook h = CgroupHook.of(at);
        msg[0] = "load program " + name + " (" + h.progType() + ", " + at + ")";
        List<org.ebpf4j.isa.Insn> insns = ProgSteps.assemble(s);
        int fd = r.bpf.progLoad(new ProgLoad(h.progType(), insns, "GPL", name.length() > 15 ? name.substring(0, 15) : name,
                at, 0, 0, 0, List.of()));
        Held held = new Held(fd, s.str("process", null), cg.progInfo(fd).id());
        register(s, name, held, at);
        return held.id();
    }

    private void register(Step s, String name, Held h, AttachType at) {
        if (progs.containsKey(name)) {
            r.bpf.close(h.fd());
            throw new ScenarioException(s.where() + ": a program named '" + name + "' already exists");
        }
        progs.put(name, h);
        expected.put(name, at);
        progNames.put(h.id(), name);
    }

    /** The host fd of scenario program {@code name}. */
    int progFd(Step s, String name) { return prog(s, name).fd(); }

    private Held prog(Step s, String name) {
        Held h = progs.get(name);
        if (h == null) {
            throw new ScenarioException(s.where() + ": no program named '" + name + "' (known: " + progs.keySet() + ")");
        }
        return h;
    }

    private AttachType attachTypeFor(Step s, String prog) {
        String given = s.str("attach_type", null);
        if (given != null) {
            return ProgSteps.attachType(s, given);
        }
        AttachType at = expected.get(prog);
        if (at == null || CgroupHook.of(at) == null) {
            throw new ScenarioException(s.where() + ": the program has no cgroup expected attach type: say 'attach_type:'");
        }
        return at;
    }

    Object attach(Step s, String[] msg) {
        Held p = prog(s, s.name());
        String path = s.str("cgroup");
        AttachType at = attachTypeFor(s, s.name());
        int[] a = anchor(s);
        int flags = ProgSteps.flags(s) | a[0];
        int replaceFd = 0;
        if (s.body().has("replace")) {
            replaceFd = prog(s, s.str("replace")).fd();
            flags |= AttachFlags.BPF_F_REPLACE;
        }
        msg[0] = "attach " + s.name() + " to " + path + " " + at + (flags == 0 ? "" : " flags " + ProgSteps.flagNames(flags));
        int fd = r.openCgroup(s, path);
        try {
            cg.progAttach(fd, p.fd(), at.value(), flags, replaceFd, a[1], s.integer("revision", 0));
        } finally {
            r.libc.close(fd);
        }
        return null;
    }

    Object detach(Step s, String[] msg) {
        Held p = prog(s, s.name());
        String path = s.str("cgroup");
        AttachType at = attachTypeFor(s, s.name());
        msg[0] = "detach " + s.name() + " from " + path + " " + at;
        int fd = r.openCgroup(s, path);
        try {
            cg.progDetach(fd, p.fd(), at.value(), s.integer("revision", 0));
        } finally {
            r.libc.close(fd);
        }
        return null;
    }

    Object query(Step s, String[] msg) {
        String path = s.name();
        AttachType at = ProgSteps.attachType(s, s.str("attach_type"));
        boolean eff = s.body().path("effective").asBoolean(false);
        String field = s.str("field", "progs");
        msg[0] = "query " + path + " " + at + (eff ? " (effective)" : "") + (field.equals("progs") ? "" : " " + field);
        int fd = r.openCgroup(s, path);
        try {
            HostCgroupBpf.Query q = cg.progQuery(fd, at.value(), eff, field.equals("flags"), 64);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < q.progIds().length; i++) {
                names.add(field.equals("flags") ? ProgSteps.flagNames(q.progAttachFlags()[i])
                        : progNames.getOrDefault(q.progIds()[i], "id " + q.progIds()[i]));
            }
            return switch (field) {
                case "progs", "flags" -> names;
                case "revision" -> q.revision();
                case "attach_flags" -> ProgSteps.flagNames(q.attachFlags());
                default -> throw new ScenarioException(s.where() + ": query field '" + field + "' (progs, flags, revision, attach_flags)");
            };
        } finally {
            r.libc.close(fd);
        }
    }

    Object runs(Step s, String[] msg) {
        Held p = prog(s, s.name());
        msg[0] = "runs of " + s.name();
        return cg.progInfo(p.fd()).runCnt();
    }

    Object link(Step s, String[] msg) {
        String name = s.name();
        if (links.containsKey(name)) {
            throw new ScenarioException(s.where() + ": a link named '" + name + "' already exists");
        }
        Held p = prog(s, s.str("prog"));
        AttachType at = attachTypeFor(s, s.str("prog"));
        String path = s.str("cgroup");
        int[] a = anchor(s);
        int flags = ProgSteps.flags(s) | a[0];
        String owner = s.str("process", null);
        if (owner != null) {
            r.agent(s, owner);
        }
        msg[0] = "link " + name + ": " + s.str("prog") + " to " + path + " " + at
                + (flags == 0 ? "" : " flags " + ProgSteps.flagNames(flags)) + (owner == null ? "" : " (held by " + owner + ")");
        int cgFd = r.openCgroup(s, path);
        try {
            int fd = cg.linkCreate(p.fd(), cgFd, at.value(), flags, a[1], s.integer("revision", 0));
            HostCgroupBpf.LinkInfo i = cg.linkInfo(fd);
            links.put(name, new Held(fd, owner, i.id()));
            return i.id();
        } finally {
            r.libc.close(cgFd);
        }
    }

    Object linkUpdate(Step s, String[] msg) {
        Held l = link(s, s.name());
        Held np = prog(s, s.str("prog"));
        String old = s.str("old", null);
        msg[0] = "update link " + s.name() + " to " + s.str("prog") + (old == null ? "" : " (replacing " + old + ")");
        cg.linkUpdate(l.fd(), np.fd(), old == null ? 0 : AttachFlags.BPF_F_REPLACE, old == null ? 0 : prog(s, old).fd());
        return null;
    }

    Object linkDetach(Step s, String[] msg) {
        Held l = link(s, s.name());
        msg[0] = "detach link " + s.name();
        cg.linkDetach(l.fd());
        return null;
    }

    Object linkInfo(Step s, String[] msg) {
        Held l = link(s, s.name());
        HostCgroupBpf.LinkInfo i = cg.linkInfo(l.fd());
        String what = s.str("field", "cgroup_id");
        msg[0] = "link " + s.name() + " " + what;
        return switch (what) {
            case "cgroup_id" -> i.cgroupId();
            case "prog" -> progNames.getOrDefault(i.progId(), "id " + i.progId());
            case "id" -> i.id();
            case "attach_type" -> AttachType.of(i.attachType()).toString().toLowerCase(Locale.ROOT);
            default -> throw new ScenarioException(s.where() + ": link-info field '" + what + "' (cgroup_id, prog, id, attach_type)");
        };
    }

    private Held link(Step s, String name) {
        Held h = links.get(name);
        if (h == null) {
            throw new ScenarioException(s.where() + ": no link named '" + name + "' (known: " + links.keySet() + ")");
        }
        return h;
    }

    /** BPF_F_BEFORE/AFTER with a program or link anchor, by fd or id, or a raw relative_id (as {@link ProgSteps}). */
    private int[] anchor(Step s) {
        boolean before = s.body().has("before");
        boolean after = s.body().has("after");
        if (s.body().has("relative_id")) {
            return new int[] {AttachFlags.BPF_F_ID, s.integer("relative_id", 0)};
        }
        if (!before && !after) {
            return new int[] {0, 0};
        }
        String name = s.str(before ? "before" : "after");
        int flags = before ? AttachFlags.BPF_F_BEFORE : AttachFlags.BPF_F_AFTER;
        Held h = links.containsKey(name) ? links.get(name) : prog(s, name);
        if (links.containsKey(name)) {
            flags |= AttachFlags.BPF_F_LINK;
        }
        return s.str("anchor_by", "fd").equals("id") ? new int[] {flags | AttachFlags.BPF_F_ID, h.id()} : new int[] {flags, h.fd()};
    }

    /** pin: BPF_OBJ_PIN of a link, program or map at the scenario's bpffs path, moved under this run's own directory. */
    Object pin(Step s, String[] msg) {
        String name = s.name();
        int fd = links.containsKey(name) ? links.get(name).fd() : progs.containsKey(name) ? progs.get(name).fd() : mapSteps.mapRef(s, name).fd();
        msg[0] = "pin " + name + " at " + s.str("path");
        Path p = pinPath(s);
        try {
            Files.createDirectories(p.getParent());
        } catch (java.io.IOException e) {
            throw new ScenarioException(s.where() + ": cannot make " + p.getParent() + ": " + e.getMessage());
        }
        r.bpf.objPin(fd, p.toString());
        return null;
    }

    /** get: BPF_OBJ_GET of a pin; NAME is then a link, program or map by what the fd is (its anon inode's name). */
    Object get(Step s, String[] msg) {
        String name = s.name();
        msg[0] = "open pinned " + s.str("path") + " as " + name;
        int fd = r.bpf.objGet(pinPath(s).toString());
        String kind;
        try {
            kind = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (java.io.IOException e) {
            kind = "";
        }
        String owner = s.str("process", null);
        if (kind.contains("bpf-link")) {
            links.put(name, new Held(fd, owner, cg.linkInfo(fd).id()));
        } else if (kind.contains("bpf-prog")) {
            Held h = new Held(fd, owner, cg.progInfo(fd).id());
            progs.put(name, h);
            progNames.putIfAbsent(h.id(), name);
        } else {
            r.bpf.close(fd);
            throw new HostScenarioRunner.Skip("pins of maps are not reopened on the host (" + kind + ")");
        }
        return null;
    }

    /** The host path of a scenario pin: {@code /sys/fs/bpf/X} becomes {@code /sys/fs/bpf/<this run's name>/X}. */
    private Path pinPath(Step s) {
        String path = s.str("path");
        if (!path.startsWith(BPFFS + "/")) {
            throw new ScenarioException(s.where() + ": a pin path is under " + BPFFS + ", not " + path);
        }
        Path p = pinRoot.resolve(path.substring(BPFFS.length() + 1)).normalize();
        if (!p.startsWith(pinRoot) || p.equals(pinRoot)) {
            throw new ScenarioException(s.where() + ": pin path " + path + " leaves the bpffs directory");
        }
        return p;
    }

    Object close(Step s, String[] msg) {
        String name = s.name();
        Held h = links.remove(name);
        String what = "link";
        if (h == null) {
            h = progs.remove(name);
            what = "program";
        }
        if (h == null) {
            HostMapSteps.MapRef m = mapSteps.remove(name);
            if (m == null) {
                throw new ScenarioException(s.where() + ": nothing named '" + name + "' to close");
            }
            msg[0] = "close map " + name;
            return null;    // every map is an object's: its fd closes with the object at the end (never twice)
        }
        msg[0] = "close " + what + " " + name;
        final Held held = h;
        if (objects.stream().noneMatch(o -> o.spec().program(name).isPresent() && held.fd() == o.loadProgram(name))) {
            r.bpf.close(h.fd());
        }   // an object's program fd closes with its object at the end (never twice: fd numbers are reused)
        return null;
    }

    /**
     * After an rmdir: Linux detaches a removed cgroup's programs and links asynchronously
     * (css offline kills cgrp->bpf.refcnt; once the last socket's reference goes, an RCU grace
     * period and the cgroup_bpf_destroy_wq work item run cgroup_bpf_release), while the model
     * does it at once. To compare settled states, wait (at most 3 s) until no link of this run
     * still reports cgroup {@code id}; a link kept attached by a live socket stays so.
     */
    void awaitRelease(long id) {
        for (int i = 0; i < 60 && links.values().stream().anyMatch(h -> cgroupOf(h) == id); i++) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private long cgroupOf(Held link) {
        try {
            return cg.linkInfo(link.fd()).cgroupId();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Process {@code name} exited: the links and programs it held close (a link's close detaches it). */
    void exited(String name) {
        links.values().removeIf(h -> name.equals(h.owner()) && closeQuietly(h.fd()));
        progs.values().removeIf(h -> name.equals(h.owner()) && closeQuietly(h.fd()));
    }

    private boolean closeQuietly(int fd) {
        try {
            r.bpf.close(fd);
        } catch (RuntimeException e) {
            // already gone
        }
        return true;
    }

    /** Closes every link, inline program and object of the run, and the stats fd. */
    void closeAll() {
        if (closed) {
            return;
        }
        closed = true;
        links.values().forEach(h -> closeQuietly(h.fd()));
        links.clear();
        for (var e : progs.entrySet()) {
            if (objects.stream().noneMatch(o -> o.spec().program(e.getKey()).isPresent())) {
                closeQuietly(e.getValue().fd());
            }
        }
        progs.clear();
        for (HostObject o : objects) {
            try {
                o.close();
            } catch (RuntimeException e) {
                // fds already closed by a close: step
            }
        }
        objects.clear();
        if (statsFd > 0) {
            closeQuietly(statsFd);
        }
        removePins(pinRoot);
    }

    /** Unlinks this run's pins and their directory (a link pinned and never reopened detaches now). */
    static void removePins(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var w = Files.walk(dir)) {
            for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (java.io.IOException e) {
            // left for the next run's stale sweep
        }
    }
}
