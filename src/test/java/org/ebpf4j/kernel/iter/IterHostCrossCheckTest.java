package org.ebpf4j.kernel.iter;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.MapType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same iterator cases on this machine's kernel and on the model, compared: outputs and
 * errnos of src/test/bpf/iter_targets.bpf.o's iterators (bpf_map_elem over hash/array/per-CPU
 * maps and its attach errnos, the reading task, task filters, cgroup attach errnos and the root
 * cgroup, dup of an iterator fd, a cgroup read after the walk). The kernel side is
 * src/test/c/iter_probe.c, compiled with libbpf and run here (root on Linux with cc and
 * libbpf; skipped otherwise). It attaches nothing to any hook or cgroup. Pids and comm differ
 * by nature and are compared after substitution; hash maps are seeded randomly on Linux, so
 * their lines are compared as sets.
 */
class IterHostCrossCheckTest {
    /** name → "case HEX" / "err ERRNO" as the probe printed them; other lines by first word. */
    static Map<String, String> kernel;
    static int kernelPid;

    final Runtime rt = Runtime.builder().arenaSize(64L << 20).cpus(2).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task task = rt.spawn("iterprobe", 0, 0);
    final BpfObject o = BpfObject.load(ObjectReader.read(Path.of("src/test/bpf/iter_targets.bpf.o")), rt, task, bpf);

    @AfterEach
    void close() {
        o.close();
        rt.close();
    }

