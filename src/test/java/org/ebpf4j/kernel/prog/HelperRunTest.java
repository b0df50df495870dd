package org.ebpf4j.kernel.prog;

import static org.ebpf4j.kernel.prog.HelperCall.ptr;
import static org.ebpf4j.kernel.prog.HelperCall.val;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.ebpf4j.isa.Asm;
import org.ebpf4j.isa.Insn;
import org.ebpf4j.isa.Reg;
import org.ebpf4j.isa.Size;
import org.ebpf4j.kernel.helpers.TracePipe;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.syscall.MapCreateAttr;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.uapi.ProgType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The misc helpers as programs see them: arguments from a syscall program's context, results
 * read back. Expected outputs follow kernel/bpf/helpers.c (bpf_bprintf_prepare, __bpf_strtoull,
 * bpf_loop) and lib/vsprintf.c.
 */
class HelperRunTest {
    static final int TRACE_PRINTK = 6, PID_TGID = 14, UID_GID = 15, COMM = 16, STRTOL = 105, STRTOUL = 106,
            PROBE_READ = 113, PROBE_READ_STR = 115, SNPRINTF = 165, LOOP = 181;
    final ProgFixture f = new ProgFixture();

    @AfterEach
    void close() { f.close(); }

    HelperCall h() { return new HelperCall(f, 256); }

    String printk(String fmt, long a1, long a2, long a3, long[] ret) {
        HelperCall c = h().putString(0, fmt);
        ret[0] = c.call(TRACE_PRINTK, ptr(0), val(fmt.length() + 1), val(a1), val(a2), val(a3));
        List<TracePipe.Event> ev = f.rt.progs().tracePipe().read();
        return ev.isEmpty() ? null : ev.get(0).message();
    }

    String printk(String fmt, long a1, long a2, long a3) { return printk(fmt, a1, a2, a3, new long[1]); }

    @Test
    void tracePrintkFormats() {
        long[] ret = new long[1];
        assertEquals("x=-5 y=4294967295 z=ff\n", printk("x=%d y=%u z=%x\n", -5, -1, 255, ret));
        assertEquals(23, ret[0]);
        assertEquals("-1 ffffffffffffffff -1", printk("%lld %llx %ld", -1, -1, -1, ret));
        assertEquals("18446744073709551615 4294967295", printk("%llu %u", -1, -1, 0));
        assertEquals("   42|42   |00042", printk("%5d|%-5d|%05d", 42, 42, 42));
        assertEquals("-0042 +7 FF", printk("%05d %+d %X", -42, 7, 255));
        assertEquals("A% i=3", printk("%c%% i=%i", 'A', 3, 0));
        assertEquals("p=0000000000000000 px=00000000000000ff", printk("p=%p px=%px", 0, 255, 0));
        String hashed = printk("%p", Arena.BASE + 64, 0, 0);
        assertEquals(16, hashed.length());
        assertEquals(hashed, printk("%pK", Arena.BASE + 64, 0, 0), "%pK hashes like %p when kptr_restrict is 0");
    }

    @Test
    void tracePrintkStringsAndAddresses() {
        HelperCall c = h().putString(0, "name=%s! ip=%pI4 %pi4").putString(64, "hello").put(80, new byte[] {10, 0, 0, 1});
        long ret = c.call(TRACE_PRINTK, ptr(0), val(32), ptr(64), ptr(80), ptr(80));
        TracePipe.Event e = f.rt.progs().tracePipe().read().get(0);
        assertEquals("name=hello! ip=10.0.0.1 010.000.000.001", e.message());
        assertEquals(e.message().length(), ret);
        assertEquals(f.task.pid(), e.pid());
        assertEquals("progtest", e.comm());
        assertTrue(e.toString().contains("bpf_trace_printk: name=hello!"));
        // an unreadable string prints as the empty string
        HelperCall d = h().putString(0, "[%s]");
        d.call(TRACE_PRINTK, ptr(0), val(5), val(8), val(0), val(0));
        assertEquals("[]", f.rt.progs().tracePipe().read().get(0).message());
    }

