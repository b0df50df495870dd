package org.ebpf4j.syscall;

import static org.ebpf4j.kernel.cgroup.AttachFlags.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupRunner;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.link.CgroupAttachCommands;
import org.ebpf4j.kernel.link.CgroupLinkInfo;
import org.ebpf4j.kernel.link.QueryNoSpaceException;
import org.ebpf4j.kernel.prog.ProgInfo;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The attach/link commands through {@link Bpf} with programs loaded by BPF_PROG_LOAD
 * (spec-cgroup-attach-link §13, the lines about the syscall surface; §2, §3, §6, §7).
 */
class CgroupLinkBpfTest {
    static final int EGRESS = AttachType.CGROUP_INET_EGRESS.value();

    final Runtime rt = Runtime.builder().arenaSize(16L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("root", 0, 0);
    final CgroupAttachCommands cgfs = new CgroupAttachCommands(rt);
    final CgroupRunner runner = new CgroupRunner(rt.rcu());
    final int rec = CgroupProgs.recorder(bpf, task);

    @AfterEach
    void close() { rt.close(); }

    static BpfException errno(Errno e, Executable ex) {
        BpfException t = assertThrows(BpfException.class, ex);
        assertEquals(e, t.errno(), t.getMessage());
        return t;
    }

    int cg(String path) {
        rt.cgroups().mkdirs(path);
        return cgfs.openCgroup(task, path);
    }

    int progId(int fd) { return ((ProgInfo) bpf.objGetInfoByFd(task, fd)).id(); }

    long egress(String path) {
        CgroupProgs.reset(bpf, task, rec);
        int r = runner.run(rt.cgroups().lookup(path), CgroupHook.INET_EGRESS, 0);
        assertTrue(r == CgroupRunner.NET_XMIT_SUCCESS || r == -1, "egress verdict " + r);
        return CgroupProgs.slots(bpf, task, rec)[0];
    }

    @Test
    void attachFlagsAndTypes_s13() {
        int c = cg("/a");
        int p = CgroupProgs.skb(bpf, task, rec, 1);
        errno(Errno.EINVAL, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, p, EGRESS, BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI)));
        errno(Errno.EINVAL, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, p, EGRESS, BPF_F_REPLACE)));
        errno(Errno.EINVAL, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, p, EGRESS, 1 << 9)));
        int sock = CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCK, null, CgroupProgs.recording(rec, 2, 1));
        errno(Errno.EINVAL, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, sock, EGRESS, 0)));
        // loaded without an expected type, CGROUP_SOCK defaults to SOCK_CREATE (bpf_prog_load_fixup_attach_type)
        errno(Errno.EINVAL, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, sock, AttachType.CGROUP_INET4_POST_BIND.value(), 0)));
        bpf.progAttach(task, Attrs.ProgAttach.of(c, sock, AttachType.CGROUP_INET_SOCK_CREATE.value(), 0));
        errno(Errno.EBADF, () -> bpf.progAttach(task, Attrs.ProgAttach.of(p, p, EGRESS, 0)));   // not a cgroup fd
        rt.cgroups().rmdir(rt.cgroups().lookup("/a"));
        errno(Errno.ENOENT, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, p, EGRESS, 0)));
        errno(Errno.ENOENT, () -> bpf.linkCreate(task, Attrs.LinkCreate.of(p, c, EGRESS)));
    }

    @Test
    void modesReplaceAndDetach_s13() {
        int c = cg("/a");
        int p1 = CgroupProgs.skb(bpf, task, rec, 1);
        int p2 = CgroupProgs.skb(bpf, task, rec, 2);
        bpf.progAttach(task, Attrs.ProgAttach.of(c, p1, EGRESS, BPF_F_ALLOW_OVERRIDE));
        errno(Errno.EPERM, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, p2, EGRESS, 0)));
        errno(Errno.EPERM, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, p2, EGRESS, BPF_F_ALLOW_MULTI)));
        long rev = bpf.progQuery(task, Attrs.ProgQuery.of(c, EGRESS, 0, 0)).revision();
        bpf.progAttach(task, Attrs.ProgAttach.of(c, p2, EGRESS, BPF_F_ALLOW_OVERRIDE));   // replaces
        Attrs.ProgQueryOut q = bpf.progQuery(task, Attrs.ProgQuery.of(c, EGRESS, 0, 4));
        assertEquals(1, q.progCnt());
        assertEquals(progId(p2), q.progIds()[0]);
        assertEquals(rev + 1, q.revision());
        assertEquals(2, egress("/a"));
        bpf.progDetach(task, Attrs.ProgDetach.of(c, -1, EGRESS));   // NONE/OVERRIDE: any fd detaches
        errno(Errno.ENOENT, () -> bpf.progDetach(task, Attrs.ProgDetach.of(c, -1, EGRESS)));
        // mode reset: MULTI accepted now; the same program twice is EINVAL
        bpf.progAttach(task, Attrs.ProgAttach.of(c, p1, EGRESS, BPF_F_ALLOW_MULTI));
        errno(Errno.EINVAL, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, p1, EGRESS, BPF_F_ALLOW_MULTI)));
        errno(Errno.EINVAL, () -> bpf.progDetach(task, Attrs.ProgDetach.of(c, 0, EGRESS)));   // MULTI needs a prog
        errno(Errno.ENOENT, () -> bpf.progDetach(task, Attrs.ProgDetach.of(c, p2, EGRESS)));
        errno(Errno.EINVAL, () -> bpf.progDetach(task, new Attrs.ProgDetach(c, p1, EGRESS, BPF_F_ALLOW_MULTI, 0, 0)));
        errno(Errno.ESTALE, () -> bpf.progAttach(task, new Attrs.ProgAttach(c, p2, EGRESS, BPF_F_ALLOW_MULTI, 0, 0, 1)));
        bpf.progDetach(task, Attrs.ProgDetach.of(c, p1, EGRESS));
        assertEquals(0, egress("/a"), "nothing runs any more");
    }

    @Test
    void queryCountsAndEnospc_s6() {
        int c = cg("/a");
        int[] fds = new int[3];
        for (int i = 0; i < 3; i++) {
            fds[i] = CgroupProgs.skb(bpf, task, rec, i + 1);
            bpf.progAttach(task, Attrs.ProgAttach.of(c, fds[i], EGRESS, BPF_F_ALLOW_MULTI));
        }
        Attrs.ProgQueryOut countOnly = bpf.progQuery(task, Attrs.ProgQuery.of(c, EGRESS, 0, 0));
        assertEquals(3, countOnly.progCnt());
        assertEquals(BPF_F_ALLOW_MULTI, countOnly.attachFlags());
        QueryNoSpaceException e = assertThrows(QueryNoSpaceException.class,
                () -> bpf.progQuery(task, Attrs.ProgQuery.of(c, EGRESS, BPF_F_QUERY_EFFECTIVE, 2)));
        assertEquals(Errno.ENOSPC, e.errno());
        assertEquals(3, e.partial().progCnt());
        assertArrayEquals(new int[] {progId(fds[0]), progId(fds[1])}, e.partial().progIds());
        Attrs.ProgQueryOut eff = bpf.progQuery(task, Attrs.ProgQuery.of(c, EGRESS, BPF_F_QUERY_EFFECTIVE, 8));
        assertEquals(0, eff.attachFlags(), "effective query reports attach_flags 0 (§12.9)");
        assertEquals(123, egress("/a"));
        Task user = rt.spawn("user", 1000, 1000);
        int ufd = cgfs.openCgroup(user, "/a");
        errno(Errno.EPERM, () -> bpf.progQuery(user, Attrs.ProgQuery.of(ufd, EGRESS, 0, 0)));
    }

    @Test
    void linkCreateRulesAndCoexistence_s7_1() {
        int c = cg("/a");
        int p1 = CgroupProgs.skb(bpf, task, rec, 1);
        int p2 = CgroupProgs.skb(bpf, task, rec, 2);
        errno(Errno.EINVAL, () -> bpf.linkCreate(task, new Attrs.LinkCreate(p1, c, EGRESS, BPF_F_ALLOW_MULTI, 0, 0)));
        errno(Errno.EBADF, () -> bpf.linkCreate(task, Attrs.LinkCreate.of(99, c, EGRESS)));
        errno(Errno.EINVAL, () -> bpf.linkCreate(task, Attrs.LinkCreate.of(p1, c, AttachType.XDP.value())));
        int xdp = CgroupProgs.load(bpf, task, ProgType.XDP, null, Asm.program().mov64(Reg.R0, 2).exit().build());
        errno(Errno.EINVAL, () -> bpf.linkCreate(task, Attrs.LinkCreate.of(xdp, c, AttachType.XDP.value())));
        int l1 = bpf.linkCreate(task, Attrs.LinkCreate.of(p1, c, EGRESS));
        // with a link present, legacy NONE / OVERRIDE are refused; legacy MULTI coexists
        errno(Errno.EPERM, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, p2, EGRESS, 0)));
        errno(Errno.EPERM, () -> bpf.progAttach(task, Attrs.ProgAttach.of(c, p2, EGRESS, BPF_F_ALLOW_OVERRIDE)));
        bpf.progAttach(task, Attrs.ProgAttach.of(c, p2, EGRESS, BPF_F_ALLOW_MULTI));
        assertEquals(12, egress("/a"));
        // a program attached through a link cannot be PROG_DETACHed
        errno(Errno.ENOENT, () -> bpf.progDetach(task, Attrs.ProgDetach.of(c, p1, EGRESS)));
        // the same program through a second link runs twice
        int l2 = bpf.linkCreate(task, Attrs.LinkCreate.of(p1, c, EGRESS));
        assertEquals(121, egress("/a"));
        // legacy NONE on another cgroup, then LINK_CREATE there → EPERM
        int d = cg("/d");
        bpf.progAttach(task, Attrs.ProgAttach.of(d, p2, EGRESS, 0));
        errno(Errno.EPERM, () -> bpf.linkCreate(task, Attrs.LinkCreate.of(p1, d, EGRESS)));
        task.fds().close(l1);
        task.fds().close(l2);
        assertEquals(2, egress("/a"), "closing the last fd detaches synchronously (§7.2)");
    }

    @Test
    void linkUpdateDetachInfoFdinfo_s7() {
        int c = cg("/a");
        int p1 = CgroupProgs.skb(bpf, task, rec, 1);
        int p2 = CgroupProgs.skb(bpf, task, rec, 2);
        int sock = CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCK, null, CgroupProgs.recording(rec, 3, 1));
        int l = bpf.linkCreate(task, Attrs.LinkCreate.of(p1, c, EGRESS));
        long cgId = rt.cgroups().lookup("/a").id();
        CgroupLinkInfo info = (CgroupLinkInfo) bpf.objGetInfoByFd(task, l);
        assertEquals(3, info.type());
        assertEquals(progId(p1), info.progId());
        assertEquals(cgId, info.cgroupId());
        assertEquals(EGRESS, info.attachType());
        String fdinfo = bpf.linkFdinfo(task, l);
        assertEquals("link_type:\tcgroup\nlink_id:\t" + info.id() + "\nprog_tag:\t"
                + java.util.HexFormat.of().formatHex(((ProgInfo) bpf.objGetInfoByFd(task, p1)).tag())
                + "\nprog_id:\t" + progId(p1) + "\ncgroup_id:\t" + cgId + "\nattach_type:\t" + EGRESS + "\n", fdinfo);
        errno(Errno.EINVAL, () -> bpf.linkFdinfo(task, p1));

        errno(Errno.EINVAL, () -> bpf.linkUpdate(task, new Attrs.LinkUpdate(l, p2, 0, p1)));     // old fd w/o REPLACE
        errno(Errno.EINVAL, () -> bpf.linkUpdate(task, new Attrs.LinkUpdate(l, p2, 1 << 5, 0)));  // unknown flag
        errno(Errno.EPERM, () -> bpf.linkUpdate(task, new Attrs.LinkUpdate(l, p2, BPF_F_REPLACE, p2)));   // cmpxchg
        errno(Errno.EINVAL, () -> bpf.linkUpdate(task, new Attrs.LinkUpdate(l, sock, 0, 0)));    // type mismatch
        long rev = bpf.progQuery(task, Attrs.ProgQuery.of(c, EGRESS, 0, 0)).revision();
        bpf.linkUpdate(task, new Attrs.LinkUpdate(l, p2, BPF_F_REPLACE, p1));
        assertEquals(rev + 1, bpf.progQuery(task, Attrs.ProgQuery.of(c, EGRESS, 0, 0)).revision());
        assertEquals(2, egress("/a"));

        bpf.linkDetach(task, l);
        CgroupLinkInfo after = (CgroupLinkInfo) bpf.objGetInfoByFd(task, l);
        assertEquals(0, after.cgroupId());
        assertEquals(progId(p2), after.progId(), "prog_id stays after detach");
        assertTrue(bpf.linkFdinfo(task, l).contains("cgroup_id:\t0\n"));
        errno(Errno.ENOLINK, () -> bpf.linkUpdate(task, new Attrs.LinkUpdate(l, p1, 0, 0)));
        bpf.linkDetach(task, l);   // second detach: 0
        assertEquals(0, egress("/a"));
        errno(Errno.EINVAL, () -> bpf.linkDetach(task, p1));
        errno(Errno.EBADF, () -> bpf.linkDetach(task, 99));
    }

    @Test
    void linkIdsAndGetFdById_s10() {
        int c = cg("/a");
        int p1 = CgroupProgs.skb(bpf, task, rec, 1);
        int l = bpf.linkCreate(task, Attrs.LinkCreate.of(p1, c, EGRESS));
        int id = ((CgroupLinkInfo) bpf.objGetInfoByFd(task, l)).id();
        assertEquals(id, bpf.linkGetNextId(task, 0));
        errno(Errno.ENOENT, () -> bpf.linkGetNextId(task, id));
        errno(Errno.ENOENT, () -> bpf.linkGetFdById(task, 0));
        int l2 = bpf.linkGetFdById(task, id);
        assertEquals(id, ((CgroupLinkInfo) bpf.objGetInfoByFd(task, l2)).id());
        task.fds().close(l);
        assertEquals(1, egress("/a"), "the fd from GET_FD_BY_ID keeps the link attached");
        bpf.linkDetach(task, l2);
        assertEquals(id, bpf.linkGetNextId(task, 0), "a defunct link is still listed");
        task.fds().close(l2);
        errno(Errno.ENOENT, () -> bpf.linkGetNextId(task, 0));
        errno(Errno.ENOENT, () -> bpf.linkGetFdById(task, id));
    }

    @Test
    void pinnedLinkSurvivesItsFd_s9_4() {
        int c = cg("/a");
        int p1 = CgroupProgs.skb(bpf, task, rec, 1);
        int l = bpf.linkCreate(task, Attrs.LinkCreate.of(p1, c, EGRESS));
        bpf.objPin(task, "/sys/fs/bpf/lnk", l);
        task.fds().close(l);
        assertEquals(1, egress("/a"));
        int again = bpf.objGet(task, "/sys/fs/bpf/lnk");
        assertEquals(progId(p1), ((CgroupLinkInfo) bpf.objGetInfoByFd(task, again)).progId());
        errno(Errno.EINVAL, () -> bpf.objGet(task, ObjAttr.get("/sys/fs/bpf/lnk", 1 << 3)));   // RDONLY link
        rt.bpffs().unlink(task, "/sys/fs/bpf/lnk");
        assertEquals(1, egress("/a"), "the fd from OBJ_GET still holds it");
        task.fds().close(again);
        assertEquals(0, egress("/a"));
    }

    @Test
    void retvalHelpersGatedByAttachType_s1_2() {
        List<org.ebpf4j.isa.Insn> getRetval = Asm.program().call(186).mov64(Reg.R0, 1).exit().build();
        errno(Errno.EINVAL, () -> CgroupProgs.load(bpf, task, ProgType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS, getRetval));
        errno(Errno.EINVAL, () -> CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_UDP4_RECVMSG, getRetval));
        errno(Errno.EINVAL, () -> CgroupProgs.load(bpf, task, ProgType.CGROUP_DEVICE, null, getRetval));
        errno(Errno.EINVAL, () -> CgroupProgs.load(bpf, task, ProgType.XDP, null, getRetval));
        assertTrue(CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT, getRetval) > 0);
        assertTrue(CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT, getRetval) > 0);
        assertTrue(CgroupProgs.load(bpf, task, ProgType.CGROUP_DEVICE, AttachType.CGROUP_DEVICE, getRetval) > 0);
        assertTrue(CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCK, null, getRetval) > 0);
    }

    @Test
    void setRetvalDecidesTheHook_s5_1() {
        int c = cg("/a");
        AttachType connect = AttachType.CGROUP_INET4_CONNECT;
        // set_retval(-EUNATCH) then allow: the hook fails with -EUNATCH; a later getter sees it
        int setter = CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCK_ADDR, connect,
                Asm.program().mov64(Reg.R1, -49).call(187).mov64(Reg.R0, 1).exit().build());
        int getter = CgroupProgs.load(bpf, task, ProgType.CGROUP_SOCK_ADDR, connect,
                Asm.program().call(186).mov64(Reg.R6, Reg.R0).ldMapValue(Reg.R1, rec, 8)
                        .stx(org.ebpf4j.isa.Size.DW, Reg.R1, 0, Reg.R6).mov64(Reg.R0, 1).exit().build());
        bpf.progAttach(task, Attrs.ProgAttach.of(c, getter, connect.value(), BPF_F_ALLOW_MULTI));
        bpf.progAttach(task, new Attrs.ProgAttach(c, setter, connect.value(), BPF_F_ALLOW_MULTI | BPF_F_BEFORE, 0, 0, 0));
        int r = runner.run(rt.cgroups().lookup("/a"), CgroupHook.INET4_CONNECT, 0);
        assertEquals(-49, r);
        assertEquals(-49, CgroupProgs.slots(bpf, task, rec)[1], "the getter saw the setter's value");
    }
}
