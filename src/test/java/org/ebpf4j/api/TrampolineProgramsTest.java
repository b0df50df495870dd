package org.ebpf4j.api;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.net.Net;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.prog.TestRunAttr;
import org.ebpf4j.kernel.prog.TestRunResult;
import org.ebpf4j.kernel.trace.SyscallNr;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * clang-built fentry / fexit / fmod_ret / lsm programs through {@link BpfObject}: ports of the
 * upstream selftests fentry_test, fexit_test and modify_return (prog_tests/*.c, driven by
 * BPF_PROG_TEST_RUN → {@code bpf_prog_test_run_tracing}), a BPF LSM program denying bind(2) and
 * bpf(2) until its link closes, spec-local-storage §10.1 LS-H10 and §1.12 LS-V1.
 */
class TrampolineProgramsTest {
    static final Path DIR = Path.of("src/test/bpf");

    final Runtime rt = Runtime.builder().arenaSize(32L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task loader = rt.spawn("loader", 0, 0);

    @AfterEach
    void close() { rt.close(); }

    BpfObject load(String name) { return BpfObject.load(ObjectReader.read(DIR.resolve(name + ".bpf.o")), rt, loader, bpf); }

    static long le64(byte[] v, int off) { return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong(off); }

    static int le32(byte[] v, int off) { return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt(off); }

    static byte[] bss(BpfObject o, String name) { return o.map(name).lookup(MapHandle.le32(0)); }

    TestRunResult testRun(Program p) { return bpf.progTestRun(loader, TestRunAttr.ofCtx(p.fd(), null)); }

    /** prog_tests/fentry_test.c and fexit_test.c: every program saw its arguments (and return value). */
    @Test
    void fentryAndFexitSeeTestRunsCalls() {
        for (String obj : new String[] {"tramp_fentry", "tramp_fexit"}) {
            try (BpfObject o = load(obj)) {
                for (int i = 1; i <= 8; i++) {
                    o.program("test" + i).attach();
                }
                TestRunResult r = testRun(o.program("test1"));
                assertEquals(0, r.retval(), obj + ": test_run retval");
                byte[] v = bss(o, "tramp_fe.bss");
                for (int i = 0; i < 8; i++) {
                    assertEquals(1, le64(v, 8 * i), obj + " test" + (i + 1) + "_result");
                }
            }
        }
    }

    @Test
    void testRunAloneRunsNothing() {
        try (BpfObject o = load("tramp_fentry")) {
            assertEquals(0, testRun(o.program("test1")).retval(), "the test functions return what they should");
            assertEquals(0, le64(bss(o, "tramp_fe.bss"), 0), "nothing attached: the program did not run");
        }
    }

    /**
     * prog_tests/modify_return.c run_test(input_retval, want_side_effect, want_ret), with only the
     * bpf_modify_return_test programs attached: test_run also calls bpf_modify_return_test2
     * (1 + 3 + 3 + 4 + 5 + 6 + 7 = 29, one more side effect), so the retval's low half adds 29
     * and its high half 1 to the upstream numbers.
     */
    @Test
    void modifyReturn() {
        try (BpfObject o = load("tramp_modify_return")) {
            o.program("fentry_test").attach();
            o.program("fmod_ret_test").attach();
            o.program("fexit_test").attach();
            TestRunResult r = testRun(o.program("fmod_ret_test"));
            // input_retval 0: bpf_modify_return_test(1, &b) runs: b = 3, returns 4 → side effect
            assertEquals(2, r.retval() >>> 16, "both bodies ran and incremented *b");
            assertEquals(4 + 29, r.retval() & 0xffff);
            byte[] v = bss(o, "tramp_mo.bss");
            assertEquals(1, le64(v, 8), "fentry_result");
            assertEquals(1, le64(v, 16), "fmod_ret_result");
            assertEquals(1, le64(v, 24), "fexit_result");

            // input_retval -EINVAL: the body is skipped (no side effect) and the result is replaced
            byte[] data = v.clone();
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putInt(0, -22).putInt(32, 0);
            o.map("tramp_mo.bss").update(MapHandle.le32(0), data);
            r = testRun(o.program("fmod_ret_test"));
            assertEquals(1, r.retval() >>> 16, "only bpf_modify_return_test2's body ran");
            assertEquals((-22 + 29) & 0xffff, r.retval() & 0xffff);
            v = bss(o, "tramp_mo.bss");
            assertEquals(1, le64(v, 8));
            assertEquals(1, le64(v, 16));
            assertEquals(1, le64(v, 24), "fexit saw the modified return value");
        }
    }

    /** A BPF LSM program denies bind(2) to one port, and bpf(2) of one command, until its link closes. */
    @Test
    void lsmDeniesUntilTheLinkCloses() {
        Task t = rt.spawn("app", 0, 0);
        Net net = rt.net();
        try (BpfObject o = load("lsm_deny")) {
            byte[] bss = bss(o, "lsm_deny.bss");
            ByteBuffer.wrap(bss).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 8080);
            o.map("lsm_deny.bss").update(MapHandle.le32(0), bss);
            Link bind = o.program("deny_bind").attach();
            int fd = net.socket(t, SockAddr.AF_INET, 2, 0);
            BpfException denied = assertThrows(BpfException.class, () -> net.bind(t, fd, SockAddr.parse("127.0.0.1:8080")));
            assertEquals(Errno.EPERM, denied.errno());
            net.bind(t, fd, SockAddr.parse("127.0.0.1:8081"));
            assertEquals(2, le64(bss(o, "lsm_deny.bss"), 8), "the hook ran for both binds");
            bind.close();
            rt.barrier();
            int fd2 = net.socket(t, SockAddr.AF_INET, 2, 0);
            net.bind(t, fd2, SockAddr.parse("127.0.0.1:8080"));   // no program: allowed
            assertEquals(2, le64(bss(o, "lsm_deny.bss"), 8));

            // lsm/bpf: deny BPF_MAP_GET_NEXT_ID (12) with EACCES
            o.map("lsm_deny.data").update(MapHandle.le32(0), new byte[] {12, 0, 0, 0});
            Link bpfLink = o.program("deny_bpf").attach();
            assertEquals(Errno.EACCES, assertThrows(BpfException.class, () -> bpf.mapGetNextId(t, 0)).errno());
            assertTrue(bpf.progGetNextId(t, 0) > 0, "other commands pass");
            bpfLink.close();
            rt.barrier();
            assertTrue(bpf.mapGetNextId(t, 0) > 0, "denial gone with the link");
        }
    }

    /** spec-local-storage §10.1 LS-H10: the tracing sk_storage helpers from fentry on bpf_sk_storage_free. */
    @Test
    void skStorageFromFentryOnItselfIsRefused() {
        BpfLoadException e = assertThrows(BpfLoadException.class, () -> load("sk_storage_trace_itself"));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("trace_bpf_sk_storage_free"), e.getMessage());
        assertTrue(e.getMessage().contains("bpf_sk_storage_get#107"), e.getMessage());
    }

    /** The target upstream's on_lookup used is inlined in 6.18: no FUNC, libbpf answers ESRCH. */
    @Test
    void localStorageLookupIsNotTraceable() {
        BpfLoadException e = assertThrows(BpfLoadException.class, () -> load("lookup_not_traceable"));
        assertEquals(Errno.ESRCH, e.errno());
    }

    /**
     * spec-local-storage §1.12 LS-V1 (7.0 baseline), prog_tests/task_local_storage.c "recursion":
     * on_enter's first get(map_a, F_CREATE) calls bpf_local_storage_update; on_update runs before
     * it: its get(map_a) creates map_a through a nested update (on_update skipped: miss 1),
     * bumps it to 1 and deletes it (0, no EBUSY without busy counters); its get(map_b) creates
     * map_b (miss 2) and bumps it to 1. The outer update then creates map_a = 0, which on_enter
     * sets to 200; map_b is found at 1 and kept.
     */
    @Test
    void taskStorageRecursion() {
        Task t = rt.spawn("victim", 0, 0);
        try (BpfObject o = load("task_ls_recursion")) {
            Link onUpdate = o.program("on_update").attach();
            Link onEnter = o.program("on_enter").attach();
            byte[] bss = bss(o, "task_ls_.bss");
            ByteBuffer.wrap(bss).order(ByteOrder.LITTLE_ENDIAN).putInt(4, t.pid());
            o.map("task_ls_.bss").update(MapHandle.le32(0), bss);
            t.syscall(SyscallNr.WRITE, 1, 0, 0);   // sys_gettid in the selftest
            bss = bss(o, "task_ls_.bss");
            ByteBuffer.wrap(bss).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0);
            o.map("task_ls_.bss").update(MapHandle.le32(0), bss);
            onEnter.close();
            onUpdate.close();
            int pidfd = loader.pidfdOpen(t.pid());
            assertEquals(200, le64(o.map("map_a").lookup(MapHandle.le32(pidfd)), 0), "map_a value");
            assertEquals(0, le32(bss(o, "task_ls_.bss"), 0), "nr_del_errs");
            assertEquals(1, le64(o.map("map_b").lookup(MapHandle.le32(pidfd)), 0), "map_b value");
            assertEquals(2, o.program("on_update").info().recursionMisses(), "on_update prog recursion");
            assertEquals(0, o.program("on_enter").info().recursionMisses(), "on_enter prog recursion");
        }
    }

    /** bpf_get_func_arg / _ret / _arg_cnt (tracing_prog_func_proto; get_func_args_test.c). */
    @Test
    void funcArgHelpers() {
        try (BpfObject o = load("tramp_func_args")) {
            o.program("fentry_args").attach();
            o.program("fexit_args").attach();
            assertEquals(0, testRun(o.program("fentry_args")).retval());
            byte[] v = bss(o, "tramp_fu.bss");
            assertEquals(2, le64(v, 0), "bpf_fentry_test2 has two arguments");
            assertEquals(2, le64(v, 8));
            assertEquals(3, le64(v, 16));
            assertEquals(-22, le64(v, 24), "past the arguments: -EINVAL");
            assertEquals(-95, le64(v, 32), "no return value in fentry: -EOPNOTSUPP");
            assertEquals(2, le64(v, 40));
            assertEquals(5, le64(v, 48), "fexit sees 2 + 3");
            assertEquals(0, le64(o.map("tramp_fu.data").lookup(MapHandle.le32(0)), 0));
        }
        // tp_btf programs have no trampoline: the helpers are not offered
        assertTrue(org.ebpf4j.kernel.prog.ProgTypes.allowsHelper(org.ebpf4j.uapi.ProgType.TRACING,
                org.ebpf4j.uapi.AttachType.TRACE_FEXIT, 184, "bpf_fentry_test2"));
        assertFalse(org.ebpf4j.kernel.prog.ProgTypes.allowsHelper(org.ebpf4j.uapi.ProgType.TRACING,
                org.ebpf4j.uapi.AttachType.TRACE_RAW_TP, 183, "sys_enter"));
    }

    /**
     * bpf_sk_storage_free runs for every destructed socket (__sk_destruct). Deviation: the sk
     * argument is the socket's identity for the sk storage helpers (its bpf_sock mirror), not a
     * struct sock laid out as the model BTF says, so its fields are not asserted here.
     */
    @Test
    void fentryOnSkStorageFree() {
        Task t = rt.spawn("app", 0, 0);
        try (BpfObject o = load("tramp_sk_free")) {
            Link l = o.program("on_free").attach();
            int fd = rt.net().socket(t, SockAddr.AF_INET6, 2, 0);
            rt.net().close(t, fd);
            rt.barrier();
            byte[] v = bss(o, "tramp_sk.bss");
            assertEquals(1, le64(v, 0), "one socket destructed");
            assertEquals(SockAddr.AF_INET6, le64(v, 8), "sk->__sk_common.skc_family of the struct sock (not its bpf_sock view)");
            l.close();
            rt.barrier();
            int fd2 = rt.net().socket(t, SockAddr.AF_INET, 2, 0);
            rt.net().close(t, fd2);
            rt.barrier();
            assertEquals(1, le64(bss(o, "tramp_sk.bss"), 0), "detached: not counted");
        }
    }
}