    @Test
    void tracePrintkRejections() {
        long[] ret = new long[1];
        assertNull(printk("%d %d %d %d", 1, 2, 3, ret));        // 4 conversions, 3 arguments at most
        assertEquals(Errno.EINVAL.negative(), ret[0]);
        for (String bad : new String[] {"%o", "%.2d", "%sx", "%hd", "%pZ", "tab\u0001"}) {
            assertNull(printk(bad, 1, 2, 3, ret), bad);
            assertEquals(Errno.EINVAL.negative(), ret[0], bad);
        }
        // fmt_size without the NUL
        HelperCall c = h().putString(0, "abc");
        assertEquals(Errno.EINVAL.negative(), c.call(TRACE_PRINTK, ptr(0), val(3), val(0), val(0), val(0)));
        assertTrue(f.rt.progs().tracePipe().read().isEmpty());
    }

    @Test
    void snprintfTruncatesAndCountsTheNul() {
        HelperCall c = h().putString(0, "hello %d").putLong(32, 12345);
        assertEquals(12, c.call(SNPRINTF, ptr(64), val(8), ptr(0), ptr(32), val(8)));
        assertEquals("hello 1", c.dataString(64));
        HelperCall d = h().putString(0, "%c-%lld-%x").putLong(32, 'z').putLong(40, -9).putLong(48, 0xbeef);
        assertEquals(10, d.call(SNPRINTF, ptr(64), val(64), ptr(0), ptr(32), val(24)));
        assertEquals("z--9-beef", d.dataString(64));
        // str_size 0 writes nothing and still returns the length + 1
        HelperCall z = h().putString(0, "abc").put(64, new byte[] {'q'});
        assertEquals(4, z.call(SNPRINTF, ptr(64), val(0), ptr(0), val(0), val(0)));
        assertEquals('q', z.data(64, 1)[0]);
        // data_len rules and too few arguments
        assertEquals(Errno.EINVAL.negative(), h().putString(0, "%d").call(SNPRINTF, ptr(64), val(8), ptr(0), ptr(32), val(4)));
        assertEquals(Errno.EINVAL.negative(), h().putString(0, "%d").call(SNPRINTF, ptr(64), val(8), ptr(0), ptr(32), val(13 * 8)));
        assertEquals(Errno.EINVAL.negative(), h().putString(0, "%d %d").call(SNPRINTF, ptr(64), val(8), ptr(0), ptr(32), val(8)));
        assertEquals(Errno.EINVAL.negative(), h().putString(0, "%d").call(SNPRINTF, ptr(64), val(8), ptr(0), val(0), val(8)));
    }

    long strtox(int id, String s, long flags, long[] res) {
        HelperCall c = h().putString(0, s).putLong(128, 0x5555);
        long r = c.call(id, ptr(0), val(s.length()), val(flags), ptr(128));
        res[0] = c.dataLong(128);
        return r;
    }

    @Test
    void strtolEdgeCases() {
        long[] res = new long[1];
        assertEquals(6, strtox(STRTOL, "  -123abc", 0, res));
        assertEquals(-123, res[0]);
        assertEquals(4, strtox(STRTOL, "0x1f", 0, res));
        assertEquals(31, res[0]);
        assertEquals(4, strtox(STRTOL, "0x1f", 16, res));
        assertEquals(31, res[0]);
        assertEquals(1, strtox(STRTOL, "0x1f", 8, res));     // "0", then 'x' stops base 8
        assertEquals(0, res[0]);
        assertEquals(3, strtox(STRTOL, "017", 0, res));       // base 0: leading 0 is octal
        assertEquals(15, res[0]);
        assertEquals(Errno.EINVAL.negative(), strtox(STRTOL, "abc", 10, res));
        assertEquals(0, res[0], "*res is zeroed on error");
        assertEquals(Errno.EINVAL.negative(), strtox(STRTOL, "   ", 0, res));
        assertEquals(Errno.EINVAL.negative(), strtox(STRTOL, "12", 3, res));
        assertEquals(Errno.EINVAL.negative(), strtox(STRTOL, "12", 0x20 | 10, res));
        assertEquals(Errno.ERANGE.negative(), strtox(STRTOL, "9223372036854775808", 10, res));
        assertEquals(20, strtox(STRTOL, "-9223372036854775808", 10, res));
        assertEquals(Long.MIN_VALUE, res[0]);
        assertEquals(19, strtox(STRTOUL, "9223372036854775808", 10, res));
        assertEquals(Long.MIN_VALUE, res[0]);
        assertEquals(Errno.ERANGE.negative(), strtox(STRTOUL, "18446744073709551616", 10, res));
        assertEquals(Errno.EINVAL.negative(), strtox(STRTOUL, "-1", 10, res));
        assertEquals(2, strtox(STRTOUL, "ff", 16, res));
        assertEquals(255, res[0]);
    }

