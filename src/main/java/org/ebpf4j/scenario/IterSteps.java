package org.ebpf4j.scenario;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;

/**
 * {@code iter: PROG}: what {@code bpftool iter pin} + {@code cat} of the pin shows. The program's
 * holder attaches it (BPF_LINK_CREATE with the {@code bpf_iter_link_info} of {@code map:},
 * {@code cgroup:} + {@code order:}, or {@code task:}), makes an iterator (BPF_ITER_CREATE) and
 * {@code process:} (default the holder) reads it to the end, so that the program runs as that
 * process ({@code bpf_get_current_*}). Value: the text read, one list element per line.
 */
final class IterSteps {
    private final World w;

    IterSteps(World w) { this.w = w; }

    Object iter(Step s, String[] msg) {
        String name = s.name();
        World.Held p = w.prog(s, name);
        Task t = p.task();
        Task reader = w.owner(s);
        List<Integer> fds = new ArrayList<>();   // fds this step opened in t, closed at its end
        try {
            Attrs.IterInfo info = null;
            String what = "";
            if (s.str("map", null) != null) {
                World.Held m = w.map(s, s.str("map"));
                int fd = m.fd();
                if (m.task() != t) {   // the attaching process needs its own fd of the map
                    File f = m.task().fds().get(m.fd());
                    f.object().anyGet();
                    try {
                        fd = t.fds().install(f);
                    } catch (RuntimeException e) {
                        f.object().anyPut();
                        throw e;
                    }
                    fds.add(fd);
                }
                info = Attrs.IterInfo.map(fd);
                what = " map " + s.str("map");
            } else if (s.str("cgroup", null) != null) {
                int fd = w.openCgroup(t, s.str("cgroup"));
                fds.add(fd);
                info = Attrs.IterInfo.cgroup(order(s), fd, 0);
                what = " cgroup " + s.str("cgroup") + " " + s.str("order", "descendants_pre");
            } else if (s.str("task", null) != null) {
                info = Attrs.IterInfo.task(0, w.process(s, s.str("task")).pid(), 0);
                what = " task " + s.str("task");
            } else if (s.str("order", null) != null) {
                info = Attrs.IterInfo.cgroup(order(s), 0, 0);   // the whole hierarchy
                what = " cgroup / " + s.str("order");
            }
            msg[0] = "iter " + name + what + (reader != t ? " read by " + s.str("process") : "");
            int link = w.bpf.linkCreate(t, Attrs.LinkCreate.iter(p.fd(), info));
            fds.add(link);
            int it = w.bpf.iterCreate(t, link, 0);
            fds.add(it);
            int rfd = it;
            if (reader != t) {   // the iterator fd handed to the reader (SCM_RIGHTS): the same struct file
                File.IterFile f = (File.IterFile) t.fds().get(it);
                f.object().anyGet();
                f.seq().get();
                rfd = reader.fds().install(f);
            }
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (byte[] b = w.bpf.iterRead(reader, rfd, 4096); b.length > 0; b = w.bpf.iterRead(reader, rfd, 4096)) {
                    out.writeBytes(b);
                }
                return new String(out.toByteArray(), StandardCharsets.ISO_8859_1).lines().toList();
            } finally {
                if (rfd != it) {
                    reader.fds().close(rfd);
                }
            }
        } finally {
            for (int i = fds.size() - 1; i >= 0; i--) {
                t.fds().close(fds.get(i));
            }
        }
    }

    /** {@code order:} by bpftool's names: the {@code enum bpf_cgroup_iter_order} value. */
    private static int order(Step s) {
        return switch (s.str("order", "descendants_pre")) {
            case "self_only" -> 1;
            case "descendants_pre" -> 2;
            case "descendants_post" -> 3;
            case "ancestors_up" -> 4;
            case "unspec" -> 0;
            default -> throw new ScenarioException(s.where() + ": order '" + s.str("order")
                    + "' (self_only, descendants_pre, descendants_post, ancestors_up)");
        };
    }
}
