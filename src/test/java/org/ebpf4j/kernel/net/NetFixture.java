package org.ebpf4j.kernel.net;

import org.ebpf4j.isa.TextAssembler;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupTree;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.cgroup.AttachFlags;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.kernel.prog.ProgInfo;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.AttachType;

/**
 * One runtime with its network ({@link Runtime#net()}); programs are bpf_conformance assembly
 * loaded through BPF_PROG_LOAD and attached with BPF_PROG_ATTACH, as a user would. Run
 * statistics are on (BPF_ENABLE_STATS), so {@link Loaded#runs()} counts runs.
 */
final class NetFixture implements AutoCloseable {
    final Runtime rt = Runtime.builder().arenaSize(16 << 20).cpus(1).build();
    final CgroupTree tree = rt.cgroups();
    final Net net = rt.net();
    final KernelBpf bpf = new KernelBpf(rt);
    /** The loader: a root process in the root cgroup holding program and cgroup fds. */
    final Task loader = rt.spawn("loader", 0, 0);

    NetFixture() {
        rt.progs().statsEnabled().incrementAndGet();
    }

    /** A loaded program: its fd in {@link #loader} and the program. */
    record Loaded(int fd, BpfProg prog) {
        long runs() { return ((ProgInfo) prog.info()).runCnt(); }
    }

    /** PROG_LOAD of {@code asm} as the program type of {@code eat}'s hook, with {@code eat} expected. */
    Loaded prog(AttachType eat, String asm) {
        CgroupHook h = CgroupHook.of(eat);
        int fd = bpf.progLoad(loader, ProgLoadAttr.of(h.progType().value(), TextAssembler.assemble(asm), "GPL")
                .withExpectedAttachType(eat.value()));
        return new Loaded(fd, (BpfProg) ((File.ProgFile) loader.fds().get(fd)).prog());
    }

    /** PROG_LOAD, then PROG_ATTACH with BPF_F_ALLOW_MULTI to {@code cg}. */
    Loaded attach(Cgroup cg, AttachType eat, String asm) {
        Loaded p = prog(eat, asm);
        int cgFd = new org.ebpf4j.kernel.link.CgroupAttachCommands(rt).openCgroup(loader, cg.path());
        try {
            bpf.progAttach(loader, Attrs.ProgAttach.of(cgFd, p.fd(), eat.value(), AttachFlags.BPF_F_ALLOW_MULTI));
        } finally {
            loader.fds().close(cgFd);
        }
        return p;
    }

    Task spawnIn(Cgroup cg, String comm) {
        Task t = rt.spawn(comm, 0, 0);
        t.setCgroupId(cg.id());
        return t;
    }

    @Override
    public void close() {
        rt.close();
    }
}
