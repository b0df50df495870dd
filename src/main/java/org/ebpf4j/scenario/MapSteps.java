package org.ebpf4j.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.ebpf4j.kernel.MapInfo;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.syscall.MapElemAttr;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;

/**
 * {@code map: NAME} with {@code op: lookup | update | delete | dump}: BPF_MAP_LOOKUP_ELEM,
 * UPDATE_ELEM, DELETE_ELEM and a GET_NEXT_KEY walk, as the map's owner process. Keys and values
 * are written as
 * <ul>
 *   <li>a number: little-endian, the map's key (value) size;</li>
 *   <li>{@code 0x...}: raw bytes;</li>
 *   <li>{@code socket:NAME}: an fd of that socket (SK_STORAGE keys), got with pidfd_getfd;</li>
 *   <li>{@code cgroup:PATH}: an fd of that cgroup directory (CGRP_STORAGE keys), or for a legacy
 *       CGROUP_STORAGE map its {@code bpf_cgroup_storage_key} (cgroup id, and {@code attach_type:}).</li>
 * </ul>
 * Values print as numbers when at most 8 bytes, else as {@code 0x} hex.
 */
final class MapSteps {
    private final World w;

    MapSteps(World w) { this.w = w; }

    Object map(Step s, String[] msg) {
        World.Held m = w.map(s, s.name());
        Task t = m.task();
        MapInfo info = (MapInfo) w.bpf.objGetInfoByFd(t, m.fd());
        String op = s.str("op", "lookup");
        List<Integer> temp = new ArrayList<>();
        try {
            switch (op) {
                case "lookup" -> {
                    String k = s.str("key");
                    msg[0] = "lookup " + k + " in " + s.name();
                    return value(w.bpf.mapLookupElem(t, new MapElemAttr(m.fd(), key(s, t, info, k, temp), null, 0)));
                }
                case "update" -> {
                    String k = s.str("key");
                    msg[0] = "update " + k + " in " + s.name() + " to " + s.str("value");
                    byte[] v = bytes(s, s.body().get("value"), info.valueSize());
                    w.bpf.mapUpdateElem(t, new MapElemAttr(m.fd(), key(s, t, info, k, temp), v, s.integer("flags", 0)));
                    return null;
                }
                case "delete" -> {
                    String k = s.str("key");
                    msg[0] = "delete " + k + " from " + s.name();
                    w.bpf.mapDeleteElem(t, new MapElemAttr(m.fd(), key(s, t, info, k, temp), null, 0));
                    return null;
                }
                case "dump" -> {
                    msg[0] = "dump " + s.name();
                    return dump(t, m.fd());
                }
                default -> throw new ScenarioException(s.where() + ": map op '" + op + "' (lookup, update, delete, dump)");
            }
        } finally {
            temp.forEach(t.fds()::close);
        }
    }

    /** Every "key=value" of the map in GET_NEXT_KEY order. */
    private List<String> dump(Task t, int fd) {
        List<String> out = new ArrayList<>();
        byte[] k = null;
        while (true) {
            try {
                k = w.bpf.mapGetNextKey(t, fd, k);
            } catch (BpfException e) {
                if (e.errno() == Errno.ENOENT) {
                    return out;
                }
                throw e;
            }
            byte[] v;
            try {
                v = w.bpf.mapLookupElem(t, fd, k);
            } catch (BpfException e) {
                continue;   // deleted meanwhile
            }
            out.add(value(k) + "=" + value(v));
        }
    }

    private byte[] key(Step s, Task t, MapInfo info, String k, List<Integer> temp) {
        if (k.startsWith("socket:")) {
            int[] ref = w.sockets.get(k.substring(7));
            if (ref == null) {
                throw new ScenarioException(s.where() + ": no socket named '" + k.substring(7) + "'");
            }
            int fd = w.net.pidfdGetfd(w.rt.task(ref[0]), ref[1], t);
            temp.add(fd);
            return le(fd, 4);
        }
        if (k.startsWith("cgroup:")) {
            String path = k.substring(7);
            if (info.type() == MapType.CGROUP_STORAGE || info.type() == MapType.PERCPU_CGROUP_STORAGE) {
                ByteBuffer b = ByteBuffer.allocate(info.keySize()).order(ByteOrder.LITTLE_ENDIAN);
                b.putLong(0, w.tree.lookup(path).id());
                if (info.keySize() >= 16) {
                    b.putInt(8, ProgSteps.attachType(s, s.str("attach_type")).value());
                }
                return b.array();
            }
            int fd = w.openCgroup(t, path);
            temp.add(fd);
            return le(fd, 4);
        }
        return bytes(s, s.body().get("key"), info.keySize());
    }

    static byte[] bytes(Step s, JsonNode n, int size) {
        if (n == null) {
            throw new ScenarioException(s.where() + ": 'map' needs a value");
        }
        String text = n.asText();
        if (text.startsWith("0x")) {
            byte[] b = HexFormat.of().parseHex(text.substring(2).replace(" ", "").replace("_", ""));
            if (b.length != size) {
                throw new ScenarioException(s.where() + ": " + text + " is " + b.length + " bytes, the map wants " + size);
            }
            return b;
        }
        try {
            return le(Long.parseLong(text), size);
        } catch (NumberFormatException e) {
            throw new ScenarioException(s.where() + ": '" + text + "' is not a number, 0x bytes, socket:NAME or cgroup:PATH");
        }
    }

    static byte[] le(long v, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < Math.min(8, size); i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    static Object value(byte[] v) {
        if (v.length <= 8) {
            long x = 0;
            for (int i = v.length - 1; i >= 0; i--) {
                x = x << 8 | (v[i] & 0xff);
            }
            return x;
        }
        return "0x" + HexFormat.of().formatHex(v);
    }
}
