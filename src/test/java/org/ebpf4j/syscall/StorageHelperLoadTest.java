package org.ebpf4j.syscall;

import static org.ebpf4j.syscall.Bytes.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.LeakCheck;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * spec-local-storage-map-in-map.md, program-load cases of §10: LS-H9 (§1.13: local storage maps
 * accept only their own helpers, {@code check_map_func_compatibility}), CS-V2 (§6.3: the flags of
 * {@code bpf_get_local_storage} must be the constant 0) and CS-V3 (§6.3, §2.3: sleepable programs
 * may not use legacy cgroup storage, {@code check_map_prog_compatibility}).
 */
class StorageHelperLoadTest {
    static final int BPF_F_SLEEPABLE = 1 << 4;
    static final int FUNC_MAP_LOOKUP_ELEM = 1, FUNC_GET_LOCAL_STORAGE = 81;

    @RegisterExtension final LeakCheck k = new LeakCheck();
    Bpf bpf;
    Task t;

    @BeforeEach
    void setUp() {
        bpf = k.bpf();
        t = k.root("storageload");
    }

    /** A closed program puts its maps after a grace period, which then free after another (rcu_barrier twice). */
    @AfterEach
    void settle() {
        k.runtime().barrier();
        k.runtime().barrier();
    }

    /** {@code bpf_get_local_storage(map, flags); return 1;} */
    static List<Insn> getLocalStorage(int mapFd, int flags) {
        return Asm.program().ldMapFd(Reg.R1, mapFd).mov64(Reg.R2, flags).call(FUNC_GET_LOCAL_STORAGE)
                .mov64(Reg.R0, 1).exit().build();
    }

    /** {@code int key = 0; bpf_map_lookup_elem(map, &key); return 1;} */
    static List<Insn> lookup(int mapFd) {
        return Asm.program().st(Size.W, Reg.R10, -4, 0).ldMapFd(Reg.R1, mapFd).mov64(Reg.R2, Reg.R10).add64(Reg.R2, -4)
                .call(FUNC_MAP_LOOKUP_ELEM).mov64(Reg.R0, 1).exit().build();
    }

    int load(List<Insn> insns, int progFlags) {
        return bpf.progLoad(t, ProgLoadAttr.of(ProgType.CGROUP_SKB.value(), insns, "GPL").withProgFlags(progFlags));
    }

    void loadsAndCloses(List<Insn> insns, int progFlags) {
        int fd = load(insns, progFlags);
        assertTrue(fd > 0);
        t.fds().close(fd);
    }

