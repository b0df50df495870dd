package org.ebpf4j.kernel.link;

import static org.ebpf4j.kernel.cgroup.AttachFlags.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.ebpf4j.kernel.Cap;
import org.ebpf4j.kernel.File;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupRunner;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The syscall-level cgroup commands (spec §1.3, §2.2, §3, §6, §7) on a runtime with tasks and fds. */
class CgroupAttachCommandsTest {
    static final int EGRESS = AttachType.CGROUP_INET_EGRESS.value();

    final Runtime rt = Runtime.builder().arenaSize(1 << 20).cpus(1).build();
    final CgroupAttachCommands cmd = new CgroupAttachCommands(rt);
    final Task root = rt.spawn("root", 0, 0);
    final List<Integer> trace = new ArrayList<>();
    final CgroupRunner runner = new CgroupRunner(rt.rcu());

    @AfterEach
    void close() { rt.close(); }

    static void errno(Errno e, Executable ex) {
        BpfException t = assertThrows(BpfException.class, ex);
        assertEquals(e, t.errno(), t.getMessage());
    }

    int skb(long r0) { return TestProg.load(root, ProgType.CGROUP_SKB, null, r0, trace); }

    int cg(String path) {
        rt.cgroups().mkdirs(path);
        return cmd.openCgroup(root, path);
    }

    List<Integer> runEgress(String path) {
        trace.clear();
        runner.run(rt.cgroups().lookup(path), CgroupHook.INET_EGRESS, 0);
        return List.copyOf(trace);
    }

    @Test
    void s1_3_cgroupFromFd() {
        int p = skb(1);
        int c = cg("/a");
        errno(Errno.EBADF, () -> cmd.progAttach(root, Attrs.ProgAttach.of(77, p, EGRESS, 0)));
        errno(Errno.EBADF, () -> cmd.progAttach(root, Attrs.ProgAttach.of(p, p, EGRESS, 0)));   // a prog fd, not a cgroup
        errno(Errno.EBADF, () -> cmd.progAttach(root, Attrs.ProgAttach.of(1, p, EGRESS, 0)));   // stdout
        rt.cgroups().rmdir(rt.cgroups().lookup("/a"));
        errno(Errno.ENOENT, () -> cmd.progAttach(root, Attrs.ProgAttach.of(c, p, EGRESS, 0)));
        errno(Errno.ENOENT, () -> cmd.linkCreate(root, Attrs.LinkCreate.of(p, c, EGRESS)));
        assertEquals(1, TestProg.of(root, p).refcnt(), "failed attaches leave no program reference");
    }

    @Test
    void s2_2_validationOrder() {
        int c = cg("/a");
        int skb = skb(1);
        int sock = TestProg.load(root, ProgType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, 1, trace);
        errno(Errno.EINVAL, () -> cmd.progAttach(root, Attrs.ProgAttach.of(c, skb, AttachType.XDP.value(), 0)));
        errno(Errno.EINVAL, () -> cmd.progAttach(root, Attrs.ProgAttach.of(c, skb, EGRESS, 1 << 7)));   // unknown flag
        errno(Errno.EBADF, () -> cmd.progAttach(root, Attrs.ProgAttach.of(c, 99, EGRESS, 0)));
        errno(Errno.EINVAL, () -> cmd.progAttach(root, Attrs.ProgAttach.of(c, sock, EGRESS, 0)));   // wrong prog type
        errno(Errno.EINVAL, () -> cmd.progAttach(root, Attrs.ProgAttach.of(c, sock,
                AttachType.CGROUP_INET_SOCK_RELEASE.value(), 0)));   // expected attach type differs
        // cg_skb without CAP_NET_ADMIN: EINVAL on PROG_ATTACH, EPERM on LINK_CREATE (§12.7)
        Task user = rt.spawn("user", 1000, 1000, Set.of(Cap.BPF));
        int uc = cmd.openCgroup(user, "/a");
        int up = TestProg.load(user, ProgType.CGROUP_SKB, null, 1, trace);
        errno(Errno.EINVAL, () -> cmd.progAttach(user, Attrs.ProgAttach.of(uc, up, EGRESS, 0)));
        errno(Errno.EPERM, () -> cmd.linkCreate(user, Attrs.LinkCreate.of(up, uc, EGRESS)));
        // MULTI|REPLACE with a bad replace fd → EBADF; REPLACE alone → EINVAL
        errno(Errno.EBADF, () -> cmd.progAttach(root, new Attrs.ProgAttach(c, skb, EGRESS, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, -1, 0, 0)));
        errno(Errno.EINVAL, () -> cmd.progAttach(root, new Attrs.ProgAttach(c, skb, EGRESS, BPF_F_REPLACE, -1, 0, 0)));
        errno(Errno.EINVAL, () -> cmd.progAttach(root, Attrs.ProgAttach.of(c, skb, EGRESS, BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI)));
        cmd.progAttach(root, Attrs.ProgAttach.of(c, sock, AttachType.CGROUP_INET_SOCK_CREATE.value(), 0));
        assertEquals(2, TestProg.of(root, sock).refcnt(), "fd + attachment");
    }

