package org.ebpf4j.kernel.task;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import org.ebpf4j.btf.StructLayout;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.cgroup.CgroupMirror;
import org.ebpf4j.memory.Arena;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The arena mirrors read at the offsets the model kernel's BTF gives (what a CO-RE-relocated
 * program loads): {@code task->pid}, {@code comm}, {@code task->cgroups->dfl_cgrp->kn->id},
 * {@code cgrp->ancestors[]}, and the owner resolution the storage helpers use.
 */
class KernelMirrorsTest {
    final Runtime rt = Runtime.builder().arenaSize(8L << 20).cpus(1).build();
    final Arena arena = rt.arena();
    final StructLayout task = StructLayout.of(rt.kernelBtf(), "task_struct");
    final StructLayout cgroup = StructLayout.of(rt.kernelBtf(), "cgroup");
    final StructLayout cset = StructLayout.of(rt.kernelBtf(), "css_set");
    final StructLayout kn = StructLayout.of(rt.kernelBtf(), "kernfs_node");

    @AfterEach
    void close() { rt.close(); }

    long dflCgrp(Task t) { return arena.load64(arena.load64(t.mirror().address() + task.offset("cgroups")) + cset.offset("dfl_cgrp")); }

    long cgroupId(long cgrp) { return arena.load64(arena.load64(cgrp + cgroup.offset("kn")) + kn.offset("id")); }

    @Test
    void taskFieldsAtBtfOffsets() {
        Task t = rt.spawn("a-rather-long-command", 7, 8);
        long addr = t.mirror().address();
        assertEquals(t.pid(), arena.load32(addr + task.offset("pid")));
        assertEquals(t.tgid(), arena.load32(addr + task.offset("tgid")));
        assertEquals("a-rather-long-c", new String(arena.copyOut(addr + task.offset("comm"), 15), StandardCharsets.UTF_8));
        assertEquals(0, arena.load8(addr + task.offset("comm") + 15));
        assertEquals(addr, arena.load64(addr + task.offset("group_leader")));
        long cred = arena.load64(addr + task.offset("cred"));
        StructLayout c = StructLayout.of(rt.kernelBtf(), "cred");
        assertEquals(7, arena.load32(cred + c.offset("euid")));
        assertEquals(8, arena.load32(cred + c.offset("gid")));
        long parent = arena.load64(addr + task.offset("real_parent"));
        assertEquals(rt.mirrors().idle().address(), parent, "the idle task stands in for every parent");
        assertEquals(0, arena.load32(parent + task.offset("pid")));
        assertEquals(Task.ROOT_CGROUP_ID, cgroupId(dflCgrp(t)), "a new task runs in the root");
        assertSame(t, rt.mirrors().ownerAt(addr), "the storage helpers map the pointer back to the task");
        assertNull(rt.mirrors().ownerAt(addr + 8), "an interior pointer is no owner");
    }

    @Test
    void movesRepublishTheCgroupAndAncestorsAreFilled() {
        Cgroup leaf = rt.cgroups().mkdirs("/x/y/z");
        Task t = rt.spawn("w", 0, 0);
        t.setCgroupId(leaf.id());
        long cg = dflCgrp(t);
        assertEquals(leaf.id(), cgroupId(cg));
        assertSame(leaf, rt.mirrors().ownerAt(cg));
        assertEquals(3, arena.load32(cg + cgroup.offset("level")));
        long[] ids = new long[4];
        for (int i = 0; i <= 3; i++) {
            ids[i] = cgroupId(arena.load64(cg + cgroup.offset("ancestors") + 8L * i));
        }
        assertArrayEquals(new long[] {1, rt.cgroups().lookup("/x").id(), rt.cgroups().lookup("/x/y").id(), leaf.id()}, ids);
        long knAddr = arena.load64(cg + cgroup.offset("kn"));
        long name = arena.load64(knAddr + kn.offset("name"));
        assertEquals("z", new String(arena.copyOut(name, 1), StandardCharsets.UTF_8));
        CgroupMirror m = rt.mirrors().cgroup(leaf);
        assertEquals(1, arena.load32(m.cssSet() + cset.offset("nr_tasks")));

        t.setCgroupId(Task.ROOT_CGROUP_ID);
        assertEquals(Task.ROOT_CGROUP_ID, cgroupId(dflCgrp(t)));
        assertEquals(0, arena.load32(m.cssSet() + cset.offset("nr_tasks")), "the task left z's css_set");
    }

    @Test
    void exitedTaskAndReleasedCgroupResolveToNoOwner() {
        Cgroup c = rt.cgroups().mkdirs("/gone");
        Task t = rt.spawn("w", 0, 0);
        t.setCgroupId(c.id());
        long taskAddr = t.mirror().address();
        long cgAddr = rt.mirrors().cgroup(c).address();
        t.exit();
        assertNull(rt.mirrors().ownerAt(taskAddr));
        rt.cgroups().rmdir(c);
        assertNull(rt.mirrors().ownerAt(cgAddr));
        assertFalse(rt.mirrors().hasMirror(c));
        rt.barrier();   // the deferred frees run without touching live memory
        assertNotNull(rt.mirrors().ownerAt(rt.mirrors().cgroup(rt.cgroups().root()).address()));
    }
}