    static void assertMessage(BpfException e, String expected) {
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void lookupElemOnLocalStorageMapIsRefused() {   // LS-H9
        RawBtf b = new RawBtf();
        int tInt = b.integer("int", 4);
        int tVal = b.struct("v8", 8, "a", tInt, 0, "b", tInt, 4);
        int btfFd = bpf.btfLoad(t, BtfLoadAttr.of(b.bytes()));
        for (MapType type : new MapType[] {MapType.SK_STORAGE, MapType.TASK_STORAGE, MapType.CGRP_STORAGE, MapType.INODE_STORAGE}) {
            int mapFd = bpf.mapCreate(t, MapCreateAttr.of(type, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, tVal));
            BpfException e = assertErrno(Errno.EINVAL, () -> load(lookup(mapFd), 0));
            assertMessage(e, "cannot pass map_type " + type.value() + " into func bpf_map_lookup_elem#1");
            t.fds().close(mapFd);
        }
        t.fds().close(btfFd);
        int hash = bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 1, 0));   // the same program on a hash map loads
        loadsAndCloses(lookup(hash), 0);
        t.fds().close(hash);
    }

    @Test
    void getLocalStorageFlagsMustBeZero() {   // CS-V2
        for (MapType type : new MapType[] {MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE}) {
            int mapFd = bpf.mapCreate(t, MapCreateAttr.of(type, 8, 8, 0, 0));
            BpfException e = assertErrno(Errno.EINVAL, () -> load(getLocalStorage(mapFd, 1), 0));
            assertMessage(e, "get_local_storage() doesn't support non-zero flags");
            loadsAndCloses(getLocalStorage(mapFd, 0), 0);
            t.fds().close(mapFd);
        }
    }

    @Test
    void sleepableProgramCannotUseCgroupStorage() {   // CS-V3
        for (MapType type : new MapType[] {MapType.CGROUP_STORAGE, MapType.PERCPU_CGROUP_STORAGE}) {
            int mapFd = bpf.mapCreate(t, MapCreateAttr.of(type, 8, 8, 0, 0));
            BpfException e = assertErrno(Errno.EINVAL, () -> load(getLocalStorage(mapFd, 0), BPF_F_SLEEPABLE));
            assertMessage(e, "Sleepable programs can only use array, hash, ringbuf and local storage maps");
            t.fds().close(mapFd);
        }
        int hash = bpf.mapCreate(t, MapCreateAttr.of(MapType.HASH, 4, 8, 1, 0));   // a hash map is on the allow-list
        loadsAndCloses(lookup(hash), BPF_F_SLEEPABLE);
        t.fds().close(hash);
    }

    /** {@code v = bpf_inode_storage_get(map, NULL, NULL, F_CREATE); bpf_inode_storage_delete(map, NULL); return 0;} */
    static List<Insn> inodeStorage(int mapFd) {
        return Asm.program()
                .ldMapFd(Reg.R1, mapFd).mov64(Reg.R2, 0).mov64(Reg.R3, 0).mov64(Reg.R4, 1).call(145)
                .ldMapFd(Reg.R1, mapFd).mov64(Reg.R2, 0).call(146)
                .mov64(Reg.R0, 0).exit().build();
    }

    /** An LSM program on {@code bpf_lsm_file_open} (attach_btf_id from the model kernel's BTF). */
    ProgLoadAttr lsm(List<Insn> insns) {
        int btfId = k.runtime().kernelBtf().idsByName("bpf_lsm_file_open").get(0);
        return new ProgLoadAttr(ProgType.LSM.value(), insns, "GPL", 0, null, 0, 0, 0, "lsm", 0,
                org.ebpf4j.uapi.AttachType.LSM_MAC.value(), 0, btfId, 0, null);
    }

    /**
     * spec §2.3: {@code bpf_inode_storage_get/delete} are in {@code bpf_lsm_func_proto} only:
     * an LSM program may call them (arg2 is ARG_PTR_TO_BTF_ID_OR_NULL, so a NULL inode loads),
     * any other type gets check_helper_call's "program of this type cannot use helper"; and
     * check_map_func_compatibility pairs INODE_STORAGE with exactly these two helpers.
     */
    @Test
    void inodeStorageHelpersOnlyInLsmPrograms() {
        RawBtf b = new RawBtf();
        int tInt = b.integer("int", 4);
        int tVal = b.struct("v8", 8, "a", tInt, 0, "b", tInt, 4);
        int btfFd = bpf.btfLoad(t, BtfLoadAttr.of(b.bytes()));
        int inode = bpf.mapCreate(t, MapCreateAttr.of(MapType.INODE_STORAGE, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, tVal));
        int task = bpf.mapCreate(t, MapCreateAttr.of(MapType.TASK_STORAGE, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, tVal));
        int lsm = bpf.progLoad(t, lsm(inodeStorage(inode)));
        t.fds().close(lsm);
        // the hook's own pointer: file->f_inode is a PTR_TO_BTF_ID of struct inode
        int fInode = org.ebpf4j.btf.StructLayout.of(k.runtime().kernelBtf(), "file").offset("f_inode");
        lsm = bpf.progLoad(t, lsm(Asm.program().ldx(Size.DW, Reg.R6, Reg.R1, 0).ldx(Size.DW, Reg.R2, Reg.R6, fInode)
                .ldMapFd(Reg.R1, inode).mov64(Reg.R3, 0).mov64(Reg.R4, 1).call(145).mov64(Reg.R0, 0).exit().build()));
        t.fds().close(lsm);
        // ... and the struct file itself is not one (check_reg_type: btf_struct_ids_match)
        BpfException wrong = assertErrno(Errno.EACCES, () -> bpf.progLoad(t, lsm(Asm.program().ldx(Size.DW, Reg.R2, Reg.R1, 0)
                .ldMapFd(Reg.R1, inode).mov64(Reg.R3, 0).mov64(Reg.R4, 1).call(145).mov64(Reg.R0, 0).exit().build())));
        assertMessage(wrong, "R2 is of type file but inode is expected");
        for (ProgType type : new ProgType[] {ProgType.CGROUP_SKB, ProgType.KPROBE, ProgType.TRACING, ProgType.SCHED_CLS}) {
            BpfException e = assertErrno(Errno.EINVAL, () -> bpf.progLoad(t, ProgLoadAttr.of(type.value(), inodeStorage(inode), "GPL")));
            assertMessage(e, "program of this type cannot use helper bpf_inode_storage_get#145");
        }
        BpfException e = assertErrno(Errno.EINVAL, () -> bpf.progLoad(t, lsm(inodeStorage(task))));
        assertMessage(e, "cannot pass map_type 29 into func bpf_inode_storage_get#145");
        List<Insn> taskGet = Asm.program().ldMapFd(Reg.R1, inode).mov64(Reg.R2, 0).mov64(Reg.R3, 0).mov64(Reg.R4, 0)
                .call(156).mov64(Reg.R0, 0).exit().build();
        e = assertErrno(Errno.EINVAL, () -> bpf.progLoad(t, lsm(taskGet)));
        assertMessage(e, "cannot pass map_type 28 into func bpf_task_storage_get#156");
        t.fds().close(inode);
        t.fds().close(task);
        t.fds().close(btfFd);
    }

    ProgLoadAttr lsmOn(String hook, List<Insn> insns) {
        int btfId = k.runtime().kernelBtf().idsByName("bpf_lsm_" + hook).get(0);
        return new ProgLoadAttr(ProgType.LSM.value(), insns, "GPL", 0, null, 0, 0, 0, "lsm", 0,
                org.ebpf4j.uapi.AttachType.LSM_MAC.value(), 0, btfId, 0, null);
    }

    /** {@code r2 = <load>; helper(map, r2[, NULL, 0]); return 0;} with {@code r6 = ctx[0]}. */
    static List<Insn> storageCall(int mapFd, int helper, boolean get, int derefOff) {
        Asm a = Asm.program().ldx(Size.DW, Reg.R6, Reg.R1, 0);
        a = derefOff < 0 ? a.mov64(Reg.R2, Reg.R6) : a.ldx(Size.DW, Reg.R2, Reg.R6, derefOff);
        a = a.ldMapFd(Reg.R1, mapFd);
        if (get) {
            a = a.mov64(Reg.R3, 0).mov64(Reg.R4, 0);
        }
        return a.call(helper).mov64(Reg.R0, 0).exit().build();
    }

    /**
     * check_reg_type's btf_struct_ids_match for the other local storage helpers (spec-local-storage
     * §2.3): task storage takes a {@code struct task_struct}, cgroup storage a {@code struct cgroup},
     * sk storage a {@code struct sock_common} (a {@code struct sock} passes: its first member is one).
     * Messages as Linux 6.18 gave them for a tp_btf program on this machine ("R2 is of type
     * task_struct but cgroup is expected", "... but sock_common is expected", EACCES).
     */
    @Test
    void storageHelpersCheckTheStructOfTheirBtfPointer() {
        RawBtf b = new RawBtf();
        int tInt = b.integer("int", 4);
        int tVal = b.struct("v8", 8, "a", tInt, 0, "b", tInt, 4);
        int btfFd = bpf.btfLoad(t, BtfLoadAttr.of(b.bytes()));
        int task = bpf.mapCreate(t, MapCreateAttr.of(MapType.TASK_STORAGE, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, tVal));
        int cgrp = bpf.mapCreate(t, MapCreateAttr.of(MapType.CGRP_STORAGE, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, tVal));
        int sk = bpf.mapCreate(t, MapCreateAttr.of(MapType.SK_STORAGE, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC).withBtf(btfFd, tInt, tVal));
        Object[][] wrong = {{task, 156, true, "task_struct"}, {task, 157, false, "task_struct"},
            {cgrp, 210, true, "cgroup"}, {cgrp, 211, false, "cgroup"}, {sk, 107, true, "sock_common"}, {sk, 108, false, "sock_common"}};
        for (Object[] w : wrong) {
            // file_open's ctx[0] is a struct file
            BpfException e = assertErrno(Errno.EACCES, () -> bpf.progLoad(t,
                    lsmOn("file_open", storageCall((int) w[0], (int) w[1], (boolean) w[2], -1))));
            assertMessage(e, "R2 is of type file but " + w[3] + " is expected");
        }
        // socket_post_create's ctx[0] is a struct socket: not a sock_common; its ->sk is a struct sock, which is one
        int skOff = org.ebpf4j.btf.StructLayout.of(k.runtime().kernelBtf(), "socket").offset("sk");
        BpfException e = assertErrno(Errno.EACCES, () -> bpf.progLoad(t, lsmOn("socket_post_create", storageCall(sk, 107, true, -1))));
        assertMessage(e, "R2 is of type socket but sock_common is expected");
        for (int helper : new int[] {107, 108}) {
            int fd = bpf.progLoad(t, lsmOn("socket_post_create", storageCall(sk, helper, helper == 107, skOff)));
            t.fds().close(fd);
        }
        // bpf_get_current_task_btf() is a struct task_struct: task storage takes it
        int fd = bpf.progLoad(t, lsmOn("file_open", Asm.program().call(158).mov64(Reg.R2, Reg.R0).ldMapFd(Reg.R1, task)
                .mov64(Reg.R3, 0).mov64(Reg.R4, 0).call(156).mov64(Reg.R0, 0).exit().build()));
        t.fds().close(fd);
        t.fds().close(task);
        t.fds().close(cgrp);
        t.fds().close(sk);
        t.fds().close(btfFd);
    }
}
