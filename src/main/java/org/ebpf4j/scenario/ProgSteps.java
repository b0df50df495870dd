package org.ebpf4j.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.MapHandle;
import org.ebpf4j.api.Program;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.isa.AsmException;
import org.ebpf4j.isa.TextAssembler;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.AttachFlags;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.link.CgroupLinkInfo;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.kernel.prog.ProgInfo;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.kernel.prog.TestRunAttr;
import org.ebpf4j.kernel.prog.TestRunResult;
import org.ebpf4j.syscall.ObjAttr;
import org.ebpf4j.uapi.AttachType;

/**
 * The program, attach and link steps, each one bpf(2) command through {@link World#bpf}:
 * {@code load} (an ELF object, through the api's loader), {@code prog} (inline assembly,
 * BPF_PROG_LOAD), {@code attach}/{@code detach} (PROG_ATTACH/DETACH), {@code query}
 * (PROG_QUERY), {@code runs} (run_cnt with BPF_ENABLE_STATS), {@code link}/{@code link-update}/
 * {@code link-detach}/{@code link-info} (LINK_CREATE/UPDATE/DETACH, OBJ_GET_INFO_BY_FD),
 * {@code pin}/{@code get} (OBJ_PIN/OBJ_GET), {@code test-run} (PROG_TEST_RUN).
 */
final class ProgSteps {
    private final World w;

    ProgSteps(World w) { this.w = w; }

    Object load(Step s, String[] msg) {
        String name = s.name();
        Path path = w.baseDir.resolve(s.str("object"));
        msg[0] = "load " + name + " from " + s.str("object");
        BpfObject o;
        try {
            o = BpfObject.load(ObjectReader.read(path), w.rt, w.loader, w.bpf);
        } catch (org.ebpf4j.elf.ObjectFormatException | java.io.UncheckedIOException e) {
            throw new ScenarioException(s.where() + ": cannot read " + path + ": " + e.getMessage());
        }
        w.objects.add(o);
        List<String> names = new ArrayList<>();
        for (Program p : o.programs()) {
            register(s, p.name(), w.loader, p.fd());
            names.add(p.name());
        }
        for (MapHandle m : o.maps()) {
            w.maps.put(m.name(), new World.Held(w.loader, m.fd()));
        }
        return names;
    }

    /** A {@code prog:} step's {@code asm} text, assembled; a scenario error naming the step when it does not assemble. */
    static List<org.ebpf4j.isa.Insn> assemble(Step s) {
        try {
            return TextAssembler.assemble(s.str("asm"));
        } catch (AsmException e) {
            throw new ScenarioException(s.where() + ": asm: " + e.getMessage());
        }
    }

    Object prog(Step s, String[] msg) {
        String name = s.name();
        AttachType at = attachType(s, s.str("attach_type"));
        CgroupHook h = CgroupHook.of(at);
        msg[0] = "load program " + name + " (" + h.progType() + ", " + at + ")";
        List<org.ebpf4j.isa.Insn> insns = assemble(s);
        Task owner = w.owner(s);
        int fd = w.bpf.progLoad(owner, ProgLoadAttr.of(h.progType().value(), insns, "GPL")
                .withExpectedAttachType(at.value()).withName(name.length() > 15 ? name.substring(0, 15) : name));
        return register(s, name, owner, fd);
    }

    private int register(Step s, String name, Task owner, int fd) {
        if (w.progs.containsKey(name)) {
            throw new ScenarioException(s.where() + ": a program named '" + name + "' already exists");
        }
        BpfProg p = bpfProg(owner, fd);
        w.progs.put(name, new World.Held(owner, fd));
        w.progNames.put(p.id(), name);
        return p.id();
    }

    private static BpfProg bpfProg(Task t, int fd) { return (BpfProg) ((File.ProgFile) t.fds().get(fd)).prog(); }

    /** The attach type a step names, or the program's expected one. */
    private AttachType attachTypeFor(Step s, World.Held p) {
        String given = s.str("attach_type", null);
        if (given != null) {
            return attachType(s, given);
        }
        AttachType at = bpfProg(p.task(), p.fd()).expectedAttachType();
        if (at == null || CgroupHook.of(at) == null) {
            throw new ScenarioException(s.where() + ": the program has no cgroup expected attach type: say 'attach_type:'");
        }
        return at;
    }