    @Test
    void s3_detachAndQuery() {
        int c = cg("/a");
        int p1 = skb(1), p2 = skb(1);
        cmd.progAttach(root, Attrs.ProgAttach.of(c, p1, EGRESS, BPF_F_ALLOW_MULTI));
        cmd.progAttach(root, Attrs.ProgAttach.of(c, p2, EGRESS, BPF_F_ALLOW_MULTI));
        errno(Errno.EINVAL, () -> cmd.progDetach(root, new Attrs.ProgDetach(c, p1, EGRESS, BPF_F_ALLOW_MULTI, 0, 0)));
        errno(Errno.EINVAL, () -> cmd.progDetach(root, Attrs.ProgDetach.of(c, -1, EGRESS)));   // MULTI needs a prog
        errno(Errno.EINVAL, () -> cmd.progDetach(root, Attrs.ProgDetach.of(c, 0, EGRESS)));
        Attrs.ProgQueryOut all = cmd.progQuery(root, new Attrs.ProgQuery(c, EGRESS, 0, 8, true, true));
        assertEquals(BPF_F_ALLOW_MULTI, all.attachFlags());
        assertArrayEquals(new int[] {TestProg.of(root, p1).id(), TestProg.of(root, p2).id()}, all.progIds());
        assertArrayEquals(new int[] {BPF_F_ALLOW_MULTI, BPF_F_ALLOW_MULTI}, all.progAttachFlags());
        assertEquals(3, all.revision());
        Attrs.ProgQueryOut countOnly = cmd.progQuery(root, Attrs.ProgQuery.of(c, EGRESS, 0, 0));
        assertEquals(2, countOnly.progCnt());
        assertEquals(0, countOnly.progIds().length);
        QueryNoSpaceException ns = assertThrows(QueryNoSpaceException.class,
                () -> cmd.progQuery(root, Attrs.ProgQuery.of(c, EGRESS, BPF_F_QUERY_EFFECTIVE, 1)));
        assertEquals(Errno.ENOSPC, ns.errno());
        assertEquals(2, ns.partial().progCnt());
        assertArrayEquals(new int[] {TestProg.of(root, p1).id()}, ns.partial().progIds());
        assertEquals(0, ns.partial().attachFlags(), "effective query: attach_flags 0");
        assertEquals(0, ns.partial().revision());
        errno(Errno.EINVAL, () -> cmd.progQuery(root, new Attrs.ProgQuery(c, EGRESS, BPF_F_QUERY_EFFECTIVE, 4, true, true)));
        errno(Errno.EINVAL, () -> cmd.progQuery(root, Attrs.ProgQuery.of(c, EGRESS, 2, 4)));
        Task user = rt.spawn("user", 1000, 1000, Set.of(Cap.BPF));
        errno(Errno.EPERM, () -> cmd.progQuery(user, Attrs.ProgQuery.of(77, 999, 99, 4)));   // EPERM checked first
        cmd.progDetach(root, Attrs.ProgDetach.of(c, p1, EGRESS));
        assertEquals(1, TestProg.of(root, p1).refcnt());
        errno(Errno.ENOENT, () -> cmd.progDetach(root, Attrs.ProgDetach.of(c, p1, EGRESS)));
    }

