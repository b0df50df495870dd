package org.ebpf4j.kernel.sysctl;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.ebpf4j.api.BpfObject;
import org.ebpf4j.api.Cgroups;
import org.ebpf4j.api.Link;
import org.ebpf4j.elf.ObjectReader;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.KernelBpf;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code cgroup/sysctl} end to end (issue 5; spec §5.1/§5.2 SYSCTL row, §12 item 1): the committed
 * {@code sysctl_guard.bpf.o} loaded through {@link BpfObject}, attached with a cgroup link, guards
 * the modelled /proc/sys of tasks in its cgroup. Its ARRAY map records what the helpers returned.
 */
class SysctlGuardTest {
    static final Path DIR = Path.of("src/test/bpf");
    /** Offsets in {@code struct rec} of sysctl_guard.bpf.c. */
    static final int NAME = 0, BASE = 64, SMALL = 80, CUR = 88, NEWV = 120, NAME_RET = 152, BASE_RET = 160,
            SMALL_RET = 168, CUR_RET = 176, NEW_RET = 184, SET_RET = 192, PARSED = 200, PARSE_RET = 208,
            WRITE = 216, POS = 220, RUNS = 224;

    final Runtime rt = Runtime.builder().arenaSize(32L << 20).cpus(1).build();
    final Bpf bpf = new KernelBpf(rt);
    final Task loader = rt.spawn("loader", 0, 0);
    final Cgroups cgroups = new Cgroups(loader);
    final Task guarded = rt.spawn("guarded", 0, 0);
    final Task free = rt.spawn("free", 0, 0);
    final Sysctl sysctl = rt.sysctl();
    BpfObject obj;
    Link link;

    /** The engine the object is loaded with: the interpreter here, the JIT in {@link SysctlGuardJitTest}. */
    void engine(org.ebpf4j.kernel.prog.ProgEnv env) {}

    @BeforeEach
    void attach() {
        engine(rt.progs());
        cgroups.mkdir("/guarded");
        cgroups.move(guarded, "/guarded");
        obj = BpfObject.load(ObjectReader.read(DIR.resolve("sysctl_guard.bpf.o")), rt, loader, bpf);
        link = obj.program("sysctl_guard").attachCgroup("/guarded", AttachType.CGROUP_SYSCTL);
    }

    @AfterEach
    void close() {
        obj.close();
        rt.close();
    }

    byte[] rec() { return obj.map("last").lookup(new byte[4]); }

    static long i64(byte[] v, int off) { return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong(off); }

    static int i32(byte[] v, int off) { return ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getInt(off); }

    /** The NUL-terminated string at {@code off} (at most {@code len} bytes). */
    static String str(byte[] v, int off, int len) {
        int end = off;
        while (end < off + len && v[end] != 0) {
            end++;
        }
        return new String(v, off, end - off, StandardCharsets.UTF_8);
    }

    @Test
    void deniesWritesToSomaxconnButNotReads() {
        Sysctl.Access w = sysctl.write(guarded, "net/core/somaxconn", "128");
        assertEquals(Errno.EPERM.negative(), w.ret(), "verdict 0 fails the write with EPERM");
        assertEquals("4096", sysctl.value("net/core/somaxconn"), "the denied write changed nothing");

        byte[] r = rec();
        assertEquals(1, i32(r, WRITE));
        assertEquals("net/core/somaxconn", str(r, NAME, 64));
        assertEquals("net/core/somaxconn".length(), i64(r, NAME_RET));
        assertEquals("somaxconn", str(r, BASE, 16));
        assertEquals(9, i64(r, BASE_RET));
        assertEquals("net/cor", str(r, SMALL, 8), "truncated name: 7 bytes and a NUL");
        assertEquals(Errno.E2BIG.negative(), i64(r, SMALL_RET));
        assertEquals("4096\n", str(r, CUR, 32), "the current value is the handler's text, newline included");
        assertEquals(5, i64(r, CUR_RET));
        assertEquals("128", str(r, NEWV, 32));
        assertEquals(3, i64(r, NEW_RET));
        assertEquals(4096, i64(r, PARSED), "bpf_strtoul over the current value");
        assertEquals(4, i64(r, PARSE_RET));

        Sysctl.Access rd = sysctl.read(guarded, "net/core/somaxconn");
        assertEquals(5, rd.ret());
        assertEquals("4096\n", rd.data());
        r = rec();
        assertEquals(0, i32(r, WRITE));
        assertEquals(Errno.EINVAL.negative(), i64(r, NEW_RET), "get_new_value on a read is EINVAL");
        assertEquals("", str(r, NEWV, 32), "and zeroes the buffer");
        assertEquals(2, i64(r, RUNS));

        Sysctl.Access other = sysctl.write(free, "net/core/somaxconn", "256");
        assertEquals(3, other.ret(), "a task outside the cgroup is not guarded");
        assertEquals("256", sysctl.value("net/core/somaxconn"));
        assertEquals(2, i64(rec(), RUNS), "and does not run the program");
    }

