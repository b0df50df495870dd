package org.ebpf4j.syscall;

import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.kernel.prog.TestRunAttr;
import org.ebpf4j.kernel.prog.TestRunResult;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The program commands of kernel/bpf/syscall.c: {@code bpf_prog_load} (body in
 * {@link org.ebpf4j.kernel.prog.ProgLoader}) and {@code bpf_prog_test_run}: the attr pairs first,
 * then the fd (EBADF/EINVAL), then the type's test_run (ENOTSUPP without one).
 */
final class ProgCommands {
    private final Runtime rt;

    ProgCommands(Runtime rt) { this.rt = rt; }

    int load(Task task, ProgLoadAttr attr) { return rt.progs().loader().load(task, attr); }

    TestRunResult testRun(Task task, TestRunAttr attr) {
        if (attr.ctxSizeOut() != null && attr.ctxSizeOut() == 0) {
            throw new BpfException(Errno.EINVAL, "ctx_out without ctx_size_out");
        }
        ProgObject p = Fds.prog(task, attr.progFd(), "prog_fd");
        try {
            if (!(p instanceof BpfProg prog)) {
                throw new BpfException(Errno.ENOTSUPP, "prog_fd " + attr.progFd() + " has no test_run");
            }
            return rt.progs().testRun().run(task, prog, attr);
        } finally {
            p.put();
        }
    }
}
