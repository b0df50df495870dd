package org.ebpf4j.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.Link;
import org.ebpf4j.api.Program;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.link.CgroupAttachCommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ebpf4j iter OBJ.o PROG}: what {@code bpftool iter pin OBJ.o /sys/fs/bpf/X [map MAP]}
 * followed by {@code cat /sys/fs/bpf/X} does, on the embedded runtime: loads the object,
 * attaches the iterator program PROG (BPF_LINK_CREATE with its {@code bpf_iter_link_info}),
 * opens an iterator and prints what read(2) returns until it returns 0 bytes.
 */
@Command(name = "iter", mixinStandardHelpOptions = true,
        description = "Attach the iterator program PROG of OBJ.o and print what reading it returns (bpftool iter pin + cat).")
final class IterCommand implements Callable<Integer> {
    /** {@code enum bpf_cgroup_iter_order}, by bpftool's names. */
    enum Order {
        self_only(1), descendants_pre(2), descendants_post(3), ancestors_up(4);

        final int value;

        Order(int value) { this.value = value; }
    }

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OBJ.o") Path obj;

    @Parameters(index = "1", paramLabel = "PROG") String prog;

    @Option(names = "--map", paramLabel = "NAME", description = "Map of OBJ.o a map iterator walks (iter_info.map.map_fd).")
    String map;

    @Option(names = "--cgroup", paramLabel = "PATH",
            description = "Start cgroup of a cgroup iterator, made in the embedded runtime's hierarchy if absent (default: the root).")
    String cgroup;

    @Option(names = "--order", defaultValue = "descendants_pre", description = "Cgroup walk order: ${COMPLETION-CANDIDATES}.")
    Order order;

    @Option(names = "--tid", description = "Task iterator: only this thread.") int tid;

    @Option(names = "--pid", description = "Task iterator: only this process.") int pid;

    @Option(names = "--chunk", defaultValue = "4096", description = "Bytes per read(2) (default ${DEFAULT-VALUE}).")
    int chunk;

    @Option(names = "--engine", defaultValue = "interp", description = "Engine: ${COMPLETION-CANDIDATES}")
    EngineChoice engine;

    @Override
    public Integer call() {
        if (chunk <= 0) {
            throw new IllegalArgumentException("--chunk must be positive, not " + chunk);
        }
        try (BpfObject o = ObjectRun.open(obj, engine)) {
            Program p = o.program(prog);
            Attrs.IterInfo info = info(o, p);
            try (Link link = p.attachIter(info)) {
                byte[] out = link.readIterator(chunk);
                spec.commandLine().getOut().print(new String(out, StandardCharsets.ISO_8859_1));
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    /** The link info the options describe (at most one kind), or null. */
    private Attrs.IterInfo info(BpfObject o, Program p) {
        int kinds = (map != null ? 1 : 0) + (cgroup != null ? 1 : 0) + (tid != 0 || pid != 0 ? 1 : 0);
        if (kinds > 1) {
            throw new IllegalArgumentException("--map, --cgroup and --tid/--pid describe different iterators: give one");
        }
        if (map != null) {
            return Attrs.IterInfo.map(o.map(map).fd());
        }
        if (cgroup != null) {
            o.runtime().cgroups().mkdirs(cgroup);   // mkdir -p in the embedded hierarchy (existing levels stay)
            int fd = new CgroupAttachCommands(o.runtime()).openCgroup(o.task(), cgroup);
            return Attrs.IterInfo.cgroup(order.value, fd, 0);
        }
        if (tid != 0 || pid != 0) {
            return Attrs.IterInfo.task(tid, pid, 0);
        }
        // a cgroup iterator needs an order even over the whole hierarchy (UNSPEC is EINVAL)
        return "cgroup".equals(p.spec().kind().attachTarget()) ? Attrs.IterInfo.cgroup(order.value, 0, 0) : null;
    }
}
