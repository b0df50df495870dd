package org.ebpf4j.api;

import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.ProgInfo;
import org.ebpf4j.kernel.prog.TestRunAttr;
import org.ebpf4j.kernel.prog.TestRunResult;
import org.ebpf4j.syscall.Bpf;

/**
 * A loaded program of a {@link BpfObject} (libbpf's {@code struct bpf_program}): its spec, its fd,
 * BPF_PROG_TEST_RUN, and attaching to cgroups ({@link CgroupAttachable}: {@code attachCgroup}
 * returning a {@link Link}, {@code attachLegacy}/{@code detachLegacy}).
 */
public final class Program implements CgroupAttachable {
    private final Bpf bpf;
    private final Task task;
    private final ProgramSpec spec;
    private final int fd;

    Program(Bpf bpf, Task task, ProgramSpec spec, int fd) {
        this.bpf = bpf;
        this.task = task;
        this.spec = spec;
        this.fd = fd;
    }

    public String name() { return spec.name(); }

    public ProgramSpec spec() { return spec; }

    @Override public int fd() { return fd; }

    @Override public Bpf bpf() { return bpf; }

    @Override public Task task() { return task; }

    /** BPF_PROG_TEST_RUN with {@code data} in, data out, {@code repeat} runs. */
    public TestRunResult testRun(byte[] data, int repeat) {
        return bpf.progTestRun(task, TestRunAttr.ofData(fd, data, repeat));
    }

    /** BPF_PROG_TEST_RUN with full control over the attributes ({@code progFd} is replaced by this program's). */
    public TestRunResult testRun(TestRunAttr attr) {
        return bpf.progTestRun(task, new TestRunAttr(fd, attr.dataIn(), attr.dataSizeOut(), attr.ctxIn(), attr.ctxSizeOut(),
                attr.repeat(), attr.flags(), attr.cpu(), attr.batchSize(), attr.duration()));
    }

    /** BPF_OBJ_GET_INFO_BY_FD. */
    public ProgInfo info() { return (ProgInfo) bpf.objGetInfoByFd(task, fd); }

    @Override
    public String toString() { return "program " + spec.name() + " (" + spec.progType() + ", fd " + fd + ")"; }
}
