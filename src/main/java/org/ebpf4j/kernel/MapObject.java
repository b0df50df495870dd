package org.ebpf4j.kernel;

import java.util.concurrent.atomic.AtomicLong;
import org.ebpf4j.map.BpfMap;

/**
 * A map as the kernel core holds it ({@code struct bpf_map}'s {@code refcnt}/{@code usercnt},
 * kernel/bpf/syscall.c): the {@link BpfMap} ops object plus two counts.
 * <ul>
 * <li>{@code refcnt} (inherited): every holder: fds, pins, programs using the map, outer maps.
 *     {@link #inc()}/{@link #put()} = {@code bpf_map_inc}/{@code bpf_map_put}.</li>
 * <li>{@code usercnt}: fds and pins only. {@link #incWithUref()}/{@link #putWithUref()} =
 *     {@code bpf_map_inc_with_uref}/{@code bpf_map_put_with_uref}; when it reaches zero
 *     {@link BpfMap#releaseUref()} runs ({@code map_release_uref}: PROG_ARRAY clears its slots).</li>
 * </ul>
 * The map also holds a reference on the BTF object it was created with ({@code map->btf}).
 */
public final class MapObject extends KernelObject implements org.ebpf4j.map.InnerMapRef {
    private final BpfMap map;
    private final AtomicLong usercnt = new AtomicLong(1);
    private final BtfObject btf;
    private final int btfKeyTypeId;
    private final int btfValueTypeId;

    /**
     * Wraps a published map (its id given by the map registry) and records the id in
     * {@code ids}. The caller's one reference is also a user reference (the fd it will install).
     * {@code btf}, if not null, is a reference this map now owns.
     */
    MapObject(BpfMap map, IdTable<MapObject> ids, BtfObject btf, int btfKeyTypeId, int btfValueTypeId, String origin) {
        super(ObjKind.MAP, origin);
        this.map = map;
        this.btf = btf;
        this.btfKeyTypeId = btfKeyTypeId;
        this.btfValueTypeId = btfValueTypeId;
        adoptId(ids, map.id());
    }

    public BpfMap map() { return map; }

    /** The BTF object the map was created with, or null. */
    public BtfObject btf() { return btf; }

    public int btfKeyTypeId() { return btfKeyTypeId; }

    public int btfValueTypeId() { return btfValueTypeId; }

    /** Current user reference count (fds + pins). */
    public long usercnt() { return usercnt.get(); }

    /** {@code bpf_map_inc_with_uref}: one more fd or pin. */
    public void incWithUref() {
        inc();
        usercnt.incrementAndGet();
    }

    /** {@code bpf_map_inc_not_zero(map)} with a user reference (GET_FD_BY_ID, OBJ_GET): false if dying. */
    public boolean tryIncWithUref() {
        if (!tryInc()) {
            return false;
        }
        usercnt.incrementAndGet();
        return true;
    }

    /** {@code bpf_map_put_with_uref}: an fd or pin goes; the last user reference releases the uref state. */
    public void putWithUref() {
        long n = usercnt.decrementAndGet();
        if (n < 0) {
            usercnt.incrementAndGet();
            throw new IllegalStateException("usercnt of " + this + " would go negative");
        }
        if (n == 0) {
            map.releaseUref();
        }
        put();
    }

    @Override
    public void anyGet() { incWithUref(); }

    @Override
    public boolean tryAnyGet() { return tryIncWithUref(); }

    @Override
    public void anyPut() { putWithUref(); }

    @Override
    protected void destroy() {
        map.free();          // unregisters the map address; storage freed after a grace period
        if (btf != null) {
            btf.put();
        }
    }

    @Override
    public String describe() {
        String name = map.attr().name();
        return "map id " + id() + " " + map.type() + (name.isEmpty() ? "" : " '" + name + "'");
    }
}
