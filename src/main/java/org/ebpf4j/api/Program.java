package org.ebpf4j.api;

import org.ebpf4j.elf.ProgramSpec;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.ProgInfo;
import org.ebpf4j.kernel.prog.TestRunAttr;
import org.ebpf4j.kernel.prog.TestRunResult;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

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

    /**
     * libbpf's {@code bpf_program__attach} for tracing programs: a {@code tp_btf/NAME} program
     * through BPF_LINK_CREATE (BPF_TRACE_RAW_TP), a {@code raw_tp/NAME} (raw_tracepoint/NAME)
     * program through BPF_RAW_TRACEPOINT_OPEN with NAME. The program then runs on every event
     * (for {@code sys_enter}: every modelled syscall of every task) until the link is closed.
     */
    public Link attach() {
        ProgType type = spec.progType();
        if (type == ProgType.TRACING && spec.expectedAttachType() == AttachType.TRACE_RAW_TP) {
            return new Link(bpf, task, bpf.linkCreate(task, Attrs.LinkCreate.of(fd, 0, AttachType.TRACE_RAW_TP.value())));
        }
        if (type == ProgType.TRACING && spec.expectedAttachType() == AttachType.TRACE_ITER) {
            return attachIter(null);
        }
        if (org.ebpf4j.kernel.prog.AttachBtf.funcTarget(type, spec.expectedAttachType())) {
            // libbpf's bpf_program__attach_trace / attach_lsm: BPF_LINK_CREATE with the expected attach type
            return new Link(bpf, task, bpf.linkCreate(task, Attrs.LinkCreate.of(fd, 0, spec.expectedAttachType().value())));
        }
        if (type == ProgType.RAW_TRACEPOINT || type == ProgType.RAW_TRACEPOINT_WRITABLE) {
            return new Link(bpf, task, bpf.rawTracepointOpen(task,
                    org.ebpf4j.kernel.trace.RawTracepointOpenAttr.of(spec.kind().attachTarget(), fd)));
        }
        throw new IllegalStateException(this + ": attach() knows tp_btf, raw_tp, iter, fentry/fexit/fmod_ret and lsm programs; cgroup programs use attachCgroup");
    }

    /**
     * libbpf's {@code bpf_program__attach_iter}: a {@code SEC("iter/TARGET")} program through
     * BPF_LINK_CREATE (BPF_TRACE_ITER) with {@code info} ({@code bpf_iter_link_info}; null for
     * none; {@code IterInfo.map(map.fd())} for map targets). Read it with {@link Link#readIterator}.
     */
    public Link attachIter(Attrs.IterInfo info) {
        return new Link(bpf, task, bpf.linkCreate(task, Attrs.LinkCreate.iter(fd, info)));
    }

    /** BPF_OBJ_GET_INFO_BY_FD. */
    public ProgInfo info() { return (ProgInfo) bpf.objGetInfoByFd(task, fd); }

    @Override
    public String toString() { return "program " + spec.name() + " (" + spec.progType() + ", fd " + fd + ")"; }
}
