package org.ebpf4j.kernel.cgroup;

import static org.ebpf4j.kernel.cgroup.AttachFlags.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Attach/detach rules of spec §2–§3 on the pure model; one test per §13 "Attach/detach" line. */
class CgroupAttachTest {
    static final CgroupHook EG = CgroupHook.INET_EGRESS;
    static final CgroupHook GSO = CgroupHook.GETSOCKOPT;

    final CgroupTree tree = new CgroupTree();
    final CgroupBpf bpf = tree.bpf();
    final List<Integer> trace = new ArrayList<>();
    final Map<Integer, CgroupProg> progsById = new HashMap<>();
    final Map<Integer, CgroupLinkRef> linksById = new HashMap<>();
    final Anchors anchors = new Anchors() {
        @Override public CgroupProg progById(int id) { return found(progsById.get(id), "prog id " + id); }

        @Override public CgroupProg progByFd(int fd) { return found(progsById.get(fd), "prog fd " + fd); }

        @Override public CgroupLinkRef linkById(int id) { return found(linksById.get(id), "link id " + id); }

        @Override public CgroupLinkRef linkByFd(int fd) { return found(linksById.get(fd), "link fd " + fd); }

        private <T> T found(T t, String what) {
            if (t == null) {
                throw new BpfException(Errno.ENOENT, what);
            }
            return t;
        }
    };

    FakeProg prog(int id, CgroupHook hook) {
        FakeProg p = FakeProg.allow(id, hook, trace);
        progsById.put(id, p);
        return p;
    }

    void att(Cgroup cg, CgroupProg p, CgroupHook hook, int flags) {
        bpf.attach(cg, p, null, null, hook, flags, 0, 0, anchors);
    }

    void att(Cgroup cg, CgroupProg p, CgroupHook hook, int flags, int rel, long rev) {
        bpf.attach(cg, p, null, null, hook, flags, rel, rev, anchors);
    }

    FakeLink link(int id, Cgroup cg, CgroupHook hook, CgroupProg p, int flags, int rel) {
        FakeLink l = new FakeLink(id, hook, p, cg);
        bpf.attach(cg, null, null, l, hook, BPF_F_ALLOW_MULTI | flags, rel, 0, anchors);
        linksById.put(id, l);
        return l;
    }

    static void errno(Errno e, Executable ex) {
        BpfException t = assertThrows(BpfException.class, ex);
        assertEquals(e, t.errno(), t.getMessage());
    }

    int[] ids(Cgroup cg, CgroupHook h) { return bpf.query(cg, h, false).progIds(); }

    int[] eff(Cgroup cg, CgroupHook h) { return cg.effective(h).ids(); }

    @Test
    void s13_invalidFlagCombinations() {   // §2.3 rows 1-2
        Cgroup c = tree.mkdirs("/a");
        FakeProg p = prog(1, EG);
        errno(Errno.EINVAL, () -> att(c, p, EG, BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI));
        errno(Errno.EINVAL, () -> bpf.attach(c, p, p, null, EG, BPF_F_REPLACE, 0, 0, anchors));
        errno(Errno.EINVAL, () -> bpf.attach(c, p, p, null, EG, BPF_F_ALLOW_MULTI | BPF_F_REPLACE | BPF_F_AFTER, 0, 0, anchors));
        assertEquals(0, ids(c, EG).length);
        assertEquals(1, p.refs(), "failed attach keeps no reference");
    }

    @Test
    void s13_emptyCgroupAcceptsEveryModeThenMismatchIsEperm() {   // §2.4 decision table
        int[] modes = {0, BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI};
        for (int i = 0; i < modes.length; i++) {
            Cgroup c = tree.mkdirs("/m" + i);
            att(c, prog(10 + i, EG), EG, modes[i]);
            assertEquals(modes[i], bpf.query(c, EG, false).attachFlags());
            for (int other : modes) {
                if (other != modes[i]) {
                    FakeProg q = prog(100 + 10 * i + other, EG);
                    errno(Errno.EPERM, () -> att(c, q, EG, other));
                }
            }
        }
    }