    @Test
    void probeReadKernel() {
        HelperCall c = h().putLong(16, 0x1122334455667788L).putLong(0, -1);
        assertEquals(0, c.call(PROBE_READ, ptr(0), val(8), ptr(16)));
        assertEquals(0x1122334455667788L, c.dataLong(0));
        // NULL and user addresses: -ERANGE (copy_from_kernel_nofault_allowed); dst zeroed
        HelperCall n = h().putLong(0, -1);
        assertEquals(Errno.ERANGE.negative(), n.call(PROBE_READ, ptr(0), val(8), val(0)));
        assertEquals(0, n.dataLong(0));
        // a kernel address outside the arena: -EFAULT, dst zeroed
        HelperCall k = h().putLong(0, -1);
        assertEquals(Errno.EFAULT.negative(), k.call(PROBE_READ, ptr(0), val(8), val(Arena.BASE - 4096)));
        assertEquals(0, k.dataLong(0));
        // strings: bytes copied including the NUL; truncated to size with a NUL
        HelperCall s = h().putString(16, "hi").putLong(0, -1);
        assertEquals(3, s.call(PROBE_READ_STR, ptr(0), val(8), ptr(16)));
        assertEquals("hi", s.dataString(0));
        HelperCall t = h().putString(16, "abcdefghij");
        assertEquals(4, t.call(PROBE_READ_STR, ptr(0), val(4), ptr(16)));
        assertEquals("abc", t.dataString(0));
        HelperCall u = h().putLong(0, -1);
        assertEquals(Errno.ERANGE.negative(), u.call(PROBE_READ_STR, ptr(0), val(8), val(0)));
        assertEquals(0, u.dataLong(0));
    }

    @Test
    void currentTask() {
        assertEquals(((long) f.task.tgid() << 32) | f.task.pid(), h().call(PID_TGID));
        assertEquals(0, h().call(UID_GID));
        HelperCall c = h().putLong(0, -1).putLong(8, -1);
        assertEquals(0, c.call(COMM, ptr(0), val(16)));
        assertEquals("progtest", c.dataString(0));
        assertEquals(0, c.data(8, 8)[7], "strscpy_pad pads with zeros");
        HelperCall d = h();
        assertEquals(0, d.call(COMM, ptr(0), val(4)));
        assertEquals("pro", d.dataString(0));
    }

    /**
     * bpf_loop(ctx[0], cb, &data[0], ctx[8]) with data[0..16) copied to the stack (a bpf_loop
     * context must be a stack pointer) and back; cb counts in data[0] and stops at index data[8].
     */
    static List<Insn> loopProgram() {
        return Asm.program().mov64(Reg.R6, Reg.R1)
                .ldx(Size.DW, Reg.R0, Reg.R6, HelperCall.DATA).stx(Size.DW, Reg.R10, -16, Reg.R0)
                .ldx(Size.DW, Reg.R0, Reg.R6, HelperCall.DATA + 8).stx(Size.DW, Reg.R10, -8, Reg.R0)
                .ldx(Size.DW, Reg.R1, Reg.R6, 0).ldFunc(Reg.R2, "cb")
                .mov64(Reg.R3, Reg.R10).add64(Reg.R3, -16).ldx(Size.DW, Reg.R4, Reg.R6, 8)
                .call(LOOP).stx(Size.DW, Reg.R6, HelperCall.RET, Reg.R0)
                .ldx(Size.DW, Reg.R0, Reg.R10, -16).stx(Size.DW, Reg.R6, HelperCall.DATA, Reg.R0)
                .mov64(Reg.R0, 0).exit()
                .label("cb").ldx(Size.DW, Reg.R3, Reg.R2, 0).add64(Reg.R3, 1).stx(Size.DW, Reg.R2, 0, Reg.R3)
                .ldx(Size.DW, Reg.R4, Reg.R2, 8).mov64(Reg.R0, 0).jne(Reg.R1, Reg.R4, "out").mov64(Reg.R0, 1)
                .label("out").exit().build();
    }

