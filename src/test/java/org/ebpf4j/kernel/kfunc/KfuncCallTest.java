package org.ebpf4j.kernel.kfunc;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.CgroupHandle;
import org.ebpf4j.api.Cgroups;
import org.ebpf4j.api.MapHandle;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.ProgEnv;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.jit.JitCompiler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kfunc calls (BPF_PSEUDO_KFUNC_CALL): {@code kfunc_cgroup.bpf.c} declares the kfuncs with
 * {@code __ksym} as libbpf programs do, is loaded through {@link BpfObject} and run with
 * PROG_TEST_RUN on both engines. The program is the kernel-observed benchmark's "cgrp_storage +
 * 2 kfuncs" (kernel-observed-6.18.md (c); spec-local-storage-map-in-map.md §5.3); the object
 * also loads on this machine's Linux 6.18. The refusals (message, errno) are the kernel's, seen
 * there by loading the same calls from other program types and licences.
 */
class KfuncCallTest {
    static final Path OBJ = Path.of("src/test/bpf/kfunc_cgroup.bpf.o");
    static final byte[] FRAME = new byte[64];

    static BpfObject open(String engine) {
        return BpfObject.open(OBJ, env -> {
            if (engine.equals("jit")) {
                env.registerEngine(ProgEnv.EngineKind.JIT, e -> new JitCompiler(e.runtime().arena(), e.helpers(), Set.of()));
                env.setDefaultEngine(ProgEnv.EngineKind.JIT);
            }
        });
    }