    @Test
    void s7_linkLifecycleSelftestCgroupLink() {   // selftest cgroup_link, kernel-observed (e)
        int[] fds = {cg("/l1"), cg("/l1/l2"), cg("/l1/l2/l3"), cg("/l1/l2/l3/l4")};
        int prog = skb(1);
        int[] links = new int[4];
        for (int i = 0; i < 4; i++) {
            links[i] = cmd.linkCreate(root, Attrs.LinkCreate.of(prog, fds[i], EGRESS));
        }
        int pid = TestProg.of(root, prog).id();
        assertEquals(List.of(pid, pid, pid, pid), runEgress("/l1/l2/l3/l4"));
        Attrs.ProgQueryOut q = cmd.progQuery(root, Attrs.ProgQuery.of(fds[0], EGRESS, 0, 4));
        assertEquals(BPF_F_ALLOW_MULTI, q.attachFlags());
        assertEquals(1, q.progCnt());
        // close the leaf link's only fd: detached synchronously
        root.fds().close(links[3]);
        assertEquals(3, runEgress("/l1/l2/l3/l4").size());
        // legacy MULTI next to a link on the leaf; legacy NONE rejected while a link is there
        int legacy = skb(1);
        links[3] = cmd.linkCreate(root, Attrs.LinkCreate.of(prog, fds[3], EGRESS));
        cmd.progAttach(root, Attrs.ProgAttach.of(fds[3], legacy, EGRESS, BPF_F_ALLOW_MULTI));
        assertEquals(5, runEgress("/l1/l2/l3/l4").size());
        errno(Errno.EPERM, () -> cmd.progAttach(root, Attrs.ProgAttach.of(fds[3], legacy, EGRESS, 0)));
        cmd.progDetach(root, Attrs.ProgDetach.of(fds[3], legacy, EGRESS));
        // link with the ALLOW_MULTI flag → EINVAL
        errno(Errno.EINVAL, () -> cmd.linkCreate(root, new Attrs.LinkCreate(prog, fds[3], EGRESS, BPF_F_ALLOW_MULTI, 0, 0)));
        // update: cmpxchg EPERM, then success
        int alt = skb(1);
        int altId = TestProg.of(root, alt).id();
        errno(Errno.EPERM, () -> cmd.linkUpdate(root, new Attrs.LinkUpdate(links[0], alt, BPF_F_REPLACE, alt)));
        errno(Errno.EINVAL, () -> cmd.linkUpdate(root, new Attrs.LinkUpdate(links[0], alt, 0, prog)));
        int sockProg = TestProg.load(root, ProgType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, 1, trace);
        errno(Errno.EINVAL, () -> cmd.linkUpdate(root, new Attrs.LinkUpdate(links[0], sockProg, 0, 0)));
        long rev = rt.cgroups().lookup("/l1").revision(CgroupHook.INET_EGRESS);
        cmd.linkUpdate(root, new Attrs.LinkUpdate(links[0], alt, BPF_F_REPLACE, prog));
        assertEquals(rev + 1, rt.cgroups().lookup("/l1").revision(CgroupHook.INET_EGRESS));
        assertEquals(List.of(pid, pid, pid, altId), runEgress("/l1/l2/l3/l4"), "root link's slot now runs alt");
        // info + fdinfo, then LINK_DETACH → defunct
        CgroupLink l0 = (CgroupLink) ((File.LinkFile) root.fds().get(links[0])).link();
        CgroupLinkInfo info = (CgroupLinkInfo) l0.info();
        assertEquals(3, info.type());
        assertEquals(rt.cgroups().lookup("/l1").id(), info.cgroupId());
        assertEquals(EGRESS, info.attachType());
        assertEquals(altId, info.progId());
        String fdinfo = cmd.linkFdinfo(root, links[0]);
        assertTrue(fdinfo.startsWith("link_type:\tcgroup\nlink_id:\t" + l0.id() + "\nprog_tag:\t"), fdinfo);
        assertTrue(fdinfo.contains("cgroup_id:\t" + info.cgroupId() + "\nattach_type:\t1\n"), fdinfo);
        cmd.linkDetach(root, links[0]);
        CgroupLinkInfo after = (CgroupLinkInfo) l0.info();
        assertEquals(0, after.cgroupId());
        assertEquals(altId, after.progId(), "prog_id kept after detach");
        assertTrue(cmd.linkFdinfo(root, links[0]).contains("cgroup_id:\t0\n"));
        errno(Errno.ENOLINK, () -> cmd.linkUpdate(root, new Attrs.LinkUpdate(links[0], prog, 0, 0)));
        cmd.linkDetach(root, links[0]);   // second detach: 0
        assertEquals(3, runEgress("/l1/l2/l3/l4").size());
        errno(Errno.EINVAL, () -> cmd.linkDetach(root, prog));
        errno(Errno.EBADF, () -> cmd.linkDetach(root, 200));
    }

