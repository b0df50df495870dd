package org.ebpf4j.kernel.cgroup;

import static org.ebpf4j.kernel.cgroup.AttachFlags.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.ebpf4j.rcu.Rcu;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Effective arrays (spec §4) and running them (spec §5); §13 "Effective/run" lines. */
class CgroupEffectiveTest {
    static final CgroupHook EG = CgroupHook.INET_EGRESS;

    final CgroupTree tree = new CgroupTree();
    final CgroupBpf bpf = tree.bpf();
    final List<Integer> trace = new ArrayList<>();
    final Rcu rcu = new Rcu("test");
    final CgroupRunner runner = new CgroupRunner(rcu);

    @AfterEach
    void close() { rcu.close(); }

    FakeProg p(int id) { return FakeProg.allow(id, EG, trace); }

    void att(Cgroup cg, CgroupProg prog, int flags) { bpf.attach(cg, prog, null, null, EG, flags, 0, 0, Anchors.NONE); }

    List<Integer> runOrder(Cgroup cg, CgroupHook h) {
        trace.clear();
        runner.run(cg, h, 0);
        return List.copyOf(trace);
    }

    @Test
    void s4_1_uapiFiveLevelExample() {
        Cgroup c1 = tree.mkdirs("/1"), c2 = tree.mkdirs("/1/2"), c3 = tree.mkdirs("/1/2/3"),
                c4 = tree.mkdirs("/1/2/3/4"), c5 = tree.mkdirs("/1/2/3/4/5");
        FakeProg a = p(1), b = p(2), c = p(3), d = p(4), e = p(5), f = p(6);
        att(c1, a, BPF_F_ALLOW_MULTI);
        att(c1, b, BPF_F_ALLOW_MULTI);
        att(c2, c, BPF_F_ALLOW_OVERRIDE);
        att(c3, d, BPF_F_ALLOW_MULTI);
        att(c4, e, BPF_F_ALLOW_OVERRIDE);
        att(c5, f, 0);
        assertEquals(List.of(6, 4, 1, 2), runOrder(c5, EG));   // F,D,A,B
        bpf.detach(c5, null, null, EG, 0);
        assertEquals(List.of(5, 4, 1, 2), runOrder(c5, EG));   // E,D,A,B
        bpf.detach(c3, d, null, EG, 0);
        assertEquals(List.of(5, 1, 2), runOrder(c5, EG));      // E,A,B
        bpf.detach(c4, null, null, EG, 0);
        assertEquals(List.of(3, 1, 2), runOrder(c5, EG));      // C,A,B
    }

