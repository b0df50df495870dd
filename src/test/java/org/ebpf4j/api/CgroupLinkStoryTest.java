package org.ebpf4j.api;

import static org.junit.jupiter.api.Assertions.*;

import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.AttachFlags;
import org.ebpf4j.kernel.cgroup.CgroupHook;
import org.ebpf4j.kernel.cgroup.CgroupRunner;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.ProgInfo;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.CgroupProgs;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Seed 2's story end to end through the api (kernel-observed-6.18 (e); spec §4.1, §6, §7): parent
 * and child cgroups, a link on each, a legacy MULTI program on the child, the effective order
 * from PROG_QUERY and from running the hook, LINK_UPDATE, pin + close + OBJ_GET, LINK_DETACH,
 * rmdir auto-detach. Programs are counting cg_skb programs (ARRAY recorder, see {@link CgroupProgs}).
 */
class CgroupLinkStoryTest {
    static final AttachType EGRESS = AttachType.CGROUP_INET_EGRESS;

    final Runtime rt = Runtime.builder().arenaSize(16L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("story", 0, 0);
    final Cgroups cgroups = new Cgroups(task);
    final CgroupRunner runner = new CgroupRunner(rt.rcu());
    final int rec = CgroupProgs.recorder(bpf, task);

    @AfterEach
    void close() { rt.close(); }

    ProgramFd prog(int digit) { return new ProgramFd(bpf, task, CgroupProgs.skb(bpf, task, rec, digit)); }

    int id(ProgramFd p) { return ((ProgInfo) bpf.objGetInfoByFd(task, p.fd())).id(); }

    /** Runs the egress hook of {@code path}; returns the run order (decimal digits). */
    long send(String path) {
        CgroupProgs.reset(bpf, task, rec);
        assertEquals(CgroupRunner.NET_XMIT_SUCCESS, runner.run(rt.cgroups().lookup(path), CgroupHook.INET_EGRESS, 0));
        return CgroupProgs.slots(bpf, task, rec)[0];
    }

    @Test
    void story() {
        cgroups.mkdir("/parent/child");
        CgroupHandle parent = cgroups.open("/parent");
        CgroupHandle child = cgroups.open("/parent/child");
        ProgramFd a = prog(1), b = prog(2), c = prog(3), d = prog(4);

        Link la = a.attachCgroup(parent, EGRESS);
        assertEquals(1, send("/parent/child"), "a parent link applies to the child");
        Link lb = b.attachCgroup("/parent/child", EGRESS);
        c.attachLegacy(child, EGRESS, CgroupAttachMode.ALLOW_MULTI);

        // effective order [child link, child legacy, parent] — from the query and from running the hook
        Attrs.ProgQueryOut eff = bpf.progQuery(task, Attrs.ProgQuery.of(child.fd(), EGRESS.value(), AttachFlags.BPF_F_QUERY_EFFECTIVE, 8));
        assertArrayEquals(new int[] {id(b), id(c), id(a)}, eff.progIds());
        Attrs.ProgQueryOut own = bpf.progQuery(task, Attrs.ProgQuery.of(child.fd(), EGRESS.value(), 0, 8));
        assertEquals(AttachFlags.BPF_F_ALLOW_MULTI, own.attachFlags(), "a link is an ALLOW_MULTI attachment");
        assertArrayEquals(new int[] {id(b), id(c)}, own.progIds());
        assertEquals(231, send("/parent/child"));
        long[] counts = CgroupProgs.slots(bpf, task, rec);
        assertEquals(1, counts[1]);
        assertEquals(1, counts[2]);
        assertEquals(1, counts[3]);
        assertEquals(1, send("/parent"));

        // legacy flags 0 / OVERRIDE next to a link: EPERM; the linked program cannot be PROG_DETACHed
        BpfException e = assertThrows(BpfException.class, () -> d.attachLegacy(child, EGRESS, CgroupAttachMode.NONE));
        assertEquals(Errno.EPERM, e.errno());
        assertEquals(Errno.ENOENT, assertThrows(BpfException.class, () -> b.detachLegacy(child, EGRESS)).errno());

        // LINK_UPDATE: compare-and-swap then plain
        assertEquals(Errno.EPERM, assertThrows(BpfException.class, () -> lb.update(d, c)).errno());
        lb.update(d, b);
        assertEquals(431, send("/parent/child"));
        assertEquals(id(d), lb.info().progId());

        // pin + close + OBJ_GET: the same link, still attached
        int lbId = lb.info().id();
        lb.pin("/sys/fs/bpf/story_lb");
        lb.close();
        assertEquals(431, send("/parent/child"));
        Link lb2 = Link.open(bpf, task, "/sys/fs/bpf/story_lb");
        assertEquals(lbId, lb2.info().id());
        assertEquals(child.id(), lb2.info().cgroupId());
        assertTrue(lb2.fdinfo().contains("link_id:\t" + lbId + "\n"));

        // LINK_DETACH → defunct
        la.detach();
        assertTrue(la.defunct());
        assertEquals(id(a), la.info().progId());
        assertEquals(43, send("/parent/child"));
        assertEquals(Errno.ENOLINK, assertThrows(BpfException.class, () -> la.update(b)).errno());
        la.detach();

        // rmdir → auto-detach: the pinned link turns defunct; the legacy program's reference goes
        int cId = id(c);
        child.close();
        task.fds().close(c.fd());   // the legacy attachment now holds c's only reference
        cgroups.rmdir("/parent/child");
        assertTrue(lb2.defunct(), "rmdir auto-detached the link");
        assertEquals(lbId, lb2.info().id());
        assertEquals(Errno.ENOLINK, assertThrows(BpfException.class, () -> lb2.update(b)).errno());
        assertEquals(Errno.ENOENT, assertThrows(BpfException.class, () -> bpf.progGetFdById(task, cId)).errno(),
                "the legacy program went with the cgroup");
        assertEquals(Errno.ENOENT, assertThrows(BpfException.class, () -> cgroups.open("/parent/child")).errno());
        assertEquals(0, send("/parent"));
        lb2.close();
        la.close();
        rt.bpffs().unlink(task, "/sys/fs/bpf/story_lb");
        parent.close();
    }

    @Test
    void clangProgramAttachesThroughItsObject() {
        try (BpfObject o = BpfObject.open(java.nio.file.Path.of("src/test/bpf/cgroup_egress_count.bpf.o"))) {
            Program p = o.program("count_egress");
            Cgroups cgs = new Cgroups(p.task());
            cgs.mkdir("/obj/leaf");
            CgroupRunner run = new CgroupRunner(o.runtime().rcu());
            try (CgroupHandle cg = cgs.open("/obj"); Link l = p.attachCgroup(cg, EGRESS)) {
                assertEquals(p.info().id(), l.info().progId());
                assertEquals(cg.id(), l.info().cgroupId());
                assertArrayEquals(new int[] {p.info().id()},
                        p.bpf().progQuery(p.task(), Attrs.ProgQuery.of(cg.fd(), EGRESS.value(), 0, 4)).progIds());
                assertEquals(CgroupRunner.NET_XMIT_SUCCESS,
                        run.run(o.runtime().cgroups().lookup("/obj/leaf"), CgroupHook.INET_EGRESS, 0));
                assertEquals(1L, o.map("runs").lookupLong(0));
                p.attachLegacy(cg, EGRESS, CgroupAttachMode.ALLOW_MULTI);   // links and legacy MULTI coexist
                run.run(o.runtime().cgroups().lookup("/obj/leaf"), CgroupHook.INET_EGRESS, 0);
                assertEquals(3L, o.map("runs").lookupLong(0), "runs once per attachment");
                p.detachLegacy(cg, EGRESS);
            }
            run.run(o.runtime().cgroups().lookup("/obj/leaf"), CgroupHook.INET_EGRESS, 0);
            assertEquals(3L, o.map("runs").lookupLong(0), "closing the link detached it");
        }
    }
}