    @Test
    void s7_2_pinsKeepTheLinkAndRmdirAutoDetaches() {
        int c = cg("/p");
        int prog = skb(1);
        TestProg tp = TestProg.of(root, prog);
        int lfd = cmd.linkCreate(root, Attrs.LinkCreate.of(prog, c, EGRESS));
        CgroupLink link = (CgroupLink) ((File.LinkFile) root.fds().get(lfd)).link();
        int linkId = link.id();
        assertSame(link, rt.linkIds().get(linkId));
        link.anyGet();
        rt.bpffs().pin(root, "/sys/fs/bpf/cglink", link);
        root.fds().close(lfd);
        assertEquals(1, runEgress("/p").size(), "the pin keeps the link attached");
        // rmdir (no sockets) releases the cgroup: the link is auto-detached but stays alive
        root.fds().close(c);
        rt.cgroups().rmdir(rt.cgroups().lookup("/p"));
        assertTrue(link.defunct());
        assertSame(link, rt.linkIds().get(linkId), "defunct link keeps its id");
        assertEquals(0, ((CgroupLinkInfo) link.info()).cgroupId());
        assertTrue(tp.alive());
        // unlink of the last pin frees the link, then the program once its fd closes
        rt.bpffs().unlink(root, "/sys/fs/bpf/cglink");
        assertNull(rt.linkIds().get(linkId));
        root.fds().close(prog);
        assertTrue(tp.destroyed);
        assertEquals(0, tp.id(), "program id gone");
    }

    @Test
    void s4_4_legacyProgIdsVanishAtRelease() {   // selftest cgroup_attach_autodetach
        int c = cg("/x");
        int p1 = skb(1), p2 = skb(1);
        TestProg t1 = TestProg.of(root, p1), t2 = TestProg.of(root, p2);
        cmd.progAttach(root, Attrs.ProgAttach.of(c, p1, EGRESS, BPF_F_ALLOW_MULTI));
        cmd.progAttach(root, Attrs.ProgAttach.of(c, p2, EGRESS, BPF_F_ALLOW_MULTI));
        root.fds().close(p1);
        root.fds().close(p2);
        root.fds().close(c);
        assertTrue(t1.alive() && t2.alive(), "the cgroup holds them");
        Cgroup x = rt.cgroups().lookup("/x");
        x.bpfGet();   // a socket still in the cgroup
        rt.cgroups().rmdir(x);
        assertTrue(t1.alive(), "released only after the last socket");
        x.bpfPut();
        assertFalse(t1.alive());
        assertFalse(t2.alive());
    }

    @Test
    void s1_taskMembershipBlocksRmdir() {
        Cgroup a = rt.cgroups().mkdirs("/busy");
        Task t = rt.spawn("member", 0, 0);
        cmd.moveTask(t, a);
        assertSame(a, cmd.cgroupOf(t));
        errno(Errno.EBUSY, () -> rt.cgroups().rmdir(a));
        t.exit();
        rt.cgroups().rmdir(a);
        errno(Errno.ENOENT, () -> cmd.moveTask(root, a));
    }
}