    Object attach(Step s, String[] msg) {
        World.Held p = w.prog(s, s.name());
        String path = s.str("cgroup");
        AttachType at = attachTypeFor(s, p);
        int replaceFd = 0;
        Anchor a = anchor(s, p.task());
        int flags = flags(s) | a.flags();
        if (s.body().has("replace")) {
            World.Held r = w.prog(s, s.str("replace"));
            replaceFd = dupInto(r, p.task());
            flags |= AttachFlags.BPF_F_REPLACE;
        }
        msg[0] = "attach " + s.name() + " to " + path + " " + at + (flags == 0 ? "" : " flags " + flagNames(flags)) + a.text();
        int cg = w.openCgroup(p.task(), path);
        try {
            w.bpf.progAttach(p.task(), new Attrs.ProgAttach(cg, p.fd(), at.value(), flags, replaceFd, a.relative(),
                    s.integer("revision", 0)));
        } finally {
            p.task().fds().close(cg);
            a.release(p.task());
            if (replaceFd != 0 && replaceFd != w.prog(s, s.str("replace")).fd()) {
                p.task().fds().close(replaceFd);
            }
        }
        return null;
    }

    /** The fd of {@code h} as seen by {@code t}: its own, or a dup of the program into {@code t}. */
    private int dupInto(World.Held h, Task t) {
        if (h.task() == t) {
            return h.fd();
        }
        return w.bpf.progGetFdById(t, bpfProg(h.task(), h.fd()).id());
    }

    Object detach(Step s, String[] msg) {
        World.Held p = w.prog(s, s.name());
        String path = s.str("cgroup");
        AttachType at = attachTypeFor(s, p);
        msg[0] = "detach " + s.name() + " from " + path + " " + at;
        int cg = w.openCgroup(p.task(), path);
        try {
            w.bpf.progDetach(p.task(), new Attrs.ProgDetach(cg, p.fd(), at.value(), 0, 0, s.integer("revision", 0)));
        } finally {
            p.task().fds().close(cg);
        }
        return null;
    }

    Object query(Step s, String[] msg) {
        String path = s.name();
        AttachType at = attachType(s, s.str("attach_type"));
        boolean eff = s.body().path("effective").asBoolean(false);
        String field = s.str("field", "progs");
        msg[0] = "query " + path + " " + at + (eff ? " (effective)" : "") + (field.equals("progs") ? "" : " " + field);
        int cg = w.openCgroup(w.loader, path);
        try {
            Attrs.ProgQueryOut q = w.bpf.progQuery(w.loader,
                    new Attrs.ProgQuery(cg, at.value(), eff ? 1 : 0, 64, true, field.equals("flags")));
            List<String> names = new ArrayList<>();
            for (int i = 0; i < Math.min(q.progCnt(), q.progIds().length); i++) {
                names.add(field.equals("flags") ? flagNames(q.progAttachFlags()[i]) : w.progName(q.progIds()[i]));
            }
            return switch (field) {
                case "progs", "flags" -> names;
                case "revision" -> q.revision();
                case "attach_flags" -> flagNames(q.attachFlags());
                default -> throw new ScenarioException(s.where() + ": query field '" + field + "' (progs, flags, revision, attach_flags)");
            };
        } finally {
            w.loader.fds().close(cg);
        }
    }

    Object runs(Step s, String[] msg) {
        World.Held p = w.prog(s, s.name());
        msg[0] = "runs of " + s.name();
        return ((ProgInfo) w.bpf.objGetInfoByFd(p.task(), p.fd())).runCnt();
    }

    Object link(Step s, String[] msg) {
        String name = s.name();
        if (w.links.containsKey(name)) {
            throw new ScenarioException(s.where() + ": a link named '" + name + "' already exists");
        }
        World.Held p0 = w.prog(s, s.str("prog"));
        Task owner = w.owner(s);
        int progFd = dupInto(p0, owner);
        AttachType at = attachTypeFor(s, p0);
        String path = s.str("cgroup");
        Anchor a = anchor(s, owner);
        int flags = flags(s) | a.flags();
        msg[0] = "link " + name + ": " + s.str("prog") + " to " + path + " " + at + (flags == 0 ? "" : " flags " + flagNames(flags))
                + a.text() + (owner == w.loader ? "" : " (held by " + owner.comm() + ")");
        int cg = w.openCgroup(owner, path);
        try {
            int fd = w.bpf.linkCreate(owner, new Attrs.LinkCreate(progFd, cg, at.value(), flags, a.relative(),
                    s.integer("revision", 0)));
            w.links.put(name, new World.Held(owner, fd));
            return ((CgroupLinkInfo) w.bpf.objGetInfoByFd(owner, fd)).id();
        } finally {
            owner.fds().close(cg);
            a.release(owner);
            if (progFd != p0.fd() || owner != p0.task()) {
                owner.fds().close(progFd);
            }
        }
    }