    @Test
    void s4_1_preorder() {   // selftest cgroup_preorder
        Cgroup par = tree.mkdirs("/p"), ch = tree.mkdirs("/p/c");
        CgroupHook g = CgroupHook.GETSOCKOPT;
        bpf.attach(ch, FakeProg.allow(1, g, trace), null, null, g, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        bpf.attach(ch, FakeProg.allow(2, g, trace), null, null, g, BPF_F_ALLOW_MULTI | BPF_F_PREORDER, 0, 0, Anchors.NONE);
        bpf.attach(par, FakeProg.allow(3, g, trace), null, null, g, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        bpf.attach(par, FakeProg.allow(4, g, trace), null, null, g, BPF_F_ALLOW_MULTI | BPF_F_PREORDER, 0, 0, Anchors.NONE);
        assertEquals(List.of(4, 2, 1, 3), runOrder(ch, g));

        Cgroup par2 = tree.mkdirs("/q"), ch2 = tree.mkdirs("/q/c");
        bpf.attach(ch2, FakeProg.allow(1, g, trace), null, null, g, BPF_F_ALLOW_MULTI | BPF_F_PREORDER, 0, 0, Anchors.NONE);
        bpf.attach(ch2, FakeProg.allow(2, g, trace), null, null, g, BPF_F_ALLOW_MULTI | BPF_F_PREORDER, 0, 0, Anchors.NONE);
        bpf.attach(par2, FakeProg.allow(3, g, trace), null, null, g, BPF_F_ALLOW_MULTI | BPF_F_PREORDER, 0, 0, Anchors.NONE);
        bpf.attach(par2, FakeProg.allow(4, g, trace), null, null, g, BPF_F_ALLOW_MULTI | BPF_F_PREORDER, 0, 0, Anchors.NONE);
        assertEquals(List.of(3, 4, 1, 2), runOrder(ch2, g));
    }

    @Test
    void s4_2_newChildInheritsAndAncestorDetachPropagates() {
        Cgroup a = tree.mkdirs("/a");
        FakeProg pa = p(1);
        att(a, pa, BPF_F_ALLOW_MULTI);
        Cgroup b = tree.mkdirs("/a/b/c");
        assertArrayEquals(new int[] {1}, b.effective(EG).ids());
        FakeProg pc = p(2);
        att(b, pc, BPF_F_ALLOW_MULTI);
        assertEquals(List.of(2, 1), runOrder(b, EG), "child's programs first, then the parent's (kernel-observed e)");
        bpf.detach(a, pa, null, EG, 0);
        assertArrayEquals(new int[] {2}, b.effective(EG).ids());
        assertArrayEquals(new int[] {}, tree.lookup("/a/b").effective(EG).ids());
    }

    @Test
    void s5_1_allProgramsRunAfterDenyAndRetvalRules() {
        Cgroup c = tree.mkdirs("/a");
        CgroupHook h = CgroupHook.SETSOCKOPT;
        List<FakeProg> ps = List.of(
                FakeProg.returning(1, h, trace, 0),
                FakeProg.returning(2, h, trace, 1),
                FakeProg.returning(3, h, trace, 1));
        for (FakeProg q : ps) {
            bpf.attach(c, q, null, null, h, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        }
        assertEquals(Errno.EPERM.negative(), runner.run(c, h, 0));
        assertEquals(List.of(1, 2, 3), trace, "no short-circuit after a deny");

        // set_retval(-X); return 1 → -X; a later return 0 does not overwrite an error
        Cgroup d = tree.mkdirs("/d");
        bpf.attach(d, new FakeProg(10, h.progType(), h.attachType(), trace, rc -> { rc.setRetval(-97); return 1; }),
                null, null, h, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        assertEquals(-97, runner.run(d, h, 0));
        bpf.attach(d, FakeProg.returning(11, h, trace, 0), null, null, h, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        assertEquals(-97, runner.run(d, h, 0));
        // ... and a program may clear it; a positive set_retval followed by deny becomes -EPERM
        Cgroup e = tree.mkdirs("/e");
        bpf.attach(e, new FakeProg(20, h.progType(), h.attachType(), trace, rc -> { rc.setRetval(-97); return 1; }),
                null, null, h, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        bpf.attach(e, new FakeProg(21, h.progType(), h.attachType(), trace, rc -> rc.setRetval(0) + 1L),
                null, null, h, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        assertEquals(0, runner.run(e, h, 0));
        Cgroup f = tree.mkdirs("/f");
        bpf.attach(f, new FakeProg(30, h.progType(), h.attachType(), trace, rc -> { rc.setRetval(5); return 0; }),
                null, null, h, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        assertEquals(Errno.EPERM.negative(), runner.run(f, h, 0));
        // getsockopt: the chain starts from the kernel's return and a getter sees it
        CgroupHook g = CgroupHook.GETSOCKOPT;
        AtomicReference<Integer> seen = new AtomicReference<>();
        bpf.attach(f, new FakeProg(31, g.progType(), g.attachType(), trace, rc -> { seen.set(rc.getRetval()); return 1; }),
                null, null, g, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        assertEquals(-22, runner.run(f, g, 0, new CgRunCtx(-22)));
        assertEquals(-22, seen.get());
        // empty array allows
        assertEquals(0, runner.run(tree.mkdirs("/empty"), h, 0));
    }

    @Test
    void s5_2_egressCongestionMatrix() {
        int[][] expect = new int[4][4];
        for (int r1 = 0; r1 < 4; r1++) {
            for (int r2 = 0; r2 < 4; r2++) {
                boolean ok = (r1 & 1) == 1 && (r2 & 1) == 1;
                boolean cn = ((r1 | r2) & 2) != 0;
                expect[r1][r2] = ok ? (cn ? CgroupRunner.NET_XMIT_CN : CgroupRunner.NET_XMIT_SUCCESS)
                        : (cn ? CgroupRunner.NET_XMIT_DROP : Errno.EPERM.negative());
            }
        }
        for (int r1 = 0; r1 < 4; r1++) {
            for (int r2 = 0; r2 < 4; r2++) {
                Cgroup c = tree.mkdirs("/cn" + r1 + r2);
                att(c, FakeProg.returning(1, EG, trace, r1), BPF_F_ALLOW_MULTI);
                att(c, FakeProg.returning(2, EG, trace, r2), BPF_F_ALLOW_MULTI);
                assertEquals(expect[r1][r2], runner.run(c, EG, 0), "returns " + r1 + "," + r2);
            }
        }
        assertEquals(CgroupRunner.NET_XMIT_SUCCESS, expect[1][1]);
        assertEquals(Errno.EPERM.negative(), expect[0][1]);
    }

    @Test
    void s5_2_ingressAndBindFlags() {
        Cgroup c = tree.mkdirs("/a");
        CgroupHook in = CgroupHook.INET_INGRESS;
        bpf.attach(c, new FakeProg(1, in.progType(), null, trace, rc -> { rc.setRetval(3); return 1; }),
                null, null, in, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        assertEquals(Errno.EFAULT.negative(), runner.run(c, in, 0), "positive result on ingress → -EFAULT");

        CgroupHook bind = CgroupHook.INET4_BIND;
        bpf.attach(c, FakeProg.returning(2, bind, trace, 3), null, null, bind, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        CgRunCtx rc = new CgRunCtx(0);
        assertEquals(0, runner.run(c, bind, 0, rc));
        assertEquals(1, rc.retFlags & CgroupRunner.BPF_RET_FLAG_BIT1, "return 3 asks to skip CAP_NET_BIND_SERVICE");
        // without ret_flags (connect) the full value decides: 1 allows, 0 denies
        CgroupHook conn = CgroupHook.INET4_CONNECT;
        bpf.attach(c, FakeProg.returning(3, conn, trace, 0), null, null, conn, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        assertEquals(Errno.EPERM.negative(), runner.run(c, conn, 0));
    }

    @Test
    void s4_3_readersSeeWholeArraysWhileWritersChangeThem() throws Exception {
        Cgroup a = tree.mkdirs("/a"), leaf = tree.mkdirs("/a/b/c");
        FakeProg base = FakeProg.allow(1, EG, null);
        att(a, base, BPF_F_ALLOW_MULTI);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> bad = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                int[] ids = leaf.effective(EG).ids();
                // valid states: [1] or [2, 1] (program 2 attached at /a/b with MULTI)
                if (!(ids.length == 1 && ids[0] == 1) && !(ids.length == 2 && ids[0] == 2 && ids[1] == 1)) {
                    bad.set(java.util.Arrays.toString(ids));
                }
            }
        });
        reader.start();
        Cgroup mid = tree.lookup("/a/b");
        for (int i = 0; i < 2000; i++) {
            FakeProg q = FakeProg.allow(2, EG, null);
            att(mid, q, BPF_F_ALLOW_MULTI);
            bpf.detach(mid, q, null, EG, 0);
        }
        stop.set(true);
        reader.join();
        assertNull(bad.get(), "reader saw a torn array");
    }
}