    @BeforeAll
    static void runProbe() throws IOException, InterruptedException {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "not Linux");
        assumeTrue("root".equals(System.getProperty("user.name")), "not root: kernel cross-check skipped");
        assumeTrue(Files.exists(Path.of("/usr/include/bpf/libbpf.h")), "no libbpf headers: kernel cross-check skipped");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/cc")), "no C compiler: kernel cross-check skipped");
        Path dir = Files.createTempDirectory("iterprobe");
        Path exe = dir.resolve("probe");
        Process p = new ProcessBuilder("/usr/bin/cc", "-O2", "-o", exe.toString(), "src/test/c/iter_probe.c", "-lbpf")
                .redirectErrorStream(true).start();
        String cout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "probe does not build here: " + cout);
        Process r = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(r.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        r.waitFor(60, TimeUnit.SECONDS);
        Files.deleteIfExists(exe);
        Files.deleteIfExists(dir);
        assumeTrue(r.exitValue() == 0 && !out.startsWith("error"), "probe refused by this kernel: " + out);
        kernel = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] w = line.trim().split(" ", 3);
            if (w[0].equals("case") || w[0].equals("err")) {
                kernel.put(w[1], w[0] + " " + (w.length > 2 ? w[2] : ""));
            } else if (w[0].equals("hashval")) {
                kernel.put(w[0] + " " + w[1], line.trim());   // "hashval K V"
            } else {
                kernel.put(w[0], line.trim());
            }
        }
        kernelPid = Integer.parseInt(kernel.get("pid").split(" ")[1]);
    }

    static byte[] le32(int v) { return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array(); }

    static byte[] le64(long v) { return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(); }

    /** The probe's {@code run()} on the model: "case HEX" or "err ERRNO". */
    String model(String prog, Attrs.IterInfo info) {
        int link;
        try {
            link = bpf.linkCreate(task, Attrs.LinkCreate.iter(o.program(prog).fd(), info));
        } catch (BpfException e) {
            return "err " + e.errno().value();
        }
        int it = bpf.iterCreate(task, link, 0);
        try {
            return "case " + HexFormat.of().formatHex(drain(it, new java.io.ByteArrayOutputStream()));
        } catch (BpfException e) {
            return "err " + e.errno().value();
        } finally {
            task.fds().close(it);
            task.fds().close(link);
        }
    }

    byte[] drain(int it, java.io.ByteArrayOutputStream out) {
        for (byte[] b = bpf.iterRead(task, it, 4096); b.length > 0; b = bpf.iterRead(task, it, 4096)) {
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    static String text(String kase) {
        assertTrue(kase.startsWith("case "), kase);
        return new String(HexFormat.of().parseHex(kase.substring(5).trim()), StandardCharsets.ISO_8859_1);
    }

    int map(MapType t, int ks, int vs, int n) { return bpf.mapCreate(task, MapCreateAttr.of(t, ks, vs, n, 0)); }

    @Test
    void mapElemOutputsAndErrnosMatchLinux() {
        int hash = map(MapType.HASH, 4, 8, 8);
        for (int k = 1; k <= 3; k++) {
            bpf.mapUpdateElem(task, hash, le32(k), le64(10L * k), MapFlags.BPF_ANY);
        }
        String ours = model("dump_u32_u64", Attrs.IterInfo.map(hash));
        assertEquals(Set.copyOf(text(kernel.get("hash")).lines().toList()), Set.copyOf(text(ours).lines().toList()));
        assertTrue(text(ours).endsWith(text(kernel.get("hash")).lines().reduce((a, b) -> b).orElseThrow() + "\n"));
        for (int k = 1; k <= 3; k++) {   // the program doubled the values in place on both
            long v = ByteBuffer.wrap(bpf.mapLookupElem(task, hash, le32(k))).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(kernel.get("hashval " + k), "hashval " + k + " " + v);
        }
        int arr = map(MapType.ARRAY, 4, 8, 3);
        bpf.mapUpdateElem(task, arr, le32(1), le64(5), MapFlags.BPF_ANY);
        assertEquals(kernel.get("array"), model("dump_u32_u64", Attrs.IterInfo.map(arr)));
        assumeTrue(kernel.get("cpus").equals("cpus " + rt.cpus()), "per-CPU layout depends on the possible CPUs");
        int pcpu = map(MapType.PERCPU_ARRAY, 4, 4, 2);
        bpf.mapUpdateElem(task, pcpu, le32(1), ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 11).putInt(8, 22).array(),
                MapFlags.BPF_ANY);
        assertEquals(kernel.get("percpu"), model("dump_percpu", Attrs.IterInfo.map(pcpu)));
        // the program wrote 777 into its copy: not written back on either
        byte[] after = bpf.mapLookupElem(task, pcpu, le32(1));
        ByteBuffer b = ByteBuffer.wrap(after).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(kernel.get("percpuval"), "percpuval " + b.getLong(0) + " " + b.getLong(8));
    }

    @Test
    void mapElemAttachErrnosMatchLinux() {
        int hash = map(MapType.HASH, 4, 8, 8);
        int small = map(MapType.HASH, 4, 4, 8);
        int queue = map(MapType.QUEUE, 0, 8, 8);
        int pcpuh = map(MapType.PERCPU_HASH, 4, 4, 8);
        assertEquals(kernel.get("elem_nomap"), model("dump_u32_u64", null));
        assertEquals(kernel.get("elem_badfd"), model("dump_u32_u64", Attrs.IterInfo.map(999)));
        assertEquals(kernel.get("elem_queue"), model("dump_u32_u64", Attrs.IterInfo.map(queue)));
        assertEquals(kernel.get("elem_small_value"), model("dump_u32_u64", Attrs.IterInfo.map(small)));
        assertEquals(kernel.get("elem_wide_key"), model("key_u64", Attrs.IterInfo.map(hash)));
        assertEquals(kernel.get("elem_percpu_hash_empty"), model("dump_u32_u64", Attrs.IterInfo.map(pcpuh)));
    }

    /** Pids and comm differ between the two worlds: each side's own are replaced by PID. */
    static String normalized(String text, int pid) { return text.replace(Integer.toString(pid), "PID"); }

    @Test
    void readingTaskAndTaskFiltersMatchLinux() {
        assertEquals(normalized(text(kernel.get("whoami")), kernelPid), normalized(text(model("whoami", null)), task.pid()));
        int me = task.pid();
        assertEquals(normalized(text(kernel.get("task_tid")), kernelPid), normalized(text(model("task_pids", Attrs.IterInfo.task(me, 0, 0))), me));
        assertEquals(normalized(text(kernel.get("task_pid")), kernelPid), normalized(text(model("task_pids", Attrs.IterInfo.task(0, me, 0))), me));
        int pidfd = task.pidfdOpen(me);
        assertEquals(normalized(text(kernel.get("task_pidfd")), kernelPid),
                normalized(text(model("task_pids", Attrs.IterInfo.task(0, 0, pidfd))), me));
        assertEquals(kernel.get("task_two"), model("task_pids", Attrs.IterInfo.task(me, me, 0)));
        int hash = map(MapType.HASH, 4, 8, 8);
        assertEquals(kernel.get("task_notpidfd"), model("task_pids", Attrs.IterInfo.task(0, 0, hash)));
        assertEquals(kernel.get("task_none"), model("task_pids", Attrs.IterInfo.task(0x3ffffff0, 0, 0)));
    }

    @Test
    void cgroupAttachAndRootMatchLinux() {
        assertEquals(kernel.get("cg_unspec"), model("cgroup_walk", Attrs.IterInfo.cgroup(0, 0, 0)));
        assertEquals(kernel.get("cg_order5"), model("cgroup_walk", Attrs.IterInfo.cgroup(5, 0, 0)));
        assertEquals(kernel.get("cg_root_self"), model("cgroup_walk", Attrs.IterInfo.cgroup(CgroupTarget.SELF_ONLY, 0, 1)));
        assertEquals(kernel.get("cg_noid"), model("cgroup_walk", Attrs.IterInfo.cgroup(CgroupTarget.SELF_ONLY, 0, 0x7ffffff0)));
        int cg = new org.ebpf4j.kernel.link.CgroupAttachCommands(rt).openCgroup(task, "/");
        assertEquals(kernel.get("cg_fd_and_id"), model("cgroup_walk", Attrs.IterInfo.cgroup(CgroupTarget.SELF_ONLY, cg, 1)));
        int hash = map(MapType.HASH, 4, 8, 8);
        assertEquals(kernel.get("cg_notcgroup"), model("cgroup_walk", Attrs.IterInfo.cgroup(CgroupTarget.SELF_ONLY, hash, 0)));
    }

    @Test
    void dupAndCgroupRereadMatchLinux() {
        int arr = map(MapType.ARRAY, 4, 8, 3);
        bpf.mapUpdateElem(task, arr, le32(1), le64(5), MapFlags.BPF_ANY);
        assertEquals(kernel.get("array"), model("dump_u32_u64", Attrs.IterInfo.map(arr)));   // as the probe: doubles 5 first
        int link = bpf.linkCreate(task, Attrs.LinkCreate.iter(o.program("dump_u32_u64").fd(), Attrs.IterInfo.map(arr)));
        int it = bpf.iterCreate(task, link, 0);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(bpf.iterRead(task, it, 5));
        int d = task.fds().dup(it);
        task.fds().close(it);
        assertEquals(kernel.get("dup"), "case " + HexFormat.of().formatHex(drain(d, out)));
        task.fds().close(d);
        task.fds().close(link);

        link = bpf.linkCreate(task, Attrs.LinkCreate.iter(o.program("cgroup_walk").fd(), Attrs.IterInfo.cgroup(CgroupTarget.ANCESTORS_UP, 0, 1)));
        it = bpf.iterCreate(task, link, 0);
        bpf.iterRead(task, it, 2);
        bpf.iterRead(task, it, 4096);
        assertEquals(kernel.get("cg_resume"), "case " + HexFormat.of().formatHex(bpf.iterRead(task, it, 4096)));
        task.fds().close(it);
        task.fds().close(link);
    }
}