    Object linkUpdate(Step s, String[] msg) {
        World.Held l = w.link(s, s.name());
        World.Held np = w.prog(s, s.str("prog"));
        String old = s.str("old", null);
        msg[0] = "update link " + s.name() + " to " + s.str("prog") + (old == null ? "" : " (replacing " + old + ")");
        int newFd = dupInto(np, l.task());
        int oldFd = old == null ? 0 : dupInto(w.prog(s, old), l.task());
        try {
            w.bpf.linkUpdate(l.task(), new Attrs.LinkUpdate(l.fd(), newFd, old == null ? 0 : AttachFlags.BPF_F_REPLACE, oldFd));
        } finally {
            if (newFd != np.fd() || np.task() != l.task()) {
                l.task().fds().close(newFd);
            }
            if (old != null && (oldFd != w.prog(s, old).fd() || w.prog(s, old).task() != l.task())) {
                l.task().fds().close(oldFd);
            }
        }
        return null;
    }

    Object linkDetach(Step s, String[] msg) {
        World.Held l = w.link(s, s.name());
        msg[0] = "detach link " + s.name();
        w.bpf.linkDetach(l.task(), l.fd());
        return null;
    }

    /** link-info: the cgroup id the link is attached to (0 once defunct) and its program. */
    Object linkInfo(Step s, String[] msg) {
        World.Held l = w.link(s, s.name());
        CgroupLinkInfo i = (CgroupLinkInfo) w.bpf.objGetInfoByFd(l.task(), l.fd());
        String what = s.str("field", "cgroup_id");
        msg[0] = "link " + s.name() + " " + what;
        return switch (what) {
            case "cgroup_id" -> i.cgroupId();
            case "prog" -> w.progName(i.progId());
            case "id" -> i.id();
            case "attach_type" -> AttachType.of(i.attachType()).toString().toLowerCase(Locale.ROOT);
            default -> throw new ScenarioException(s.where() + ": link-info field '" + what + "' (cgroup_id, prog, id, attach_type)");
        };
    }

    /** pin: OBJ_PIN of a named link, program or map at {@code path}. */
    Object pin(Step s, String[] msg) {
        String name = s.name();
        World.Held h = w.links.containsKey(name) ? w.links.get(name) : w.progs.containsKey(name) ? w.progs.get(name) : w.map(s, name);
        msg[0] = "pin " + name + " at " + s.str("path");
        w.bpf.objPin(h.task(), ObjAttr.pin(s.str("path"), h.fd()));
        return null;
    }

    /** get: OBJ_GET of {@code path}, known from now on as NAME (a link, program or map, by what the pin holds). */
    Object get(Step s, String[] msg) {
        String name = s.name();
        Task owner = w.owner(s);
        msg[0] = "open pinned " + s.str("path") + " as " + name;
        int fd = w.bpf.objGet(owner, ObjAttr.get(s.str("path"), 0));
        switch (owner.fds().get(fd)) {
            case File.LinkFile lf -> w.links.put(name, new World.Held(owner, fd));
            case File.ProgFile pf -> {
                w.progs.put(name, new World.Held(owner, fd));
                w.progNames.putIfAbsent(bpfProg(owner, fd).id(), name);
            }
            case File.MapFile mf -> w.maps.put(name, new World.Held(owner, fd));
            default -> throw new ScenarioException(s.where() + ": " + s.str("path") + " holds no link, program or map");
        }
        return null;
    }

    /** close of a link, program or map fd (sockets are {@link SocketSteps}'). */
    Object close(Step s, String[] msg) {
        String name = s.name();
        World.Held h = w.links.remove(name);
        String what = "link";
        if (h == null) {
            h = w.progs.remove(name);
            what = "program";
        }
        if (h == null) {
            h = w.maps.remove(name);
            what = "map";
        }
        if (h == null) {
            throw new ScenarioException(s.where() + ": nothing named '" + name + "' to close");
        }
        msg[0] = "close " + what + " " + name;
        h.task().fds().close(h.fd());
        return null;
    }

    /** test-run: PROG_TEST_RUN with {@code data} (text, or hex after 0x) and {@code repeat}; the value is retval. */
    Object testRun(Step s, String[] msg) {
        World.Held p = w.prog(s, s.name());
        String d = s.str("data", null);
        byte[] data = d == null ? new byte[64] : d.startsWith("0x") ? HexFormat.of().parseHex(d.substring(2).replace(" ", ""))
                : d.getBytes(StandardCharsets.UTF_8);
        int repeat = s.integer("repeat", 1);
        msg[0] = "test-run " + s.name() + " on " + data.length + " bytes" + (repeat > 1 ? " x" + repeat : "");
        TestRunResult r = w.bpf.progTestRun(p.task(), new TestRunAttr(p.fd(), data, 0, null, null, repeat, 0, 0, 0, 0));
        return r.retval() & 0xffffffffL;
    }

