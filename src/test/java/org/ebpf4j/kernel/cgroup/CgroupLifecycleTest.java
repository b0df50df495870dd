package org.ebpf4j.kernel.cgroup;

import static org.ebpf4j.kernel.cgroup.AttachFlags.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.Test;

/** Link semantics at the model level (spec §7.3–§7.5), query (§6) and release (§4.4). */
class CgroupLifecycleTest {
    static final CgroupHook EG = CgroupHook.INET_EGRESS;
    final CgroupTree tree = new CgroupTree();
    final CgroupBpf bpf = tree.bpf();
    final List<Integer> trace = new ArrayList<>();

    static void errno(Errno e, org.junit.jupiter.api.function.Executable ex) {
        BpfException t = assertThrows(BpfException.class, ex);
        assertEquals(e, t.errno(), t.getMessage());
    }

    @Test
    void s7_3_linkUpdate() {
        Cgroup p = tree.mkdirs("/p"), c = tree.mkdirs("/p/c");
        FakeProg a = FakeProg.allow(1, EG, trace), b = FakeProg.allow(2, EG, trace), x = FakeProg.allow(3, EG, trace);
        FakeLink lc = FakeLink.create(tree, 10, c, EG, b, 0);
        bpf.attach(c, x, null, null, EG, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        FakeLink lp = FakeLink.create(tree, 11, p, EG, a, 0);
        assertArrayEquals(new int[] {2, 3, 1}, c.effective(EG).ids(), "[b,c,a] as observed on 6.18");
        long rev = p.revision(EG);
        FakeProg a2 = FakeProg.allow(4, EG, trace);
        errno(Errno.EPERM, () -> bpf.replaceLinkProg(lp, a2, b));   // cmpxchg mismatch
        FakeProg wrongType = new FakeProg(5, CgroupHook.INET_SOCK_CREATE.progType(), null, trace, rc -> 1);
        errno(Errno.EINVAL, () -> bpf.replaceLinkProg(lp, wrongType, null));
        bpf.replaceLinkProg(lp, a2, a);
        assertEquals(rev + 1, p.revision(EG));
        assertEquals(0, a.refs());
        assertArrayEquals(new int[] {2, 3, 4}, c.effective(EG).ids(), "same slot, new program, in descendants");
        assertArrayEquals(new int[] {4}, p.effective(EG).ids());
        // detach (LINK_DETACH): defunct, update ENOLINK, second detach is a no-op
        assertTrue(bpf.detachLink(lc));
        assertNull(lc.cgroup());
        assertFalse(bpf.detachLink(lc));
        errno(Errno.ENOLINK, () -> bpf.replaceLinkProg(lc, FakeProg.allow(6, EG, trace), null));
        assertArrayEquals(new int[] {3, 4}, c.effective(EG).ids());
    }

    @Test
    void s6_query() {
        Cgroup p = tree.mkdirs("/p"), c = tree.mkdirs("/p/c");
        bpf.attach(p, FakeProg.allow(1, EG, trace), null, null, EG, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        FakeLink.create(tree, 7, c, EG, FakeProg.allow(2, EG, trace), 0);
        QueryResult q = bpf.query(c, EG, false);
        assertEquals(BPF_F_ALLOW_MULTI, q.attachFlags(), "a link shows ALLOW_MULTI");
        assertArrayEquals(new int[] {2}, q.progIds(), "link entries report the link's program id");
        assertArrayEquals(new int[] {BPF_F_ALLOW_MULTI}, q.progAttachFlags());
        assertEquals(2, q.revision());
        QueryResult e = bpf.query(c, EG, true);
        assertEquals(0, e.attachFlags(), "effective query reports attach_flags 0");
        assertEquals(0, e.revision());
        assertArrayEquals(new int[] {2, 1}, e.progIds());
    }

    @Test
    void s4_4_releaseWaitsForSocketsAndDescendantsThenAutoDetaches() {
        Cgroup p = tree.mkdirs("/p"), c = tree.mkdirs("/p/c");
        FakeProg legacy = FakeProg.allow(1, EG, trace);
        bpf.attach(p, legacy, null, null, EG, BPF_F_ALLOW_MULTI, 0, 0, Anchors.NONE);
        FakeProg lprog = FakeProg.allow(2, EG, trace);
        FakeLink l = FakeLink.create(tree, 9, p, EG, lprog, 0);
        c.bpfGet();                       // a socket created in the child
        errno(Errno.EBUSY, () -> tree.rmdir(p));   // child still online
        tree.rmdir(c);
        assertFalse(c.online());
        assertFalse(c.bpfReleased(), "a socket still holds the child's BPF state");
        assertArrayEquals(new int[] {1, 2}, c.effective(EG).ids(), "a dying cgroup still runs its programs");
        tree.rmdir(p);
        assertFalse(p.bpfReleased(), "the child's BPF state holds its ancestors");
        assertSame(p, l.cgroup());
        c.bpfPut();                       // the socket goes
        assertTrue(c.bpfReleased());
        assertTrue(p.bpfReleased());
        assertNull(l.cgroup(), "link auto-detached and defunct");
        assertSame(lprog, l.prog(), "the link keeps its program");
        assertEquals(1, lprog.refs());
        assertEquals(0, legacy.refs(), "legacy program reference dropped at release");
        assertTrue(c.effective(EG).isEmpty());
        assertNull(tree.byId(p.id()));
        errno(Errno.ENOLINK, () -> bpf.replaceLinkProg(l, FakeProg.allow(3, EG, trace), null));
        assertFalse(bpf.detachLink(l));
    }

    @Test
    void s1_treeBasics() {
        Cgroup a = tree.mkdirs("/a");
        errno(Errno.EEXIST, () -> tree.mkdir(tree.root(), "a"));
        errno(Errno.EBUSY, () -> tree.rmdir(tree.root()));
        errno(Errno.EINVAL, () -> tree.mkdir(a, "x/y"));
        assertEquals("/a", a.path());
        assertSame(a, tree.byId(a.id()));
        assertEquals(CgroupTree.ROOT_ID, tree.root().id());
        tree.rmdir(a);
        errno(Errno.ENOENT, () -> tree.lookup("/a"));
        errno(Errno.ENOENT, () -> tree.mkdir(a, "b"));
        Cgroup a2 = tree.mkdirs("/a");
        assertNotEquals(a.id(), a2.id(), "cgroup ids are not reused");
        CgroupTree busy = new CgroupTree(id -> true);
        Cgroup t = busy.mkdirs("/t");
        errno(Errno.EBUSY, () -> busy.rmdir(t));
    }
}
