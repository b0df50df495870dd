package org.ebpf4j.kernel.sysctl;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The return values and buffer contents of helpers 101-104 at their edges (kernel/bpf/cgroup.c:
 * {@code copy_sysctl_value}, {@code strscpy} in {@code bpf_sysctl_get_name},
 * {@code bpf_sysctl_set_new_value}), called directly on a context registered as in flight.
 */
class SysctlHelpersTest {
    static final long E2BIG = Errno.E2BIG.negative(), EINVAL = Errno.EINVAL.negative();
    final Arena arena = new Arena(1 << 20);
    final SysctlHelpers h = new SysctlHelpers(arena);
    final SysctlTable table = SysctlTable.ints("net/ipv4/tcp_mem", 3, 0, Long.MAX_VALUE, "1\t2\t3");
    final long ctx = arena.alloc(8);
    final long buf = arena.alloc(8192);

    @AfterEach
    void close() { arena.close(); }

    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    SysctlKern write(String value) {
        byte[] nv = new byte[SysctlHelpers.PAGE_SIZE];
        System.arraycopy(b(value), 0, nv, 0, value.length());
        SysctlKern k = new SysctlKern(table, true, b("1\t2\t3\n"), value.isEmpty() ? null : nv, value.length());
        h.enter(ctx, k);
        return k;
    }

    SysctlKern read() {
        SysctlKern k = new SysctlKern(table, false, b("1\t2\t3\n"), null, 0);
        h.enter(ctx, k);
        return k;
    }

    @Test
    void getNameCopiesLikeStrscpy() {
        read();
        arena.fill(buf, 32, (byte) 'x');
        assertEquals(16, h.getName(ctx, buf, 17, 0), "exact fit: 16 bytes and the NUL");
        assertEquals("net/ipv4/tcp_mem", new String(arena.copyOut(buf, 16), StandardCharsets.UTF_8));
        assertEquals(0, arena.load8(buf + 16));
        assertEquals('x', arena.load8(buf + 17), "nothing written past the NUL");
        assertEquals(E2BIG, h.getName(ctx, buf, 16, 0), "one byte short");
        assertEquals("net/ipv4/tcp_me", new String(arena.copyOut(buf, 15), StandardCharsets.UTF_8));
        assertEquals(0, arena.load8(buf + 15));
        assertEquals(7, h.getName(ctx, buf, 8, SysctlHelpers.BPF_F_SYSCTL_BASE_NAME));
        assertEquals(E2BIG, h.getName(ctx, buf, 1, 0));
        assertEquals(0, arena.load8(buf), "a one-byte buffer gets just the NUL");
        assertEquals(7, h.getName(ctx, buf, 8, 3), "unknown flag bits are ignored");
        assertEquals(EINVAL, h.getName(ctx, 0, 8, 0), "NULL buffer");
    }

    @Test
    void currentValueZeroPadsOrTruncates() {
        read();
        arena.fill(buf, 16, (byte) 'x');
        assertEquals(6, h.getCurrentValue(ctx, buf, 10));
        assertArrayEquals(b("1\t2\t3\n\0\0\0\0"), arena.copyOut(buf, 10), "padded with NULs to the buffer's end");
        assertEquals(E2BIG, h.getCurrentValue(ctx, buf, 6), "exact fit is still too small: the NUL replaces the last byte");
        assertArrayEquals(b("1\t2\t3\0"), arena.copyOut(buf, 6));
        h.exit(ctx);
        h.enter(ctx, new SysctlKern(table, false, new byte[0], null, 0));
        arena.fill(buf, 4, (byte) 'x');
        assertEquals(EINVAL, h.getCurrentValue(ctx, buf, 4), "no current value (the handler failed)");
        assertArrayEquals(new byte[4], arena.copyOut(buf, 4), "and the buffer zeroed");
    }

    @Test
    void newValueOnlyOnWrites() {
        read();
        arena.fill(buf, 4, (byte) 'x');
        assertEquals(EINVAL, h.getNewValue(ctx, buf, 4));
        assertArrayEquals(new byte[4], arena.copyOut(buf, 4), "zeroed on a read");
        arena.copyIn(buf, b("9 9 9"));
        assertEquals(EINVAL, h.setNewValue(ctx, buf, 5), "set on a read");

        h.exit(ctx);
        SysctlKern k = write("4 5 6");
        assertEquals(5, h.getNewValue(ctx, buf + 100, 8));
        assertEquals("4 5 6", new String(arena.copyOut(buf + 100, 5), StandardCharsets.UTF_8));
        assertEquals(E2BIG, h.setNewValue(ctx, buf, SysctlHelpers.PAGE_SIZE), "PAGE_SIZE - 1 at most");
        assertFalse(k.newUpdated);
        assertEquals(EINVAL, h.setNewValue(ctx, buf, 0));
        assertEquals(0, h.setNewValue(ctx, buf, 3));
        assertTrue(k.newUpdated);
        assertEquals(3, k.newLen);
        assertEquals(3, h.getNewValue(ctx, buf + 200, 8), "get sees what set stored");
        assertEquals("9 9", new String(arena.copyOut(buf + 200, 3), StandardCharsets.UTF_8));
        assertEquals(0, h.setNewValue(ctx, buf, SysctlHelpers.PAGE_SIZE - 1), "longer than the user's value is fine");

        h.exit(ctx);
        write("");
        assertEquals(EINVAL, h.setNewValue(ctx, buf, 3), "an empty write has no new value to replace");
        assertEquals(EINVAL, h.getNewValue(ctx, buf, 4));
    }

    @Test
    void unknownContextIsEinval() {
        assertEquals(EINVAL, h.getName(ctx, buf, 8, 0));
        assertEquals(EINVAL, h.getCurrentValue(ctx, buf, 8));
        assertEquals(EINVAL, h.getNewValue(ctx, buf, 8));
        assertEquals(EINVAL, h.setNewValue(ctx, buf, 8));
    }
}
