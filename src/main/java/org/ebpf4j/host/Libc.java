package org.ebpf4j.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * The few libc calls the host scenario runner and its socket agent make through FFM: the socket
 * syscalls (net/socket.c), open/close/write of cgroupfs files, poll. Every failure is a
 * {@link BpfException} with errno as the call left it, named after the call; an instance holds
 * only immutable method handles.
 */
public final class Libc {
    /** Socket and poll constants (include/linux/socket.h, net.h, uapi/asm-generic/poll.h, fcntl.h). */
    public static final int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800, MSG_DONTWAIT = 0x40,
            POLLIN = 1, POLLOUT = 4, O_RDONLY = 0, O_WRONLY = 1, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000,
            SOL_SOCKET = 1, SO_ERROR = 4;

    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout A = ValueLayout.ADDRESS;

    private final MethodHandle socket, bind, listen, connect, accept4, sendto, recvfrom, setsockopt, getsockopt,
            getsockname, getpeername, close, open, read, write, poll, rmdir, syscall;
    private final StructLayout captureLayout = Linker.Option.captureStateLayout();
    private final VarHandle errno = captureLayout.varHandle(StructLayout.PathElement.groupElement("errno"));

    public Libc() {
        socket = h("socket", FunctionDescriptor.of(I, I, I, I));
        bind = h("bind", FunctionDescriptor.of(I, I, A, I));
        listen = h("listen", FunctionDescriptor.of(I, I, I));
        connect = h("connect", FunctionDescriptor.of(I, I, A, I));
        accept4 = h("accept4", FunctionDescriptor.of(I, I, A, A, I));
        sendto = h("sendto", FunctionDescriptor.of(L, I, A, L, I, A, I));
        recvfrom = h("recvfrom", FunctionDescriptor.of(L, I, A, L, I, A, A));
        setsockopt = h("setsockopt", FunctionDescriptor.of(I, I, I, I, A, I));
        getsockopt = h("getsockopt", FunctionDescriptor.of(I, I, I, I, A, A));
        getsockname = h("getsockname", FunctionDescriptor.of(I, I, A, A));
        getpeername = h("getpeername", FunctionDescriptor.of(I, I, A, A));
        close = h("close", FunctionDescriptor.of(I, I));
        open = h("open", FunctionDescriptor.of(I, A, I));
        read = h("read", FunctionDescriptor.of(L, I, A, L));
        write = h("write", FunctionDescriptor.of(L, I, A, L));
        poll = h("poll", FunctionDescriptor.of(I, A, L, I));
        rmdir = h("rmdir", FunctionDescriptor.of(I, A));
        Linker linker = Linker.nativeLinker();
        syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                FunctionDescriptor.of(L, L, L, L, L), Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    }

    /** rmdir(2): a cgroup with tasks or children answers EBUSY. */
    public void rmdir(String path) {
        try (Arena arena = Arena.ofConfined()) {
            check(call(rmdir, arena.allocateFrom(path)), "rmdir " + path);
        }
    }

    /**
     * pidfd_open(pid) then pidfd_getfd(pidfd, fd): a copy in this process of fd {@code fd} of
     * process {@code pid} (x86_64 numbers 434, 438; needs PTRACE_MODE_ATTACH_REALCREDS, root here).
     */
    public int pidfdGetfd(long pid, int fd) {
        int pidfd = (int) check(call(syscall, 434L, pid, 0L, 0L), "pidfd_open " + pid);
        try {
            return (int) check(call(syscall, 438L, (long) pidfd, (long) fd, 0L), "pidfd_getfd " + pid + "/" + fd);
        } finally {
            close(pidfd);
        }
    }

    private MethodHandle h(String name, FunctionDescriptor d) {
        Linker linker = Linker.nativeLinker();
        MemorySegment f = linker.defaultLookup().find(name)
                .orElseThrow(() -> new HostUnavailableException("libc has no " + name + "()"));
        return linker.downcallHandle(f, d, Linker.Option.captureCallState("errno"));
    }

    /** A socket fd (with SOCK_NONBLOCK or not, as {@code type} says). */
    public int socket(int family, int type) {
        return (int) check(call(socket, family, type, 0), "socket");
    }