    long[] loop(long nr, long flags, long stopAt) {
        HelperCall c = h().putLong(8, stopAt);
        int fd = f.load(ProgType.SYSCALL, loopProgram());
        System.arraycopy(ProgFixture.le64(nr), 0, c.ctx, 0, 8);
        System.arraycopy(ProgFixture.le64(flags), 0, c.ctx, 8, 8);
        byte[] out = f.bpf.progTestRun(f.task, TestRunAttr.ofCtx(fd, c.ctx)).ctxOut();
        return new long[] {ProgFixture.u64(out, HelperCall.RET), ProgFixture.u64(out, HelperCall.DATA)};
    }

    @Test
    void bpfLoop() {
        assertArrayEquals(new long[] {10, 10}, loop(10, 0, -1));
        assertArrayEquals(new long[] {4, 4}, loop(10, 0, 3), "a callback returning 1 stops: i + 1");
        assertArrayEquals(new long[] {0, 0}, loop(0, 0, -1));
        assertArrayEquals(new long[] {Errno.EINVAL.negative(), 0}, loop(10, 1, -1));
        assertArrayEquals(new long[] {Errno.E2BIG.negative(), 0}, loop((1 << 23) + 1, 0, -1));
    }

    @Test
    void tailCallChainStopsAfter33() {
        int counter = f.bpf.mapCreate(f.task, MapCreateAttr.of(MapType.ARRAY, 4, 8, 1, 0));
        int progs = f.bpf.mapCreate(f.task, MapCreateAttr.of(MapType.PROG_ARRAY, 4, 4, 2, 0));
        List<Insn> p = Asm.program().mov64(Reg.R6, Reg.R1).ldMapValue(Reg.R1, counter, 0)
                .ldx(Size.DW, Reg.R2, Reg.R1, 0).add64(Reg.R2, 1).stx(Size.DW, Reg.R1, 0, Reg.R2)
                .mov64(Reg.R1, Reg.R6).ldMapFd(Reg.R2, progs).mov64(Reg.R3, 0).call(12)
                .mov64(Reg.R0, 77).exit().build();
        int fd = f.load(ProgType.XDP, p);
        // empty slot: falls through at once
        assertEquals(77, f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, new byte[14], 1)).retval());
        assertEquals(1, ProgFixture.u64(f.bpf.mapLookupElem(f.task, counter, ProgFixture.le32(0)), 0));
        // slot 0 = itself: 1 run + 33 tail calls, then the call falls through
        f.bpf.mapUpdateElem(f.task, progs, ProgFixture.le32(0), ProgFixture.le32(fd), 0);
        assertEquals(77, f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, new byte[14], 1)).retval());
        assertEquals(1 + 34, ProgFixture.u64(f.bpf.mapLookupElem(f.task, counter, ProgFixture.le32(0)), 0));
        // closing the prog array's last fd clears its slots (prog_array_map_clear): no tail call any more
        f.task.fds().close(progs);
        assertEquals(77, f.bpf.progTestRun(f.task, TestRunAttr.ofData(fd, new byte[14], 1)).retval());
        assertEquals(1 + 34 + 1, ProgFixture.u64(f.bpf.mapLookupElem(f.task, counter, ProgFixture.le32(0)), 0));
    }
}
