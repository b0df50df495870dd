package org.ebpf4j.kernel.iter;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.prog.ProgLoadAttr;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;
import org.ebpf4j.api.Link;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.Cgroup;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.link.CgroupAttachCommands;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Iterator read(2) semantics and the bpf_map_elem, task (filtered) and cgroup targets
 * (kernel/bpf/bpf_iter.c, map_iter.c + hashtab.c/arraymap.c iter_seq_info, task_iter.c,
 * cgroup_iter.c), after the upstream selftests prog_tests/bpf_iter.c and cgroup_iter.c.
 * Programs: src/test/bpf/iter_targets.bpf.c. Outputs and errnos as observed on Linux 6.18
 * (IterKernelProbeTest runs the same object on the host).
 */
class IterTargetsTest {
    static final Path OBJ = Path.of("src/test/bpf/iter_targets.bpf.o");

    final Runtime rt = Runtime.builder().arenaSize(64L << 20).cpus(2).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("iterowner", 0, 0);
    final BpfObject o = BpfObject.load(ObjectReader.read(OBJ), rt, task, bpf);

    @AfterEach
    void close() {
        o.close();
        rt.close();
    }

    static byte[] le32(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    static byte[] le64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }

    static void assertErrno(Errno want, Executable e) {
        BpfException ex = assertThrows(BpfException.class, e);
        assertEquals(want, ex.errno(), ex.getMessage());
    }

