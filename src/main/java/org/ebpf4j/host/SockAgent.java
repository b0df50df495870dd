package org.ebpf4j.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.uapi.BpfException;

/**
 * A scenario process on the real kernel: a child JVM that the host scenario runner moves into a
 * cgroup (cgroup.procs) and drives over stdin/stdout, one request line, one answer line
 * ({@code ok [VALUE]} or {@code err ERRNO}). It makes the socket calls itself, so the cgroup
 * hooks see it, not the runner. Addresses are refused unless loopback with a port of 0 or at
 * least 20000 (the runner's safety rule). It exits at end of input, so a crashed runner leaves
 * no agent behind.
 *
 * <p>Sockets are non-blocking; blocking is emulated with bounded polls so nothing hangs: a
 * connect not established within {@link #CONNECT_MS} is ETIMEDOUT (as the model reports a dropped
 * SYN at once, where Linux retries for minutes), accept/recv wait {@link #WAIT_MS} then EAGAIN.
 * Requests: {@code socket FAMILY TYPE}, {@code bind FD ADDR}, {@code connect FD ADDR},
 * {@code listen FD N}, {@code accept FD}, {@code send FD HEX [ADDR]}, {@code recv FD MAX},
 * {@code getsockname FD}, {@code getpeername FD}, {@code setsockopt FD LEVEL OPT HEX},
 * {@code getsockopt FD LEVEL OPT OPTLEN}, {@code close FD}, {@code pid}.
 */
public final class SockAgent {
    static final int CONNECT_MS = 1000, WAIT_MS = 300;

    private static final int SO_LINGER = 13;
    private final Libc libc = new Libc();
    /** Socket fds this agent holds, closed with an RST at the end (see {@link #abortAll}). */
    private final java.util.Set<Integer> open = new java.util.LinkedHashSet<>();

    public static void main(String[] args) throws IOException {
        SockAgent a = new SockAgent();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        for (String line; (line = in.readLine()) != null; ) {
            String answer;
            try {
                String v = a.handle(line.strip().split(" "));
                answer = v == null ? "ok" : "ok " + v;
            } catch (BpfException e) {
                answer = "err " + e.errno().name();
            } catch (RuntimeException e) {
                answer = "bad " + e;
            }
            out.println(answer.replace('\n', ' '));
        }
        a.abortAll();
    }

    /**
     * At end of input (the process's exit, or the runner's cleanup): every socket still open is
     * closed with SO_LINGER {1, 0}, an RST rather than a FIN, so no TIME_WAIT keeps a fixed
     * scenario port busy for the next run (the only place the agent departs from a plain close).
     */
    void abortAll() {
        byte[] linger = {1, 0, 0, 0, 0, 0, 0, 0};   // struct linger { int l_onoff = 1; int l_linger = 0; }
        for (int fd : open) {
            try {
                libc.setsockopt(fd, Libc.SOL_SOCKET, SO_LINGER, linger);
                libc.close(fd);
            } catch (BpfException e) {
                // closing anyway as the process exits
            }
        }
        open.clear();
    }

    String handle(String[] r) {
        return switch (r[0]) {
            case "pid" -> String.valueOf(ProcessHandle.current().pid());
            case "socket" -> {
                int family = r[1].equals("inet6") ? SockAddr.AF_INET6 : SockAddr.AF_INET;
                int type = r[2].equals("tcp") ? Libc.SOCK_STREAM : Libc.SOCK_DGRAM;
                int fd = libc.socket(family, type | Libc.SOCK_NONBLOCK);
                open.add(fd);
                yield String.valueOf(fd);
            }
            case "bind" -> {
                libc.bind(fd(r[1]), safe(r[2]));
                yield libc.getsockname(fd(r[1])).toString();
            }
            case "connect" -> {
                int fd = fd(r[1]);
                connect(fd, safe(r[2]));
                yield libc.getpeername(fd).toString();
            }
            case "listen" -> {
                libc.listen(fd(r[1]), Integer.parseInt(r[2]));
                yield null;
            }
            case "accept" -> {
                int fd = fd(r[1]);
                libc.poll(fd, Libc.POLLIN, WAIT_MS);
                int nfd = libc.accept(fd, Libc.SOCK_NONBLOCK);
                open.add(nfd);
                yield nfd + " " + libc.getpeername(nfd);
            }
            case "send" -> {
                byte[] data = HexFormat.of().parseHex(r[2].equals("-") ? "" : r[2]);
                SockAddr to = r.length > 3 ? safe(r[3]) : null;
                yield String.valueOf(libc.sendto(fd(r[1]), data, 0, to));
            }
            case "recv" -> {
                int fd = fd(r[1]);
                libc.poll(fd, Libc.POLLIN, WAIT_MS);
                Libc.Received d = libc.recvfrom(fd, Integer.parseInt(r[2]), Libc.MSG_DONTWAIT);
                SockAddr from = d.from() != null ? d.from() : libc.getpeername(fd);
                yield HexFormat.of().formatHex(d.data()) + " " + from;
            }
            case "getsockname" -> libc.getsockname(fd(r[1])).toString();
            case "getpeername" -> libc.getpeername(fd(r[1])).toString();
            case "setsockopt" -> {
                libc.setsockopt(fd(r[1]), Integer.parseInt(r[2]), Integer.parseInt(r[3]),
                        HexFormat.of().parseHex(r[4].equals("-") ? "" : r[4]));
                yield null;
            }
            case "getsockopt" -> HexFormat.of().formatHex(
                    libc.getsockopt(fd(r[1]), Integer.parseInt(r[2]), Integer.parseInt(r[3]), Integer.parseInt(r[4])));
            case "close" -> {
                libc.close(fd(r[1]));
                open.remove(fd(r[1]));
                yield null;
            }
            default -> throw new IllegalArgumentException("unknown request " + r[0]);
        };
    }

    /** A non-blocking connect waited for: EINPROGRESS, then POLLOUT and SO_ERROR, or ETIMEDOUT. */
    private void connect(int fd, SockAddr a) {
        try {
            libc.connect(fd, a);
            return;
        } catch (BpfException e) {
            if (e.errno() != org.ebpf4j.uapi.Errno.EINPROGRESS) {
                throw e;
            }
        }
        if (libc.poll(fd, Libc.POLLOUT, CONNECT_MS) == 0) {
            throw new BpfException(org.ebpf4j.uapi.Errno.ETIMEDOUT, "connect " + a + ": no answer within " + CONNECT_MS + " ms");
        }
        byte[] err = libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR, 4);
        int e = (err[0] & 0xff) | (err[1] & 0xff) << 8;
        if (e != 0) {
            org.ebpf4j.uapi.Errno en = org.ebpf4j.uapi.Errno.of(e);
            throw new BpfException(en != null ? en : org.ebpf4j.uapi.Errno.EINVAL, "connect " + a);
        }
    }

    private static int fd(String s) { return Integer.parseInt(s); }

    /** Loopback only, port 0 or at least 20000: anything else is refused before it reaches the kernel. */
    static SockAddr safe(String text) {
        SockAddr a = SockAddr.parse(text);
        if (!a.isLoopback() || (a.port() != 0 && a.port() < 20000)) {
            throw new IllegalArgumentException("refused by the host safety rule (loopback, port 0 or >= 20000): " + text);
        }
        return a;
    }
}
