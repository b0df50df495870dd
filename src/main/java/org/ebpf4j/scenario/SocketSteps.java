package org.ebpf4j.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.net.SockAddr;
import org.ebpf4j.kernel.net.Socket;
import org.ebpf4j.uapi.BpfException;

/** The socket steps: each one socket syscall of {@link org.ebpf4j.kernel.net.Net} as the socket's process. */
final class SocketSteps {
    private final World w;

    SocketSteps(World w) { this.w = w; }

    Object socket(Step s, String[] msg) {
        Task t = w.process(s, s.str("process"));
        int family = s.str("family", "inet").equals("inet6") ? SockAddr.AF_INET6 : SockAddr.AF_INET;
        String type = s.str("type", "udp");
        msg[0] = "socket " + s.name() + " (" + type + (family == SockAddr.AF_INET6 ? "6" : "4") + ") by " + s.str("process");
        int fd = w.net.socket(t, family, type.equals("tcp") ? Socket.SOCK_STREAM : Socket.SOCK_DGRAM, 0);
        w.sockets.put(s.name(), new int[] {t.pid(), fd});
        return null;
    }

    Object op(Step s, String[] msg) {
        int[] ref = w.sockets.get(s.name());
        if (ref == null) {
            throw new ScenarioException(s.where() + ": no socket named '" + s.name() + "'");
        }
        Task t = w.rt.task(ref[0]);
        int fd = ref[1];
        String n = s.name();
        switch (s.action()) {
            case "bind" -> {
                msg[0] = "bind " + n + " to " + s.str("addr");
                w.net.bind(t, fd, addr(s, "addr"));
                return w.net.getsockname(t, fd).toString();
            }
            case "connect" -> {
                msg[0] = "connect " + n + " to " + s.str("addr");
                w.net.connect(t, fd, addr(s, "addr"));
                return w.net.getpeername(t, fd).toString();
            }
            case "listen" -> {
                msg[0] = "listen on " + n;
                w.net.listen(t, fd, s.integer("backlog", 128));
                return null;
            }
            case "accept" -> {
                String as = s.str("as");
                msg[0] = "accept on " + n + " as " + as;
                int nfd = w.net.accept(t, fd);
                w.sockets.put(as, new int[] {t.pid(), nfd});
                return w.net.getpeername(t, nfd).toString();
            }
            case "send" -> {
                byte[] data = s.str("data", "").getBytes(StandardCharsets.UTF_8);
                SockAddr to = s.body().has("to") ? addr(s, "to") : null;
                msg[0] = "send " + data.length + " bytes on " + n + (to == null ? "" : " to " + to);
                return w.net.sendto(t, fd, data, to);
            }
            case "recv" -> {
                msg[0] = "recv on " + n;
                Socket.Datagram d = w.net.recvfrom(t, fd, s.integer("max", 65536));
                return new String(d.data(), StandardCharsets.UTF_8) + " from " + d.from();
            }
            case "close" -> {
                msg[0] = "close " + n;
                w.net.close(t, fd);
                w.sockets.remove(n);
                return null;
            }
            case "getsockname" -> {
                msg[0] = "getsockname " + n;
                return w.net.getsockname(t, fd).toString();
            }
            case "getpeername" -> {
                msg[0] = "getpeername " + n;
                return w.net.getpeername(t, fd).toString();
            }
            case "setsockopt" -> {
                msg[0] = "setsockopt " + n + " " + s.str("level") + " " + s.str("opt");
                JsonNode v = s.body().get("value");
                byte[] bytes = v != null && v.isInt() ? MapSteps.le(v.asInt(), 4) : s.str("value").getBytes(StandardCharsets.UTF_8);
                w.net.setsockopt(t, fd, SockoptNames.level(s), SockoptNames.opt(s), bytes);
                return null;
            }
            case "getsockopt" -> {
                msg[0] = "getsockopt " + n + " " + s.str("level") + " " + s.str("opt");
                byte[] b = w.net.getsockopt(t, fd, SockoptNames.level(s), SockoptNames.opt(s), s.integer("optlen", 4));
                // format: int (little-endian, any length up to 8: IP_TOS may answer 1 byte), text, or auto (4 bytes = int)
                String format = s.str("format", "auto");
                return switch (format) {
                    case "int" -> b.length <= 8 ? MapSteps.value(b) : "0x" + java.util.HexFormat.of().formatHex(b);
                    case "text" -> new String(b, StandardCharsets.ISO_8859_1).replace("\0", "");
                    case "auto" -> b.length == 4 ? MapSteps.value(b) : new String(b, StandardCharsets.ISO_8859_1).replace("\0", "");
                    default -> throw new ScenarioException(s.where() + ": getsockopt format '" + format + "' (auto, int, text)");
                };
            }
            default -> {
                msg[0] = "cookie of " + n;
                return w.net.sock(t, fd).cookie();
            }
        }
    }

    private static SockAddr addr(Step s, String key) {
        try {
            return SockAddr.parse(s.str(key));
        } catch (BpfException e) {
            throw new ScenarioException(s.where() + ": " + e.getMessage());
        }
    }
}
