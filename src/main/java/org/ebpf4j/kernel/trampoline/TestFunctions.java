package org.ebpf4j.kernel.trampoline;

import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.kernel.prog.TestRunAttr;
import org.ebpf4j.kernel.prog.TestRunResult;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The kernel functions net/bpf/test_run.c exists to be traced: {@code bpf_fentry_test1..10},
 * {@code bpf_modify_return_test} and {@code bpf_modify_return_test2}, each called through its
 * trampoline, and {@code bpf_prog_test_run_tracing}, BPF_PROG_TEST_RUN of a fentry / fexit /
 * fmod_ret program: it does not run the program itself but calls the functions, so that whatever
 * is attached to them runs.
 */
public final class TestFunctions {
    private final Runtime rt;
    private final Trampoline[] fentryTest = new Trampoline[11];
    private final Trampoline modifyReturnTest, modifyReturnTest2;

    public TestFunctions(Runtime rt) {
        this.rt = rt;
        for (int i = 1; i <= 10; i++) {
            fentryTest[i] = rt.trampolines().of("bpf_fentry_test" + i);
        }
        this.modifyReturnTest = rt.trampolines().of("bpf_modify_return_test");
        this.modifyReturnTest2 = rt.trampolines().of("bpf_modify_return_test2");
    }

    private int call(Trampoline tr, java.util.function.LongSupplier body, long... args) {
        return (int) tr.call(args, body);
    }

    /**
     * {@code bpf_prog_test_run_tracing}: EINVAL for flags, cpu or batch_size; for fentry/fexit the
     * ten test functions must return their expected sums (else EFAULT); for fmod_ret, retval is
     * {@code side_effect << 16 | ret} where {@code ret} sums the two modify_return functions'
     * results (as u16) and {@code side_effect} counts the bodies that ran (each increments
     * {@code *b}); other attach types EFAULT ({@code goto out}).
     */
    public TestRunResult testRunTracing(BpfProg prog, TestRunAttr attr) {
        if (attr.flags() != 0 || attr.cpu() != 0 || attr.batchSize() != 0) {
            throw new BpfException(Errno.EINVAL, "test_run of a tracing program takes no flags, cpu or batch_size");
        }
        Arena arena = rt.arena();
        long mem = arena.alloc(16);   // struct bpf_fentry_test_t arg; int b; u32 retval (the caller's stack)
        if (mem == 0) {
            throw new BpfException(Errno.ENOMEM, "no memory for bpf_prog_test_run_tracing's locals");
        }
        long argAddr = mem, bAddr = mem + 8, retvalAddr = mem + 12;
        try {
            arena.store64(argAddr, 0);
            arena.store32(retvalAddr, 0);
            AttachType eat = prog.expectedAttachType();
            int retval;
            if (eat == AttachType.TRACE_FENTRY || eat == AttachType.TRACE_FEXIT) {
                boolean ok = call(fentryTest[1], () -> 1 + 1, 1) == 2
                        && call(fentryTest[2], () -> 2 + 3, 2, 3) == 5
                        && call(fentryTest[3], () -> 4 + 5 + 6, 4, 5, 6) == 15
                        && call(fentryTest[4], () -> 7 + 8 + 9 + 10, 7, 8, 9, 10) == 34
                        && call(fentryTest[5], () -> 11 + 12 + 13 + 14 + 15, 11, 12, 13, 14, 15) == 65
                        && call(fentryTest[6], () -> 16 + 17 + 18 + 19 + 20 + 21, 16, 17, 18, 19, 20, 21) == 111
                        && call(fentryTest[7], () -> 0, 0) == 0
                        && call(fentryTest[8], () -> arena.load64(argAddr), argAddr) == 0
                        && call(fentryTest[9], () -> arena.load32(retvalAddr), retvalAddr) == 0
                        && call(fentryTest[10], () -> 0, 0) == 0;
                if (!ok) {
                    throw new BpfException(Errno.EFAULT, "a bpf_fentry_test function returned a wrong value");
                }
                retval = 0;
            } else if (eat == AttachType.MODIFY_RETURN) {
                int sideEffect = 0;
                arena.store32(bAddr, 2);
                int ret = call(modifyReturnTest, () -> {
                    arena.store32(bAddr, (int) arena.load32(bAddr) + 1);
                    return 1 + (int) arena.load32(bAddr);
                }, 1, bAddr);
                if ((int) arena.load32(bAddr) != 2) {
                    sideEffect++;
                }
                arena.store32(bAddr, 2);
                ret += call(modifyReturnTest2, () -> {
                    arena.store32(bAddr, (int) arena.load32(bAddr) + 1);
                    return 1 + (int) arena.load32(bAddr) + 3 + 4 + 5 + 6 + 7;
                }, 1, bAddr, 3, 4, 5, 6, 7);
                if ((int) arena.load32(bAddr) != 2) {
                    sideEffect++;
                }
                retval = (sideEffect & 0xffff) << 16 | (ret & 0xffff);
            } else {
                throw new BpfException(Errno.EFAULT, "test_run of a " + eat + " tracing program (bpf_prog_test_run_tracing: goto out)");
            }
            return new TestRunResult(retval, 0, null, 0, null, 0);
        } finally {
            arena.free(mem, 16);
        }
    }
}