    @Test
    void s13_nonMultiReattachReplacesInPlace() {   // §2.3 outcome, non-MULTI
        Cgroup c = tree.mkdirs("/a");
        for (int mode : new int[] {0, BPF_F_ALLOW_OVERRIDE}) {
            CgroupHook h = mode == 0 ? EG : CgroupHook.INET_INGRESS;
            FakeProg p1 = prog(1 + mode * 10, h);
            FakeProg p2 = prog(2 + mode * 10, h);
            att(c, p1, h, mode);
            long rev = c.revision(h);
            p1.inc();   // the second PROG_ATTACH takes its own reference (bpf_prog_get)
            att(c, p1, h, mode);   // same program: a replace
            assertEquals(rev + 1, c.revision(h));
            att(c, p2, h, mode);
            assertArrayEquals(new int[] {p2.id()}, ids(c, h));
            assertEquals(rev + 2, c.revision(h));
            assertEquals(0, p1.refs(), "replaced program's references were dropped");
            assertArrayEquals(new int[] {p2.id()}, eff(c, h));
        }
    }

    @Test
    void s13_multiSameProgTwiceEinvalAnd65thE2big() {   // §2.3 rows 9-10, legacy and links mixed
        Cgroup c = tree.mkdirs("/a");
        FakeProg p = prog(1, EG);
        att(c, p, EG, BPF_F_ALLOW_MULTI);
        errno(Errno.EINVAL, () -> att(c, p, EG, BPF_F_ALLOW_MULTI));
        for (int i = 2; i <= 64; i++) {
            if (i % 2 == 0) {
                link(1000 + i, c, EG, prog(i, EG), 0, 0);
            } else {
                att(c, prog(i, EG), EG, BPF_F_ALLOW_MULTI);
            }
        }
        assertEquals(64, ids(c, EG).length);
        errno(Errno.E2BIG, () -> att(c, prog(65, EG), EG, BPF_F_ALLOW_MULTI));
        errno(Errno.E2BIG, () -> link(2000, c, EG, prog(66, EG), 0, 0));
        // E2BIG is checked before the REPLACE lookup too (row 9 before row 11)
        errno(Errno.E2BIG, () -> bpf.attach(c, prog(67, EG), p, null, EG, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, 0, 0, anchors));
        assertEquals(64, eff(c, EG).length);
    }

    @Test
    void s13_replaceAbsentEnoentAndSuccessKeepsPosition() {   // §2.3 rows 11, MULTI+REPLACE outcome
        Cgroup c = tree.mkdirs("/a");
        FakeProg p1 = prog(1, EG), p2 = prog(2, EG), p3 = prog(3, EG), p9 = prog(9, EG);
        att(c, p1, EG, BPF_F_ALLOW_MULTI);
        att(c, p2, EG, BPF_F_ALLOW_MULTI);
        att(c, p3, EG, BPF_F_ALLOW_MULTI);
        FakeProg absent = prog(7, EG);
        errno(Errno.ENOENT, () -> bpf.attach(c, p9, absent, null, EG, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, 0, 0, anchors));
        bpf.attach(c, p9, p2, null, EG, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, 0, 0, anchors);
        assertArrayEquals(new int[] {1, 9, 3}, ids(c, EG));
        assertArrayEquals(new int[] {1, 9, 3}, eff(c, EG));
        assertEquals(0, p2.refs());
        // replacing a program by itself is allowed (it is the replace target)
        bpf.attach(c, p9, p9, null, EG, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, 0, 0, anchors);
        assertArrayEquals(new int[] {1, 9, 3}, ids(c, EG));
    }

    @Test
    void s13_hierarchyRule() {   // §2.4
        Cgroup p = tree.mkdirs("/p"), c = tree.mkdirs("/p/c");
        att(p, prog(1, EG), EG, 0);
        for (int mode : new int[] {0, BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI}) {
            FakeProg q = prog(10 + mode, EG);
            errno(Errno.EPERM, () -> att(c, q, EG, mode));
        }
        errno(Errno.EPERM, () -> link(100, c, EG, prog(20, EG), 0, 0));

        Cgroup p2 = tree.mkdirs("/p2"), c2 = tree.mkdirs("/p2/c");
        att(p2, prog(30, EG), EG, BPF_F_ALLOW_OVERRIDE);
        att(c2, prog(31, EG), EG, 0);
        Cgroup p3 = tree.mkdirs("/p3"), c3 = tree.mkdirs("/p3/c");
        att(p3, prog(40, EG), EG, BPF_F_ALLOW_MULTI);
        att(c3, prog(41, EG), EG, 0);

        // grandparent NONE, parent OVERRIDE with a program (attached before the NONE) → child ok
        Cgroup g = tree.mkdirs("/g"), gp = tree.mkdirs("/g/p"), gc = tree.mkdirs("/g/p/c");
        att(gp, prog(50, EG), EG, BPF_F_ALLOW_OVERRIDE);
        att(g, prog(51, EG), EG, 0);   // allowed: the check looks upward only (§12 item 10)
        att(gc, prog(52, EG), EG, 0);
        assertArrayEquals(new int[] {52}, eff(gc, EG));
        assertArrayEquals(new int[] {50}, eff(gp, EG), "parent's earlier attachment does not include g's NONE program");
    }

