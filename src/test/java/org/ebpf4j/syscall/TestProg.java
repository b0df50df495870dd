package org.ebpf4j.syscall;

import java.util.List;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.ProgObject;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.uapi.ProgType;

/**
 * A stand-in for a loaded program (the prog work makes real ones): it holds a reference on each
 * map it uses, as {@code used_maps} does, and drops them when it dies.
 */
final class TestProg extends ProgObject {
    private final List<MapObject> used;
    volatile boolean destroyed;

    TestProg(Runtime rt, List<MapObject> used) {
        super("test");
        used.forEach(MapObject::inc);   // bpf_map_inc for each used map
        this.used = List.copyOf(used);
        publish(rt);
    }

    @Override public ProgType progType() { return ProgType.SOCKET_FILTER; }

    @Override public String name() { return "test_prog"; }

    @Override public ObjInfo info() { return this::id; }

    @Override
    protected void destroy() {
        destroyed = true;
        used.forEach(MapObject::put);
    }
}