    @Test
    void rewritesTcpMemWrites() {
        Sysctl.Access w = sysctl.write(guarded, "net/ipv4/tcp_mem", "1 2 3");
        assertEquals(11, w.ret(), "write returns the count of the program's value");
        assertEquals("600\t700\t800", sysctl.value("net/ipv4/tcp_mem"));
        byte[] r = rec();
        assertEquals(0, i64(r, SET_RET));
        assertEquals("1 2 3", str(r, NEWV, 32), "get_new_value saw the user's value");
        assertEquals("43827\t58436\t87654\n", str(r, CUR, 32));
        assertEquals("600\t700\t800\n", sysctl.read(guarded, "net/ipv4/tcp_mem").data());
    }

    @Test
    void linux618IgnoresTheNewValue() {
        sysctl.setOverridePolicy(Sysctl.OverridePolicy.IGNORE);
        Sysctl.Access w = sysctl.write(guarded, "net/ipv4/tcp_mem", "1 2 3");
        assertEquals(5, w.ret());
        assertEquals("1\t2\t3", sysctl.value("net/ipv4/tcp_mem"), "6.18 writes the user's value (spec §12 item 1)");
        assertEquals(0, i64(rec(), SET_RET), "although the helper succeeded");
    }

    @Test
    void filePosWriteMovesTheRead() {
        Sysctl.Access rd = sysctl.read(guarded, "kernel/hostname");
        assertEquals(6, rd.ret());
        assertEquals("lhost\n", rd.data(), "the program moved the position to 4 of \"localhost\\n\"");
        assertEquals(10, rd.pos());
        assertEquals(0, i32(rec(), POS), "the program saw position 0");
        assertEquals("localhost\n", sysctl.read(free, "kernel/hostname").data());
        Sysctl.Access at3 = sysctl.read(free, "kernel/hostname", 3, 100);
        assertEquals("alhost\n", at3.data());
    }

    @Test
    void readOnlyEntryFailsBeforeTheHook() {
        assertEquals(Errno.EACCES.negative(), sysctl.write(guarded, "kernel/ostype", "BSD").ret());
        assertEquals("Linux", sysctl.value("kernel/ostype"));
        assertEquals(0, i64(rec(), RUNS), "open for writing failed: no hook ran");
        assertEquals("Linux\n", sysctl.read(guarded, "/proc/sys/kernel/ostype").data());
        assertEquals(1, i64(rec(), RUNS));
    }

    @Test
    void detachingTheLinkLiftsTheGuard() {
        link.close();
        assertEquals(3, sysctl.write(guarded, "net/core/somaxconn", "512").ret());
        assertEquals("512", sysctl.value("net/core/somaxconn"));
    }

    @Test
    void handlerRejectsBadIntegers() {
        assertEquals(Errno.EINVAL.negative(), sysctl.write(free, "net/ipv4/ip_local_port_range", "10 x").ret());
        assertEquals(Errno.EINVAL.negative(), sysctl.write(free, "net/core/somaxconn", "1 2").ret());
        assertEquals(Errno.EINVAL.negative(), sysctl.write(free, "net/ipv4/tcp_syncookies", "3").ret(), "above max");
        assertEquals(Errno.EINVAL.negative(), sysctl.write(free, "net/core/somaxconn", "-1").ret(), "below min");
        assertEquals(Errno.EINVAL.negative(), sysctl.write(free, "net/ipv4/ip_local_port_range", "61000").ret(),
                "low end above the high end");
        assertEquals("32768\t60999", sysctl.value("net/ipv4/ip_local_port_range"), "failed writes store nothing");
        assertEquals(5, sysctl.write(free, "net/ipv4/ip_local_port_range", "1024\n").ret());
        assertEquals("1024\t60999", sysctl.value("net/ipv4/ip_local_port_range"), "a shorter vector changes its head");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sysctl.read(free, "vm/nope"));
        assertTrue(e.getMessage().contains("vm/nope"), e.getMessage());
    }
}
