package org.ebpf4j.scenario;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ebpf4j.uapi.MapType;

/**
 * {@code map:} on the host ({@link HostScenarioRunner}): BPF_MAP_LOOKUP/UPDATE/DELETE_ELEM and a
 * GET_NEXT_KEY dump on the fds of the maps the run loaded, keys written as {@link MapSteps}
 * reads them ({@code socket:NAME} through pidfd_getfd from the agent, {@code cgroup:PATH} as a
 * directory fd or, for a legacy CGROUP_STORAGE, the cgroup's id: its kernfs inode number).
 */
final class HostMapSteps {
    /** A loaded map: its fd in this JVM and what its keys and values look like. */
    record MapRef(int fd, MapType type, int keySize, int valueSize) {}

    private final HostScenarioRunner r;
    private final Map<String, MapRef> maps = new LinkedHashMap<>();

    HostMapSteps(HostScenarioRunner r) { this.r = r; }

    void add(String name, MapRef m) { maps.put(name, m); }

    MapRef remove(String name) { return maps.remove(name); }

    /** Every "key=value" of a map in GET_NEXT_KEY order, as {@link MapSteps} dumps it. */
    private List<String> dump(MapRef m) {
        List<String> out = new ArrayList<>();
        byte[] k = null;
        while (true) {
            try {
                k = r.bpf.mapGetNextKey(m.fd(), k, m.keySize());
            } catch (org.ebpf4j.uapi.BpfException e) {
                if (e.errno() == org.ebpf4j.uapi.Errno.ENOENT) {
                    return out;
                }
                throw e;
            }
            try {
                out.add(MapSteps.value(k) + "=" + MapSteps.value(r.bpf.mapLookupElem(m.fd(), k, m.valueSize())));
            } catch (org.ebpf4j.uapi.BpfException e) {
                // deleted meanwhile
            }
        }
    }

    MapRef mapRef(Step s, String name) {
        MapRef m = maps.get(name);
        if (m == null) {
            throw new ScenarioException(s.where() + ": no map named '" + name + "' (known: " + maps.keySet() + ")");
        }
        return m;
    }

    /** map: lookup, update or delete by key (numbers, 0x bytes, socket:NAME, cgroup:PATH as in {@link MapSteps}). */
    Object map(Step s, String[] msg) {
        MapRef m = mapRef(s, s.name());
        String op = s.str("op", "lookup");
        if (op.equals("dump")) {
            msg[0] = "dump " + s.name();
            if (m.type() != MapType.HASH && m.type() != MapType.ARRAY && m.type() != MapType.LRU_HASH) {
                throw new HostScenarioRunner.Skip("dump of a " + m.type() + " map is not run on the host");
            }
            return dump(m);
        }
        String k = s.str("key");
        List<Integer> temp = new ArrayList<>();
        try {
            byte[] key = key(s, m, k, temp);
            switch (op) {
                case "lookup" -> {
                    msg[0] = "lookup " + k + " in " + s.name();
                    return MapSteps.value(r.bpf.mapLookupElem(m.fd(), key, m.valueSize()));
                }
                case "update" -> {
                    msg[0] = "update " + k + " in " + s.name() + " to " + s.str("value");
                    r.bpf.mapUpdateElem(m.fd(), key, MapSteps.bytes(s, s.body().get("value"), m.valueSize()), s.integer("flags", 0));
                    return null;
                }
                case "delete" -> {
                    msg[0] = "delete " + k + " from " + s.name();
                    r.bpf.mapDeleteElem(m.fd(), key);
                    return null;
                }
                default -> throw new ScenarioException(s.where() + ": map op '" + op + "' (lookup, update, delete, dump)");
            }
        } finally {
            temp.forEach(r.libc::close);
        }
    }

    private byte[] key(Step s, MapRef m, String k, List<Integer> temp) {
        if (k.startsWith("socket:")) {
            String[] ref = r.sockets.get(k.substring(7));
            if (ref == null) {
                throw new ScenarioException(s.where() + ": no socket named '" + k.substring(7) + "'");
            }
            int fd = r.libc.pidfdGetfd(r.agent(s, ref[0]).pid(), Integer.parseInt(ref[1]));
            temp.add(fd);
            return MapSteps.le(fd, 4);
        }
        if (k.startsWith("cgroup:")) {
            String path = k.substring(7);
            if (m.type() == MapType.CGROUP_STORAGE || m.type() == MapType.PERCPU_CGROUP_STORAGE) {
                ByteBuffer b = ByteBuffer.allocate(m.keySize()).order(ByteOrder.LITTLE_ENDIAN);
                try {
                    b.putLong(0, (Long) Files.getAttribute(r.cgroupPath(s, path), "unix:ino"));
                } catch (java.io.IOException e) {
                    throw new ScenarioException(s.where() + ": no cgroup " + path + " on the host: " + e.getMessage());
                }
                if (m.keySize() >= 16) {
                    b.putInt(8, ProgSteps.attachType(s, s.str("attach_type")).value());
                }
                return b.array();
            }
            int fd = r.openCgroup(s, path);
            temp.add(fd);
            return MapSteps.le(fd, 4);
        }
        return MapSteps.bytes(s, s.body().get("key"), m.keySize());
    }
}