    /**
     * Where a new entry goes in its cgroup's list (spec §2.5, {@code get_prog_list()} in
     * kernel/bpf/cgroup.c): {@code before:}/{@code after:} name a program or a link, passed as an
     * fd in {@code t}'s table (a link adds BPF_F_LINK, as libbpf's {@code relative_fd} of a link
     * does); with {@code anchor_by: id} the object's id goes in {@code relative_id} with
     * BPF_F_ID; {@code relative_id: N} passes a raw id (0 included) with BPF_F_ID. Raw flags
     * ({@code flags: [before, link]}) combine with these, so every error of the matrix can be spelt.
     */
    private Anchor anchor(Step s, Task t) {
        boolean before = s.body().has("before");
        boolean after = s.body().has("after");
        if (before && after) {
            throw new ScenarioException(s.where() + ": 'before:' and 'after:' both name an anchor (use flags: [before, after] for both bits)");
        }
        if (s.body().has("relative_id")) {
            if (before || after) {
                throw new ScenarioException(s.where() + ": 'relative_id:' together with a named anchor");
            }
            return new Anchor(AttachFlags.BPF_F_ID, s.integer("relative_id", 0), 0, " relative_id " + s.integer("relative_id", 0));
        }
        if (!before && !after) {
            return new Anchor(0, 0, 0, "");
        }
        String key = before ? "before" : "after";
        String name = s.str(key);
        int flags = before ? AttachFlags.BPF_F_BEFORE : AttachFlags.BPF_F_AFTER;
        String by = s.str("anchor_by", "fd");
        if (!by.equals("fd") && !by.equals("id")) {
            throw new ScenarioException(s.where() + ": anchor_by '" + by + "' (fd, id)");
        }
        World.Held link = w.links.get(name);
        World.Held prog = link == null ? w.prog(s, name) : null;
        int id = link != null ? ((CgroupLinkInfo) w.bpf.objGetInfoByFd(link.task(), link.fd())).id()
                : bpfProg(prog.task(), prog.fd()).id();
        if (link != null) {
            flags |= AttachFlags.BPF_F_LINK;
        }
        String text = " " + key + " " + (link != null ? "link " : "") + name + (by.equals("id") ? " (by id)" : "");
        if (by.equals("id")) {
            return new Anchor(flags | AttachFlags.BPF_F_ID, id, 0, text);
        }
        World.Held h = link != null ? link : prog;
        if (h.task() == t) {
            return new Anchor(flags, h.fd(), 0, text);
        }
        int fd = link != null ? w.bpf.linkGetFdById(t, id) : w.bpf.progGetFdById(t, id);
        return new Anchor(flags, fd, fd, text);
    }

    /** An anchor's flags and {@code relative_fd|relative_id}; {@code ownFd} is an fd dup'ed for it, closed after the call. */
    private record Anchor(int flags, int relative, int ownFd, String text) {
        void release(Task t) {
            if (ownFd != 0) {
                t.fds().close(ownFd);
            }
        }
    }

    static AttachType attachType(Step s, String name) {
        String text = name.toUpperCase(Locale.ROOT).replace('-', '_').replace('/', '_').replaceFirst("^BPF_", "");
        try {
            AttachType at = AttachType.valueOf(text);
            if (CgroupHook.of(at) == null) {
                throw new IllegalArgumentException();
            }
            return at;
        } catch (IllegalArgumentException e) {
            throw new ScenarioException(s.where() + ": attach_type '" + name + "' is not a cgroup attach type");
        }
    }

    static int flags(Step s) {
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
                case "before" -> AttachFlags.BPF_F_BEFORE;
                case "after" -> AttachFlags.BPF_F_AFTER;
                case "id" -> AttachFlags.BPF_F_ID;
                case "link" -> AttachFlags.BPF_F_LINK;
                default -> throw new ScenarioException(s.where() + ": unknown flag '" + n.asText()
                        + "' (override, multi, replace, preorder, before, after, id, link)");
            };
        }
        return flags;
    }

    static String flagNames(int flags) {
        List<String> l = new ArrayList<>();
        if ((flags & AttachFlags.BPF_F_ALLOW_OVERRIDE) != 0) l.add("override");
        if ((flags & AttachFlags.BPF_F_ALLOW_MULTI) != 0) l.add("multi");
        if ((flags & AttachFlags.BPF_F_REPLACE) != 0) l.add("replace");
        if ((flags & AttachFlags.BPF_F_PREORDER) != 0) l.add("preorder");
        if ((flags & AttachFlags.BPF_F_BEFORE) != 0) l.add("before");
        if ((flags & AttachFlags.BPF_F_AFTER) != 0) l.add("after");
        if ((flags & AttachFlags.BPF_F_ID) != 0) l.add("id");
        if ((flags & AttachFlags.BPF_F_LINK) != 0) l.add("link");
        return String.join(",", l);
    }
}
