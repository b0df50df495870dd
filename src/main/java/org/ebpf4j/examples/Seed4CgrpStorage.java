package org.ebpf4j.examples;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.CgroupHandle;
import org.ebpf4j.api.Cgroups;
import org.ebpf4j.api.Link;
import org.ebpf4j.api.MapHandle;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.net.Net;
import org.ebpf4j.syscall.KernelBpf;

/**
 * Seed 4 (examples/seed4-cgrp-storage): a {@code tp_btf/sys_enter} program counts every modelled
 * syscall per cgroup in CGRP_STORAGE, reaching the cgroup through
 * {@code bpf_get_current_task_btf()->cgroups->dfl_cgrp}. Two cgroups, /app and /batch, each with
 * one process making a known number of socket calls; user space reads the counts back with the
 * cgroup directories' fds as keys. {@link #run} returns whether the counts are the expected ones.
 */
public final class Seed4CgrpStorage {
    private Seed4CgrpStorage() {}

    /** The object, relative to the repository root. */
    public static final Path OBJECT = Path.of("examples/seed4-cgrp-storage/cgrp_storage.bpf.o");

    public static void main(String[] args) {
        System.exit(run(System.out, args.length > 0 ? Path.of(args[0]) : OBJECT) ? 0 : 1);
    }

    /** Runs the scenario with the object at {@code object}; prints one line per cgroup. */
    public static boolean run(PrintStream out, Path object) {
        try (Runtime rt = Runtime.builder().arenaSize(32L << 20).cpus(1).build()) {
            KernelBpf bpf = new KernelBpf(rt);
            Task loader = rt.spawn("loader", 0, 0);
            Cgroups cgroups = new Cgroups(loader);
            Net net = new Net(rt, rt.cgroups());
            Map<String, Integer> expected = new LinkedHashMap<>();
            expected.put("/app", 4 * 3);     // 4 rounds of socket + bind + close
            expected.put("/batch", 2 * 3);   // 2 rounds
            try (BpfObject o = BpfObject.load(ObjectReader.read(object), rt, loader, bpf)) {
                Link link = o.program("on_enter").attach();
                for (Map.Entry<String, Integer> e : expected.entrySet()) {
                    cgroups.mkdir(e.getKey());
                    Task p = rt.spawn(e.getKey().substring(1), 1000, 1000);
                    cgroups.move(p, e.getKey());
                    for (int i = 0; i < e.getValue() / 3; i++) {
                        int fd = net.socket(p, 2, 2, 0);   // AF_INET, SOCK_DGRAM
                        net.bind(p, fd, org.ebpf4j.kernel.net.SockAddr.any(org.ebpf4j.kernel.net.SockAddr.AF_INET));
                        net.close(p, fd);
                    }
                }
                link.close();
                MapHandle counts = o.map("cgrp_storage");
                boolean ok = true;
                for (Map.Entry<String, Integer> e : expected.entrySet()) {
                    try (CgroupHandle cg = cgroups.open(e.getKey())) {
                        byte[] v = counts.lookup(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(cg.fd()).array());
                        long n = v == null ? 0 : ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong();
                        out.printf("seed4 cgrp_storage: cgroup %-6s (id %d): %d syscalls counted (expected %d)%n",
                                e.getKey(), cg.id(), n, e.getValue());
                        ok &= n == e.getValue();
                    }
                }
                return ok;
            }
        }
    }
}
