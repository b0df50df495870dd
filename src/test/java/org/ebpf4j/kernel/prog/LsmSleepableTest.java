package org.ebpf4j.kernel.prog;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.btf.Btf;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.BtfLoadAttr;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.syscall.RawBtf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.vm.VerifierException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sleepable BPF LSM programs (spec-local-storage §2.3, kernel/bpf/bpf_lsm.c
 * {@code sleepable_lsm_hooks}, kernel/bpf/verifier.c {@code bpf_check_attach_target} and
 * {@code check_map_prog_compatibility}) and the void {@code bprm_committed_creds} hook
 * ({@code check_return_code}: a void LSM hook's program return value is not read).
 */
class LsmSleepableTest {
    static final int BPF_F_SLEEPABLE = 1 << 4;
    static final List<Insn> RET0 = Asm.program().mov64(Reg.R0, 0).exit().build();

    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("lsmsleep");
    }

    @AfterEach
    void settle() {
        k.runtime().barrier();
        k.runtime().barrier();
    }

    ProgLoadAttr lsm(String func, List<Insn> insns, int flags) {
        int btfId = k.runtime().kernelBtf().idsByName(func).get(0);
        return new ProgLoadAttr(ProgType.LSM.value(), insns, "GPL", 0, null, 0, 0, flags, "lsm", 0,
                AttachType.LSM_MAC.value(), 0, btfId, 0, null);
    }

    void loadsAndCloses(ProgLoadAttr a) { t.fds().close(bpf.progLoad(t, a)); }

    @Test
    void everyModelledHookIsInTheSleepableSet() {
        // all of the model's hooks are sleepable on Linux 6.18 (lsm.s/ loads on each)
        for (String hook : new String[] {"bpf", "bpf_map", "bpf_prog", "socket_post_create", "socket_bind", "socket_connect",
                "file_open", "inode_unlink", "inode_rename", "bprm_committed_creds"}) {
            loadsAndCloses(lsm("bpf_lsm_" + hook, RET0, BPF_F_SLEEPABLE));
        }
    }

    /**
     * A hook outside {@code sleepable_lsm_hooks} ({@code task_free}, {@code inode_permission}:
     * called where sleeping is not allowed) refuses a sleepable program with "X is not sleepable",
     * EINVAL, before the license check; a non-sleepable program on it is fine. The model kernel
     * declares no such hook (none has a call site), so the check runs on a BTF that has them.
     */
    @Test
    void aHookOutsideTheSleepableSetRefusesSleepablePrograms() {
        RawBtf b = new RawBtf();
        int tInt = b.integer("int", 4);
        int task = b.struct("task_struct", 8, "pid", tInt, 0);
        int ptr = b.pointer(task);
        int voidProto = b.funcProto(0, ptr);
        int taskFree = b.func("bpf_lsm_task_free", voidProto);
        int intProto = b.funcProto(tInt, ptr, tInt);
        int perm = b.func("bpf_lsm_inode_permission", intProto);
        int fileOpen = b.func("bpf_lsm_file_open", intProto);
        Btf btf = Btf.parse(b.bytes());
        for (int id : new int[] {taskFree, perm}) {
            String name = btf.type(id).name();
            VerifierException e = assertThrows(VerifierException.class,
                    () -> AttachBtf.resolveFunc(btf, ProgType.LSM, AttachType.LSM_MAC, id, true, true));
            assertTrue(e.getMessage().contains(name + " is not sleepable"), e.getMessage());
            // checked before bpf_lsm_verify_prog's license check
            e = assertThrows(VerifierException.class,
                    () -> AttachBtf.resolveFunc(btf, ProgType.LSM, AttachType.LSM_MAC, id, true, false));
            assertTrue(e.getMessage().contains("is not sleepable"), e.getMessage());
            assertEquals(name, AttachBtf.resolveFunc(btf, ProgType.LSM, AttachType.LSM_MAC, id, false, true).funcName());
        }
        assertEquals("bpf_lsm_file_open", AttachBtf.resolveFunc(btf, ProgType.LSM, AttachType.LSM_MAC, fileOpen, true, true).funcName());
        assertFalse(AttachBtf.sleepableLsmHook("bpf_lsm_task_free"));
        assertTrue(AttachBtf.sleepableLsmHook("bpf_lsm_task_alloc"));
        assertFalse(AttachBtf.sleepableLsmHook("task_alloc"), "only bpf_lsm_ functions");
    }

    /** check_map_prog_compatibility for a sleepable LSM program: legacy cgroup storage refused, local storage fine. */
    @Test
    void sleepableLsmProgramsUseOnlyTheAllowedMaps() {
        int cg = bpf.mapCreate(t, MapCreateAttr.of(MapType.CGROUP_STORAGE, 8, 8, 0, 0));
        List<Insn> useCg = Asm.program().ldMapFd(Reg.R1, cg).mov64(Reg.R0, 0).exit().build();
        BpfException e = assertThrows(BpfException.class, () -> bpf.progLoad(t, lsm("bpf_lsm_file_open", useCg, BPF_F_SLEEPABLE)));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("Sleepable programs can only use array, hash, ringbuf and local storage maps"), e.getMessage());
        RawBtf b = new RawBtf();
        int tInt = b.integer("int", 4);
        int btfFd = bpf.btfLoad(t, BtfLoadAttr.of(b.bytes()));
        int inode = bpf.mapCreate(t, MapCreateAttr.of(MapType.INODE_STORAGE, 4, 4, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, tInt));
        loadsAndCloses(lsm("bpf_lsm_file_open", Asm.program().ldMapFd(Reg.R1, inode).mov64(Reg.R0, 0).exit().build(), BPF_F_SLEEPABLE));
        t.fds().close(inode);
        t.fds().close(cg);
        t.fds().close(btfFd);
    }

    /**
     * bprm_committed_creds returns void: check_return_code returns before reading R0, so a
     * program that never sets it, or returns 1, loads; on the int hook file_open the same
     * programs are refused (R0 !read_ok; R0 outside [-4095, 0]).
     */
    @Test
    void aVoidHooksProgramReturnsNothing() {
        List<Insn> noR0 = Asm.program().exit().build();
        List<Insn> ret1 = Asm.program().mov64(Reg.R0, 1).exit().build();
        loadsAndCloses(lsm("bpf_lsm_bprm_committed_creds", noR0, BPF_F_SLEEPABLE));
        loadsAndCloses(lsm("bpf_lsm_bprm_committed_creds", ret1, 0));
        BpfException e = assertThrows(BpfException.class, () -> bpf.progLoad(t, lsm("bpf_lsm_file_open", noR0, 0)));
        assertEquals(Errno.EACCES, e.errno());
        assertTrue(e.getMessage().contains("R0 !read_ok"), e.getMessage());
        e = assertThrows(BpfException.class, () -> bpf.progLoad(t, lsm("bpf_lsm_file_open", ret1, 0)));
        assertEquals(Errno.EINVAL, e.errno());
    }
}
