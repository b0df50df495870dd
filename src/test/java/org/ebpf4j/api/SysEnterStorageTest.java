package org.ebpf4j.api;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.net.Net;
import org.ebpf4j.kernel.trace.SyscallNr;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Seed 4 end to end (spec §5.3, §5.1, §2.3; issue 6): {@code tp_btf/sys_enter} programs reach
 * {@code task->cgroups->dfl_cgrp} through {@code bpf_get_current_task_btf()} and count the
 * modelled syscalls of processes per cgroup in CGRP_STORAGE (read back by cgroup fd) and per task
 * in TASK_STORAGE (read back by pidfd).
 */
class SysEnterStorageTest {
    static final Path DIR = Path.of("src/test/bpf");

    final Runtime rt = Runtime.builder().arenaSize(32L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task loader = rt.spawn("loader", 0, 0);
    final Cgroups cgroups = new Cgroups(loader);

    @AfterEach
    void close() { rt.close(); }

    BpfObject load(String name) {
        return BpfObject.load(ObjectReader.read(DIR.resolve(name + ".bpf.o")), rt, loader, bpf);
    }

    static long le64(byte[] v, int off) { return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong(off); }

    static int le32(byte[] v, int off) { return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt(off); }

    /** The count in CGRP_STORAGE of the cgroup behind {@code cg} (its fd is the key), or -1 if none. */
    static long count(MapHandle m, CgroupHandle cg) {
        byte[] v = m.lookup(MapHandle.le32(cg.fd()));
        return v == null ? -1 : le64(v, 0);
    }

    @Test
    void countsSyscallsPerCgroup() {
        cgroups.mkdir("/a");
        cgroups.mkdir("/b");
        CgroupHandle a = cgroups.open("/a");
        CgroupHandle b = cgroups.open("/b");
        Task inA = rt.spawn("worker-a", 0, 0);
        Task inB = rt.spawn("worker-b", 0, 0);
        cgroups.move(inA, "/a");
        cgroups.move(inB, "/b");

        try (BpfObject o = load("cgrp_storage_tp_btf")) {
            MapHandle storage = o.map("cgrp_storage");
            assertEquals(-1, count(storage, a), "no storage before any syscall");
            Link link = o.program("on_enter").attach();

            // worker-a: 3 socket calls through Net and 2 bpf(2) commands; worker-b: 4 direct syscall entries
            Net net = new Net(rt, rt.cgroups());
            int fd = net.socket(inA, 2, 2, 0);                     // socket(AF_INET, SOCK_DGRAM)
            net.setsockopt(inA, fd, 1, 2, new byte[] {1, 0, 0, 0}); // SOL_SOCKET, SO_REUSEADDR
            net.close(inA, fd);
            assertThrows(BpfException.class, () -> bpf.mapLookupElem(inA, 999, new byte[4]));   // EBADF, still a syscall
            assertThrows(BpfException.class, () -> bpf.mapGetNextId(inA, Integer.MAX_VALUE - 1));   // ENOENT
            for (int i = 0; i < 4; i++) {
                inB.syscall(SyscallNr.WRITE, 1, 0, 0);
            }
            assertEquals(5, count(storage, a), "worker-a's syscalls are counted for /a");
            assertEquals(4, count(storage, b), "worker-b's syscalls are counted for /b");

            // moving a task: later syscalls count for its new cgroup
            cgroups.move(inA, "/b");
            inA.syscall(SyscallNr.WRITE, 1, 0, 0);
            assertEquals(5, count(storage, a));
            assertEquals(5, count(storage, b));

            // detached: nothing more is counted
            link.close();
            inB.syscall(SyscallNr.WRITE, 1, 0, 0);
            assertEquals(5, count(storage, b));
            assertEquals(0, rt.tracepoints().sysEnter().attached());

            // storage goes with the cgroup: rmdir + release (spec §5.3, §1.10)
            Cgroup cgA = rt.cgroups().lookup("/a");
            assertNotNull(cgA.bpfStorage().get(), "/a has CGRP_STORAGE");
            cgroups.rmdir("/a");
            BpfException gone = assertThrows(BpfException.class, () -> bpf.mapLookupElem(loader, storage.fd(), MapHandle.le32(a.fd())));
            assertEquals(Errno.ENOENT, gone.errno(), "the cgroup fd names a removed cgroup");
            a.close();
            assertTrue(cgA.bpfReleased(), "no socket held /a: released at rmdir");
            assertNull(cgA.bpfStorage().get(), "its storage was destroyed with it");
            assertFalse(rt.mirrors().hasMirror(cgA), "and its struct cgroup mirror is gone");
            assertEquals(5, count(storage, b), "other cgroups keep theirs");
            b.close();
        }
    }

    @Test
    void taskStorageKeyedByPidfd() {
        cgroups.mkdir("/svc/web");
        long svc = cgroups.id("/svc");
        long web = cgroups.id("/svc/web");
        Task worker = rt.spawn("nginx-worker-process", 1000, 1000);   // comm is cut to 15 bytes
        Task idle = rt.spawn("idle", 0, 0);
        cgroups.move(worker, "/svc/web");

        try (BpfObject o = load("task_storage_tp_btf")) {
            MapHandle stats = o.map("task_stats");
            Link link = o.program("count_task").attach();
            for (int i = 0; i < 3; i++) {
                worker.syscall(SyscallNr.SENDTO, 7 + i, 0, 0);
            }
            int pidfd = loader.pidfdOpen(worker.pid());
            int idleFd = loader.pidfdOpen(idle.pid());
            byte[] v = stats.lookup(MapHandle.le32(pidfd));
            assertNotNull(v, "the worker has TASK_STORAGE");
            assertEquals(3, le64(v, 0), "three syscalls");
            assertEquals(SyscallNr.SENDTO, le64(v, 8), "ctx[1] is the syscall id");
            assertEquals(SyscallNr.SENDTO, le64(v, 16), "bpf_task_pt_regs(task)->orig_ax");
            assertEquals(9, le64(v, 24), "regs->di is the first argument of the last call");
            assertEquals(web, le64(v, 32), "bpf_get_current_cgroup_id");
            assertEquals(svc, le64(v, 40), "bpf_get_current_ancestor_cgroup_id(1)");
            assertEquals(web, le64(v, 48), "task->cgroups->dfl_cgrp->kn->id");
            assertEquals(worker.pid(), le32(v, 56));
            assertEquals(worker.tgid(), le32(v, 60));
            assertEquals("nginx-worker-pr", new String(v, 64, 15, StandardCharsets.UTF_8));
            assertEquals(0, v[79], "comm is NUL-terminated");
            assertNull(stats.lookup(MapHandle.le32(idleFd)), "a task that made no syscall has none");

            // the loader's own bpf(2) calls are syscalls too: its storage exists and grows
            int self = loader.pidfdOpen(loader.pid());
            long before = le64(stats.lookup(MapHandle.le32(self)), 0);
            long after = le64(stats.lookup(MapHandle.le32(self)), 0);
            assertEquals(before + 1, after, "each lookup is one bpf(2) entry");
            assertEquals(Task.ROOT_CGROUP_ID, le64(stats.lookup(MapHandle.le32(self)), 32));

            // the task exits: its storage goes with it; the pidfd then names no task
            worker.exit();
            BpfException e = assertThrows(BpfException.class, () -> bpf.mapLookupElem(loader, stats.fd(), MapHandle.le32(pidfd)));
            assertEquals(Errno.ENOENT, e.errno(), "pid_task() finds no task: ENOENT (spec §5.1)");
            link.close();
            for (int fd : new int[] {pidfd, idleFd, self}) {
                loader.fds().close(fd);
            }
        }
    }
}