    String readAll(Task reader, int fd) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte[] b = bpf.iterRead(reader, fd, 4096);
            if (b.length == 0) {
                return sb.toString();
            }
            sb.append(new String(b, StandardCharsets.ISO_8859_1));
        }
    }

    int linkCreate(String prog, Attrs.IterInfo info) {
        return bpf.linkCreate(task, Attrs.LinkCreate.iter(o.program(prog).fd(), info));
    }

    // ---- item 1: the program runs in the reading task's context ----

    @Test
    void readRunsTheProgramAsTheReadingTask() {
        Link link = o.program("whoami").attachIter(null);
        Task reader = rt.spawn("catter", 0, 0);
        int fd = link.iterCreate();
        // the fd passed to another process (SCM_RIGHTS): get_file, the same struct file in its table
        org.ebpf4j.kernel.File.IterFile file = (org.ebpf4j.kernel.File.IterFile) task.fds().get(fd);
        file.seq().get();
        assertTrue(file.object().tryAnyGet());
        int rfd = reader.fds().install(file);
        String out = readAll(reader, rfd);
        assertEquals("tgid " + reader.pid() + " comm catter btf_pid " + reader.pid() + "\n", out);
        task.fds().close(fd);
        reader.fds().close(rfd);
        // read by its owner: the owner's identity
        assertEquals("tgid " + task.pid() + " comm iterowner btf_pid " + task.pid() + "\n",
                new String(link.readIterator(4096), StandardCharsets.ISO_8859_1));
    }

    // ---- item 2: dup shares one struct file released at the last close ----

    @Test
    void dupSharesOneSessionUntilTheLastClose() {
        int map = bpf.mapCreate(task, MapCreateAttr.of(MapType.HASH, 4, 8, 8, 0));
        for (int k = 1; k <= 3; k++) {
            bpf.mapUpdateElem(task, map, le32(k), le64(10L * k), MapFlags.BPF_ANY);
        }
        Link link = o.program("dump_u32_u64").attachIter(Attrs.IterInfo.map(map));
        int fd = link.iterCreate();
        int dup = task.fds().dup(fd);
        byte[] first = bpf.iterRead(task, fd, 5);   // part of the first line
        task.fds().close(fd);
        // the dup reads on from where the first fd stopped: one session
        String rest = readAll(task, dup);
        String whole = new String(first, StandardCharsets.ISO_8859_1) + rest;
        assertEquals(4, whole.lines().count(), whole);
        assertTrue(whole.endsWith("end 2\n"), whole);
        assertEquals("", readAll(task, dup));   // at the end: 0 bytes, still open
        task.fds().close(dup);
        assertErrno(Errno.EBADF, () -> bpf.iterRead(task, dup, 16));
    }

    // ---- item 3: bpf_map_elem ----

    @Test
    void mapElemWalksAHashMapAndWritesValuesInPlace() {
        int map = bpf.mapCreate(task, MapCreateAttr.of(MapType.HASH, 4, 8, 8, 0));
        for (int k = 1; k <= 3; k++) {
            bpf.mapUpdateElem(task, map, le32(k), le64(10L * k), MapFlags.BPF_ANY);
        }
        Link link = o.program("dump_u32_u64").attachIter(Attrs.IterInfo.map(map));
        String out = new String(link.readIterator(4096), StandardCharsets.ISO_8859_1);
        assertEquals(java.util.Set.of("1 10", "2 20", "3 30"),
                java.util.Set.copyOf(out.lines().filter(l -> !l.startsWith("end")).toList()), out);
        assertTrue(out.endsWith("end 2\n"), out);
        for (int k = 1; k <= 3; k++) {   // value is the element: the doubling stays
            assertArrayEquals(le64(20L * k), bpf.mapLookupElem(task, map, le32(k)));
        }
    }

    @Test
    void mapElemWalksAnArrayInIndexOrder() {
        int map = bpf.mapCreate(task, MapCreateAttr.of(MapType.ARRAY, 4, 8, 3, 0));
        bpf.mapUpdateElem(task, map, le32(1), le64(5), MapFlags.BPF_ANY);
        Link link = o.program("dump_u32_u64").attachIter(Attrs.IterInfo.map(map));
        assertEquals("0 0\n1 5\n2 0\nend 2\n", new String(link.readIterator(4096), StandardCharsets.ISO_8859_1));
        assertArrayEquals(le64(10), bpf.mapLookupElem(task, map, le32(1)));
    }

    @Test
    void mapElemPercpuValuesAreACopyOfEveryCpuRoundedTo8() {
        int map = bpf.mapCreate(task, MapCreateAttr.of(MapType.PERCPU_ARRAY, 4, 4, 2, 0));
        ByteBuffer v = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 11).putInt(8, 22);
        bpf.mapUpdateElem(task, map, le32(1), v.array(), MapFlags.BPF_ANY);
        Link link = o.program("dump_percpu").attachIter(Attrs.IterInfo.map(map));
        assertEquals("0 0 0\n1 11 22\n", new String(link.readIterator(4096), StandardCharsets.ISO_8859_1));
        assertArrayEquals(v.array(), bpf.mapLookupElem(task, map, le32(1)));   // the program wrote a copy
    }

    @Test
    void mapElemAttachErrnos() {
        int hash = bpf.mapCreate(task, MapCreateAttr.of(MapType.HASH, 4, 8, 8, 0));
        int small = bpf.mapCreate(task, MapCreateAttr.of(MapType.HASH, 4, 4, 8, 0));
        int queue = bpf.mapCreate(task, MapCreateAttr.of(MapType.QUEUE, 0, 8, 8, 0));
        int pcpu = bpf.mapCreate(task, MapCreateAttr.of(MapType.PERCPU_HASH, 4, 4, 8, 0));
        assertErrno(Errno.EBADF, () -> linkCreate("dump_u32_u64", null));
        assertErrno(Errno.EBADF, () -> linkCreate("dump_u32_u64", Attrs.IterInfo.map(999)));
        assertErrno(Errno.EINVAL, () -> linkCreate("dump_u32_u64", Attrs.IterInfo.map(queue)));
        // the value access (8 bytes) beyond value_size 4; the key read (8 bytes) beyond key_size 4
        assertErrno(Errno.EACCES, () -> linkCreate("dump_u32_u64", Attrs.IterInfo.map(small)));
        assertErrno(Errno.EACCES, () -> linkCreate("key_u64", Attrs.IterInfo.map(hash)));
        // per-CPU: 2 CPUs x roundup(4, 8) = 16 bytes cover the 8-byte access
        linkCreate("dump_u32_u64", Attrs.IterInfo.map(pcpu));
        assertEquals(8, progOf("key_u64").maxRdonlyAccess());
        assertEquals(0, progOf("key_u64").maxRdwrAccess());
    }

    org.ebpf4j.kernel.prog.BpfProg progOf(String name) {
        return (org.ebpf4j.kernel.prog.BpfProg) ((org.ebpf4j.kernel.File.ProgFile) task.fds().get(o.program(name).fd())).prog();
    }

    @Test
    void verifierRefusesAWriteThroughTheReadOnlyKey() {
        // key = ctx->key; if (key) *(u32 *)key = 1; return 0
        var insns = Asm.program()
                .ldx(Size.DW, Reg.R2, Reg.R1, MapElemTarget.OFF_KEY)
                .jeq(Reg.R2, 0, "out")
                .st(Size.W, Reg.R2, 0, 1)
                .label("out").mov64(Reg.R0, 0).exit().build();
        int btfId = rt.kernelBtf().findByName("bpf_iter_bpf_map_elem", BtfType.Func.class).orElseThrow().id();
        ProgLoadAttr attr = new ProgLoadAttr(ProgType.TRACING.value(), insns, "GPL", 0, null, 0, 0, 0, "", 0,
                AttachType.TRACE_ITER.value(), 0, btfId, 0, null);
        BpfException e = assertThrows(BpfException.class, () -> bpf.progLoad(task, attr));
        assertEquals(Errno.EACCES, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains("cannot write into rdonly_buf"), e.getMessage());
    }

    @Test
    void verifierRefusesAHelperWritingIntoTheReadOnlyKey() {
        // key = ctx->key; if (key) bpf_get_current_comm(key, 4); return 0
        var insns = Asm.program()
                .ldx(Size.DW, Reg.R1, Reg.R1, MapElemTarget.OFF_KEY)
                .jeq(Reg.R1, 0, "out")
                .mov64(Reg.R2, 4)
                .call(16)
                .label("out").mov64(Reg.R0, 0).exit().build();
        int btfId = rt.kernelBtf().findByName("bpf_iter_bpf_map_elem", BtfType.Func.class).orElseThrow().id();
        ProgLoadAttr attr = new ProgLoadAttr(ProgType.TRACING.value(), insns, "GPL", 0, null, 0, 0, 0, "", 0,
                AttachType.TRACE_ITER.value(), 0, btfId, 0, null);
        BpfException e = assertThrows(BpfException.class, () -> bpf.progLoad(task, attr));
        assertEquals(Errno.EACCES, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains("cannot write into rdonly_buf"), e.getMessage());
    }

    // ---- item 3: task filters ----

    @Test
    void taskFiltersByTidPidAndPidfd() {
        Task other = rt.spawn("other", 0, 0);
        String tid = new String(o.program("task_pids").attachIter(Attrs.IterInfo.task(other.pid(), 0, 0)).readIterator(4096),
                StandardCharsets.ISO_8859_1);
        assertEquals(other.pid() + "\nend\n", tid);
        String pid = new String(o.program("task_pids").attachIter(Attrs.IterInfo.task(0, task.pid(), 0)).readIterator(4096),
                StandardCharsets.ISO_8859_1);
        assertEquals(task.pid() + "\nend\n", pid);
        int pidfd = task.pidfdOpen(other.pid());
        String byFd = new String(o.program("task_pids").attachIter(Attrs.IterInfo.task(0, 0, pidfd)).readIterator(4096),
                StandardCharsets.ISO_8859_1);
        assertEquals(other.pid() + "\nend\n", byFd);
        String none = new String(o.program("task_pids").attachIter(Attrs.IterInfo.task(999_999, 0, 0)).readIterator(4096),
                StandardCharsets.ISO_8859_1);
        assertEquals("end\n", none);
        String all = new String(o.program("task_pids").attachIter(null).readIterator(4096), StandardCharsets.ISO_8859_1);
        assertTrue(all.contains(task.pid() + "\n") && all.contains(other.pid() + "\n"), all);
        assertErrno(Errno.EINVAL, () -> linkCreate("task_pids", Attrs.IterInfo.task(other.pid(), other.pid(), 0)));
        int mapFd = bpf.mapCreate(task, MapCreateAttr.of(MapType.ARRAY, 4, 4, 1, 0));
        assertErrno(Errno.EBADF, () -> linkCreate("task_pids", Attrs.IterInfo.task(0, 0, mapFd)));
        assertErrno(Errno.EBADF, () -> linkCreate("task_pids", Attrs.IterInfo.task(0, 0, 777)));
    }

    // ---- item 3: cgroup ----

    Cgroup cg(String path) { return rt.cgroups().mkdirs(path); }

    String walk(int order, int fd, long id) {
        return new String(o.program("cgroup_walk").attachIter(Attrs.IterInfo.cgroup(order, fd, id)).readIterator(4096),
                StandardCharsets.ISO_8859_1);
    }

    @Test
    void cgroupOrders() {
        Cgroup a = cg("/a"), ab = cg("/a/b"), ac = cg("/a/c");
        long r = rt.cgroups().root().id();
        String ids = a.id() + "\n";
        assertEquals("1 " + a.id() + "\nstop\n", walk(CgroupTarget.SELF_ONLY, 0, a.id()));
        assertEquals("1 " + a.id() + "\n2 " + ab.id() + "\n2 " + ac.id() + "\nstop\n", walk(CgroupTarget.DESCENDANTS_PRE, 0, a.id()));
        assertEquals("2 " + ab.id() + "\n2 " + ac.id() + "\n1 " + ids + "stop\n", walk(CgroupTarget.DESCENDANTS_POST, 0, a.id()));
        assertEquals("2 " + ab.id() + "\n1 " + a.id() + "\n0 " + r + "\nstop\n", walk(CgroupTarget.ANCESTORS_UP, 0, ab.id()));
        int fd = new CgroupAttachCommands(rt).openCgroup(task, "/a/c");
        assertEquals("2 " + ac.id() + "\nstop\n", walk(CgroupTarget.SELF_ONLY, fd, 0));
        assertTrue(walk(CgroupTarget.DESCENDANTS_PRE, 0, 0).startsWith("0 " + r + "\n"));   // neither: the root
    }

    @Test
    void cgroupProgramReturningNonZeroEndsTheWalk() {
        Cgroup a = cg("/a"), ab = cg("/a/b");
        cg("/a/b/x");
        cg("/a/c");
        byte[] bss = o.maps().stream().filter(m -> m.name().endsWith(".data")).findFirst().orElseThrow().lookup(le32(0));
        ByteBuffer.wrap(bss).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 2);
        o.maps().stream().filter(m -> m.name().endsWith(".data")).findFirst().orElseThrow().update(le32(0), bss);
        assertEquals("1 " + a.id() + "\n2 " + ab.id() + "\nstop\n", walk(CgroupTarget.DESCENDANTS_PRE, 0, a.id()));
    }

    @Test
    void cgroupAttachErrnos() {
        Cgroup a = cg("/a");
        assertErrno(Errno.EINVAL, () -> linkCreate("cgroup_walk", null));   // order 0: UNSPEC
        assertErrno(Errno.EINVAL, () -> linkCreate("cgroup_walk", Attrs.IterInfo.cgroup(5, 0, 0)));
        int fd = new CgroupAttachCommands(rt).openCgroup(task, "/a");
        assertErrno(Errno.EINVAL, () -> linkCreate("cgroup_walk", Attrs.IterInfo.cgroup(1, fd, a.id())));
        assertErrno(Errno.ENOENT, () -> linkCreate("cgroup_walk", Attrs.IterInfo.cgroup(1, 0, 123456)));
        int mapFd = bpf.mapCreate(task, MapCreateAttr.of(MapType.ARRAY, 4, 4, 1, 0));
        assertErrno(Errno.EBADF, () -> linkCreate("cgroup_walk", Attrs.IterInfo.cgroup(1, mapFd, 0)));
    }

    @Test
    void cgroupWalkDoesNotResumeAcrossReads() {
        Cgroup a = cg("/a");
        cg("/a/b");
        Link link = o.program("cgroup_walk").attachIter(Attrs.IterInfo.cgroup(CgroupTarget.DESCENDANTS_PRE, 0, a.id()));
        int fd = link.iterCreate();
        byte[] first = bpf.iterRead(task, fd, 2);   // the first cgroup's line fills the 2 bytes asked for
        assertEquals(2, first.length);
        readRemainder(fd);
        assertErrno(Errno.EOPNOTSUPP, () -> bpf.iterRead(task, fd, 4096));
    }

    /** Drains what the first read left in the buffer (returned before anything runs again). */
    private void readRemainder(int fd) {
        bpf.iterRead(task, fd, 4096);
    }
}