    @Test
    void s13_detachRules() {   // §3
        Cgroup c = tree.mkdirs("/a");
        errno(Errno.ENOENT, () -> bpf.detach(c, null, null, EG, 0));
        FakeProg p1 = prog(1, EG), p2 = prog(2, EG);
        att(c, p1, EG, BPF_F_ALLOW_MULTI);
        errno(Errno.EINVAL, () -> bpf.detach(c, null, null, EG, 0));
        errno(Errno.ENOENT, () -> bpf.detach(c, p2, null, EG, 0));
        bpf.detach(c, p1, null, EG, 0);
        assertEquals(0, p1.refs());
        assertEquals(0, bpf.query(c, EG, false).attachFlags(), "mode reset when the list empties");
        att(c, p2, EG, 0);   // a new mode is accepted
        FakeProg other = prog(3, EG);
        bpf.detach(c, other, null, EG, 0);   // NONE: detaches whatever program is named (quirk §12.6)
        assertEquals(0, ids(c, EG).length);
        assertEquals(0, p2.refs());
        att(c, prog(4, EG), EG, BPF_F_ALLOW_OVERRIDE);
        bpf.detach(c, null, null, EG, 0);   // fd -1
        assertEquals(0, ids(c, EG).length);
    }

    @Test
    void s13_expectedRevision() {   // §2.6
        Cgroup c = tree.mkdirs("/a");
        assertEquals(1, c.revision(GSO));
        att(c, prog(1, GSO), GSO, BPF_F_ALLOW_MULTI, 0, 1);
        att(c, prog(2, GSO), GSO, BPF_F_ALLOW_MULTI, 0, 0);   // 0 = no check
        errno(Errno.ESTALE, () -> att(c, prog(3, GSO), GSO, BPF_F_ALLOW_MULTI, 0, 2));
        att(c, progsById.get(3), GSO, BPF_F_ALLOW_MULTI, 0, 3);
        att(c, prog(4, GSO), GSO, BPF_F_ALLOW_MULTI, 0, 4);
        assertEquals(5, bpf.query(c, GSO, false).revision());
        errno(Errno.ESTALE, () -> bpf.detach(c, progsById.get(1), null, GSO, 4));
        bpf.detach(c, progsById.get(1), null, GSO, 5);
        bpf.detach(c, progsById.get(2), null, GSO, 0);
        assertEquals(7, bpf.query(c, GSO, false).revision());
        FakeLink l = new FakeLink(9, GSO, prog(9, GSO), c);
        errno(Errno.ESTALE, () -> bpf.attach(c, null, null, l, GSO, BPF_F_ALLOW_MULTI, 0, 3, anchors));
    }