    public void bind(int fd, SockAddr a) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = sockaddr(arena, a);
            check(call(bind, fd, sa, (int) sa.byteSize()), "bind " + a);
        }
    }

    public void listen(int fd, int backlog) { check(call(listen, fd, backlog), "listen"); }

    /** connect(2) on a socket; for a non-blocking one the caller sees EINPROGRESS. */
    public void connect(int fd, SockAddr a) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = sockaddr(arena, a);
            check(call(connect, fd, sa, (int) sa.byteSize()), "connect " + a);
        }
    }

    public int accept(int fd, int flags) {
        return (int) check(call(accept4, fd, MemorySegment.NULL, MemorySegment.NULL, flags), "accept");
    }

    public long sendto(int fd, byte[] data, int flags, SockAddr to) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            MemorySegment sa = to == null ? MemorySegment.NULL : sockaddr(arena, to);
            return check(call(sendto, fd, buf, (long) data.length, flags, sa, to == null ? 0 : (int) sa.byteSize()), "sendto");
        }
    }

    /** A received datagram (or stream bytes) and where it came from (null when the kernel gives no address). */
    public record Received(byte[] data, SockAddr from) {}

    public Received recvfrom(int fd, int max, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, max));
            MemorySegment sa = arena.allocate(128);
            MemorySegment len = arena.allocateFrom(I, 128);
            long n = check(call(recvfrom, fd, buf, (long) max, flags, sa, len), "recvfrom");
            return new Received(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
                    len.get(I, 0) == 0 ? null : parse(sa));
        }
    }

    public void setsockopt(int fd, int level, int opt, byte[] value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            check(call(setsockopt, fd, level, opt, v, value.length), "setsockopt " + level + "/" + opt);
        }
    }

    /** getsockopt(2) with an optlen of {@code optlen}; the bytes the kernel says it returned. */
    public byte[] getsockopt(int fd, int level, int opt, int optlen) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(Math.max(1, optlen));
            MemorySegment len = arena.allocateFrom(I, optlen);
            check(call(getsockopt, fd, level, opt, v, len), "getsockopt " + level + "/" + opt);
            return v.asSlice(0, Math.min(optlen, Math.max(0, len.get(I, 0)))).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    public SockAddr getsockname(int fd) { return name(getsockname, fd, "getsockname"); }

    public SockAddr getpeername(int fd) { return name(getpeername, fd, "getpeername"); }

    private SockAddr name(MethodHandle mh, int fd, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(128);
            MemorySegment len = arena.allocateFrom(I, 128);
            check(call(mh, fd, sa, len), what);
            return parse(sa);
        }
    }

    public void close(int fd) { check(call(close, fd), "close " + fd); }

    public int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) check(call(open, arena.allocateFrom(path), flags | O_CLOEXEC), "open " + path);
        }
    }

    /** read(2) of at most {@code max} bytes: what was read, empty at end of file. */
    public byte[] read(int fd, int max) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocate(Math.max(1, max));
            long n = check(call(read, fd, b, (long) max), "read fd " + fd);
            return b.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** Writes {@code text} to the file {@code path} in one write(2) (cgroupfs files want that). */
    public void writeFile(String path, String text) {
        int fd = open(path, O_WRONLY);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment b = arena.allocateFrom(text);
            check(call(write, fd, b, b.byteSize() - 1), "write " + path);
        } finally {
            close(fd);
        }
    }

    /** poll(2) of one fd for {@code events}: the revents, 0 on timeout. */
    public int poll(int fd, int events, int timeoutMs) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(8, 4);
            p.set(I, 0, fd);
            p.set(ValueLayout.JAVA_SHORT, 4, (short) events);
            long n = check(call(poll, p, 1L, timeoutMs), "poll");
            return n == 0 ? 0 : p.get(ValueLayout.JAVA_SHORT, 6) & 0xffff;
        }
    }

    // ---- plumbing ----

    private long call(MethodHandle mh, Object... args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(captureLayout);
            Object[] all = new Object[args.length + 1];
            all[0] = state;
            System.arraycopy(args, 0, all, 1, args.length);
            Object r = mh.invokeWithArguments(all);
            long ret = r instanceof Integer i ? i : (Long) r;
            return ret == -1 ? -(int) errno.get(state, 0L) : ret;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("libc call failed in FFM: " + t, t);
        }
    }

    private static long check(long ret, String what) {
        if (ret < 0) {
            Errno e = Errno.of((int) -ret);
            throw new BpfException(e != null ? e : Errno.EINVAL, what + ": " + (e != null ? e.text() : "errno " + -ret));
        }
        return ret;
    }

    /** struct sockaddr_in / sockaddr_in6 (include/uapi/linux/in.h, in6.h): family host order, port network order. */
    static MemorySegment sockaddr(Arena arena, SockAddr a) {
        boolean v6 = a.family() == SockAddr.AF_INET6;
        ByteBuffer b = ByteBuffer.allocate(v6 ? 28 : 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) a.family());
        b.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) a.port());
        b.put(v6 ? 8 : 4, a.addr());
        return arena.allocateFrom(ValueLayout.JAVA_BYTE, b.array());
    }

    static SockAddr parse(MemorySegment sa) {
        int family = sa.get(ValueLayout.JAVA_SHORT, 0);
        int port = Short.toUnsignedInt(Short.reverseBytes(sa.get(ValueLayout.JAVA_SHORT, 2)));
        byte[] addr = family == SockAddr.AF_INET6 ? sa.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE)
                : sa.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
        return new SockAddr(family == SockAddr.AF_INET6 ? SockAddr.AF_INET6 : SockAddr.AF_INET, addr, port);
    }
}