    static byte[] le32(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    static long le64(byte[] v) { return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong(); }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void cgroupFromSkbCgroupIdCountsInCgrpStorage(String engine) {
        try (BpfObject o = open(engine)) {
            Cgroups cgroups = new Cgroups(o.task());
            cgroups.mkdir("/a");
            cgroups.mkdir("/b");
            CgroupHandle a = cgroups.open("/a");
            CgroupHandle b = cgroups.open("/b");
            CgroupHandle root = cgroups.open("/");
            MapHandle pkts = o.map("pkts");

            cgroups.move(o.task(), "/a");
            assertEquals(1, o.program("count_egress").testRun(FRAME, 3).retval());
            cgroups.move(o.task(), "/b");
            assertEquals(1, o.program("count_egress").testRun(FRAME, 2).retval());

            assertEquals(3, le64(pkts.lookup(le32(a.fd()))), "3 runs as a task of /a");
            assertEquals(2, le64(pkts.lookup(le32(b.fd()))), "2 runs as a task of /b");
            assertNull(pkts.lookup(le32(root.fd())), "the root cgroup never ran the program");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void cgroupAcquireGivesASecondReferenceUntilRmdir(String engine) {
        try (BpfObject o = open(engine)) {
            Cgroups cgroups = new Cgroups(o.task());
            cgroups.mkdir("/a");
            CgroupHandle a = cgroups.open("/a");
            cgroups.move(o.task(), "/a");
            o.program("acquire_again").testRun(FRAME, 2);
            o.program("count_egress").testRun(FRAME, 1);
            assertEquals(21, le64(o.map("pkts").lookup(le32(a.fd()))), "2 × 10 through the acquired copy, 1 direct");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void taskFromPidReadsThePidOrGetsNull(String engine) {
        try (BpfObject o = open(engine)) {
            Task worker = o.runtime().spawn("worker", 0, 0);
            MapHandle pids = o.map("pids");
            pids.updateLong(0, worker.pid());
            o.program("task_lookup").testRun(FRAME, 1);
            assertEquals(worker.pid(), pids.lookupLong(1), "task->pid read through the acquired pointer");

            pids.updateLong(0, 0x7fff_0000L);   // no such pid
            o.program("task_lookup").testRun(FRAME, 1);
            assertEquals(-1, pids.lookupLong(1));
        }
    }

    @Test
    void aKfuncTheKernelBtfLacksFailsTheObjectLoadWithEsrch() {
        BpfException e = assertThrows(BpfException.class,
                () -> BpfObject.open(Path.of("src/test/bpf/invalid/kfunc_unknown.bpf.o")).close());
        assertEquals(Errno.ESRCH, e.errno());
        assertTrue(e.getMessage().contains("extern (func ksym) 'bpf_rcu_read_lock': not found in kernel or module BTFs"),
                e.getMessage());
    }

    // ---- refusals at PROG_LOAD, as Linux 6.18 gives them ----

    final Runtime rt = Runtime.builder().arenaSize(16L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("loader", 0, 0);

    int funcId(String name) { return rt.kernelBtf().findByName(name, BtfType.Func.class).orElseThrow().id(); }

    /** r1 = 1; call kfunc; r0 = 1; exit. */
    static List<Insn> callingKfunc(int btfId) {
        return Asm.program().mov64(Reg.R1, 1).callKfunc(btfId).mov64(Reg.R0, 1).exit().build();
    }

    BpfException refused(ProgType type, List<Insn> insns, String license) {
        return assertThrows(BpfException.class, () -> bpf.progLoad(task, ProgLoadAttr.of(type.value(), insns, license)));
    }

    /** r1 = 1; r0 = acquire(r1); if r0: release(r0); r0 = 1; exit — no reference leaks (the verifier checks it). */
    static List<Insn> acquiringAndReleasing(int acquireId, int releaseId) {
        return Asm.program().mov64(Reg.R1, 1).callKfunc(acquireId).jeq(Reg.R0, 0, "out")
                .mov64(Reg.R1, Reg.R0).callKfunc(releaseId).label("out").mov64(Reg.R0, 1).exit().build();
    }

    @Test
    void cgroupSkbMayCallTheCgroupAndTaskKfuncs() {
        for (String[] k : List.of(new String[] {"bpf_cgroup_from_id", "bpf_cgroup_release"},
                new String[] {"bpf_task_from_pid", "bpf_task_release"})) {
            assertTrue(bpf.progLoad(task, ProgLoadAttr.of(ProgType.CGROUP_SKB.value(),
                    acquiringAndReleasing(funcId(k[0]), funcId(k[1])), "GPL")) > 0, k[0]);
        }
    }

    @Test
    void aLeakedReferenceIsRefusedAtLoad() {
        BpfException e = refused(ProgType.CGROUP_SKB, callingKfunc(funcId("bpf_cgroup_from_id")), "GPL");
        assertTrue(e.getMessage().contains("Unreleased reference"), e.getMessage());
    }

    @Test
    void socketFilterMayNot() {
        BpfException e = refused(ProgType.SOCKET_FILTER, callingKfunc(funcId("bpf_cgroup_from_id")), "GPL");
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().contains("calling kernel function bpf_cgroup_from_id is not allowed"), e.getMessage());
        assertEquals(Errno.EACCES, refused(ProgType.RAW_TRACEPOINT, callingKfunc(funcId("bpf_task_from_pid")), "GPL").errno());
    }

    @Test
    void nonGplProgramsCannotCallKfuncs() {
        BpfException e = refused(ProgType.CGROUP_SKB, callingKfunc(funcId("bpf_cgroup_from_id")), "Proprietary");
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("cannot call kernel function from non-GPL compatible program"), e.getMessage());
    }

    @Test
    void anIdThatIsNotAFuncIsRefused() {
        int cgroupStruct = rt.kernelBtf().findByName("cgroup", BtfType.Struct.class).orElseThrow().id();
        for (int id : new int[] {cgroupStruct, 0, rt.kernelBtf().typeCount() + 10, -5}) {
            BpfException e = refused(ProgType.CGROUP_SKB, callingKfunc(id), "GPL");
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("kernel btf_id " + id + " is not a function"), e.getMessage());
        }
    }

    @Test
    void aKernelFuncOutsideEveryKfuncSetIsNotAllowed() {
        BpfException e = refused(ProgType.CGROUP_SKB, callingKfunc(funcId("ebpf4j_model_trace_types")), "GPL");
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().contains("calling kernel function ebpf4j_model_trace_types is not allowed"), e.getMessage());
    }

    @Test
    void aModuleBtfOffsetIsRefused() {
        List<Insn> insns = Asm.program().mov64(Reg.R1, 1).callKfunc(funcId("bpf_cgroup_from_id"), 1).mov64(Reg.R0, 1).exit().build();
        assertEquals(Errno.EINVAL, refused(ProgType.CGROUP_SKB, insns, "GPL").errno());
    }

    @org.junit.jupiter.api.AfterEach
    void close() { rt.close(); }
}