    @Test
    void s13_beforeAfterIdLinkMatrix() {   // §2.5, selftest cgroup_mprog_opts
        Cgroup c = tree.mkdirs("/a");
        FakeProg p1 = prog(1, GSO), p2 = prog(2, GSO), p3 = prog(3, GSO), p4 = prog(4, GSO);
        att(c, p1, GSO, BPF_F_ALLOW_MULTI | BPF_F_BEFORE | BPF_F_AFTER);   // empty list: both accepted
        att(c, p2, GSO, BPF_F_ALLOW_MULTI | BPF_F_BEFORE, 1, 0);          // before fd of p1
        att(c, p3, GSO, BPF_F_ALLOW_MULTI | BPF_F_AFTER | BPF_F_ID, 2, 0); // after id 2
        att(c, p4, GSO, BPF_F_ALLOW_MULTI | BPF_F_AFTER);                 // append
        assertArrayEquals(new int[] {2, 3, 1, 4}, ids(c, GSO));
        FakeProg p5 = prog(5, GSO);
        errno(Errno.EINVAL, () -> att(c, p5, GSO, BPF_F_ALLOW_MULTI | BPF_F_BEFORE | BPF_F_AFTER));
        errno(Errno.EINVAL, () -> att(c, p5, GSO, BPF_F_ALLOW_MULTI | BPF_F_BEFORE | BPF_F_AFTER, 1, 0));
        errno(Errno.ENOENT, () -> att(c, p5, GSO, BPF_F_ALLOW_MULTI | BPF_F_BEFORE | BPF_F_ID, 0, 0));
        errno(Errno.EINVAL, () -> att(c, p5, GSO, BPF_F_ALLOW_MULTI | BPF_F_LINK | BPF_F_BEFORE, 1, 0));
        errno(Errno.EINVAL, () -> att(c, p5, GSO, BPF_F_ALLOW_MULTI, 1, 0));   // relative without BEFORE/AFTER
        errno(Errno.EINVAL, () -> att(c, p5, GSO, BPF_F_ALLOW_MULTI | BPF_F_ID, 1, 0));
        FakeProg notAttached = prog(6, GSO);
        errno(Errno.ENOENT, () -> att(c, p5, GSO, BPF_F_ALLOW_MULTI | BPF_F_AFTER, notAttached.id(), 0));
        errno(Errno.EINVAL, () -> att(c, p1, GSO, BPF_F_ALLOW_MULTI | BPF_F_AFTER, 4, 0));   // already attached
        errno(Errno.EINVAL, () -> bpf.attach(c, p5, p1, null, GSO, BPF_F_ALLOW_MULTI | BPF_F_REPLACE | BPF_F_AFTER, 0, 0, anchors));
        // PREORDER anchors must match
        FakeProg pre = prog(7, GSO);
        att(c, pre, GSO, BPF_F_ALLOW_MULTI | BPF_F_PREORDER);
        errno(Errno.EINVAL, () -> att(c, p5, GSO, BPF_F_ALLOW_MULTI | BPF_F_AFTER, 7, 0));
        att(c, p5, GSO, BPF_F_ALLOW_MULTI | BPF_F_AFTER | BPF_F_PREORDER, 7, 0);
        // a link may be positioned only relative to a link
        FakeProg lp = prog(8, GSO);
        errno(Errno.EINVAL, () -> link(50, c, GSO, lp, BPF_F_BEFORE, 1));
        FakeLink l1 = link(51, c, GSO, prog(9, GSO), 0, 0);
        link(52, c, GSO, lp, BPF_F_LINK | BPF_F_BEFORE, l1.id());
        assertArrayEquals(new int[] {2, 3, 1, 4, 7, 5, 8, 9}, ids(c, GSO));
        // a prog anchored by id of another type is EINVAL
        FakeProg skb = prog(11, EG);
        att(c, skb, EG, BPF_F_ALLOW_MULTI);
        errno(Errno.EINVAL, () -> att(c, prog(12, GSO), GSO, BPF_F_ALLOW_MULTI | BPF_F_AFTER | BPF_F_ID, 11, 0));
    }

    @Test
    void s13_linksCoexistOnlyWithLegacyMulti() {   // §7.1 interoperability, kernel-observed (e)
        Cgroup c = tree.mkdirs("/a");
        link(1, c, EG, prog(1, EG), 0, 0);
        errno(Errno.EPERM, () -> att(c, prog(2, EG), EG, 0));
        errno(Errno.EPERM, () -> att(c, prog(3, EG), EG, BPF_F_ALLOW_OVERRIDE));
        att(c, prog(4, EG), EG, BPF_F_ALLOW_MULTI);
        assertEquals(BPF_F_ALLOW_MULTI, bpf.query(c, EG, false).attachFlags());
        // PROG_DETACH of a program attached only by a link → ENOENT
        errno(Errno.ENOENT, () -> bpf.detach(c, progsById.get(1), null, EG, 0));
        // the same program through two links is allowed; also legacy + link
        link(2, c, EG, progsById.get(4), 0, 0);
        link(3, c, EG, progsById.get(4), 0, 0);
        assertArrayEquals(new int[] {1, 4, 4, 4}, ids(c, EG));

        Cgroup d = tree.mkdirs("/d");
        att(d, prog(5, EG), EG, BPF_F_ALLOW_OVERRIDE);
        errno(Errno.EPERM, () -> link(6, d, EG, prog(6, EG), 0, 0));
        // legacy REPLACE cannot target a link's program entry
        errno(Errno.ENOENT, () -> bpf.attach(c, prog(7, EG), progsById.get(1), null, EG,
                BPF_F_ALLOW_MULTI | BPF_F_REPLACE, 0, 0, anchors));
    }
}
