package org.ebpf4j.map.storage;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.map.MapAttr;
import org.ebpf4j.map.MapEnv;
import org.ebpf4j.map.MapFlags;
import org.ebpf4j.map.MapValues;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * BPF_MAP_TYPE_SK_STORAGE (net/core/bpf_sk_storage.c; spec §4, seed 3): storage on sockets.
 * Owners are {@link SkStorageOwner}s; elements and the storage are charged to the socket's
 * option memory; helpers refuse non-full sockets; a key fd that is no socket is ENOTSOCK;
 * {@link #clone} copies BPF_F_CLONE maps' values to an accepted child socket.
 */
public final class SkStorageMap extends LocalStorageMap {
    public SkStorageMap(MapAttr attr, MapEnv env) {
        super(attr, env);
    }

    @Override
    protected StorageOwner accept(StorageOwner owner) {
        return owner instanceof SkStorageOwner sk && sk.fullsock() ? sk : null;
    }

    /**
     * {@code bpf_sk_storage_charge()}: succeeds iff {@code size <= optmem_max} and
     * {@code sk_omem_alloc + size < optmem_max}; then adds {@code size} to {@code sk_omem_alloc}.
     */
    @Override
    protected boolean charge(StorageOwner owner, int size) {
        SkStorageOwner sk = (SkStorageOwner) owner;
        int optmem = sk.optmemMax();
        if (size <= optmem && (long) sk.omemAlloc() + size < optmem) {
            sk.omemAdd(size);
            return true;
        }
        return false;
    }

    @Override
    protected void uncharge(StorageOwner owner, int size) { ((SkStorageOwner) owner).omemAdd(-size); }

    @Override
    protected String ownerKind() { return "socket"; }

    /** {@code sockfd_lookup}: ENOTSOCK for an fd that is not a socket. */
    @Override
    public StorageOwner ownerOfFile(Object file, int fd) {
        if (file instanceof SkStorageOwner sk) {
            return sk;
        }
        throw new BpfException(Errno.ENOTSOCK, "key fd " + fd + " is not a socket");
    }

    /**
     * {@code bpf_sk_storage_delete}: -EINVAL for NULL or a non-full socket; -ENOENT on a socket
     * whose refcount already dropped to 0 ({@code refcount_inc_not_zero} fails).
     */
    @Override
    public int helperDelete(StorageOwner owner) {
        StorageOwner o = owner == null ? null : accept(owner);
        if (o == null) {
            return Errno.EINVAL.negative();
        }
        if (!o.acceptsNewStorage()) {
            return Errno.ENOENT.negative();
        }
        return delete(o);
    }

    /**
     * {@code bpf_sk_storage_clone()} (§4.2): for each value of {@code parent} whose map has
     * BPF_F_CLONE, a copy in {@code child} charged to the child (special fields not copied; a
     * value with a spin lock is read under it). Returns 0, or -ENOMEM (the caller then fails the
     * clone and frees the child, which frees what was copied).
     */
    public static int clone(SkStorageOwner parent, SkStorageOwner child) {
        child.bpfStorage().set(null);
        LocalStorage ls = parent.bpfStorage().get();
        if (ls == null) {
            return 0;
        }
        List<LocalStorageElem> src = new ArrayList<>();
        for (LocalStorageElem e : ls.list) {
            if (e.smap instanceof SkStorageMap && e.smap.attr().has(MapFlags.BPF_F_CLONE) && e.smap.id() != 0) {
                src.add(e);
            }
        }
        for (LocalStorageElem e : src) {
            SkStorageMap m = (SkStorageMap) e.smap;
            byte[] copy = new byte[m.valueSize()];
            if (m.lockOff >= 0) {
                MapValues.lock(m.arena, e.data + m.lockOff);
                try {
                    MapValues.copyOut(m.mem, m.arena.offset(e.data, copy.length), copy, 0, copy.length, m.lockOff);
                } finally {
                    MapValues.unlock(m.arena, e.data + m.lockOff);
                }
            } else {
                MapValues.copyOut(m.mem, m.arena.offset(e.data, copy.length), copy, 0, copy.length, -1);
            }
            long r = m.update(child, java.lang.foreign.MemorySegment.ofArray(copy), 0, MapFlags.BPF_NOEXIST);
            if (isErr(r)) {
                return Errno.ENOMEM.negative();
            }
        }
        return 0;
    }
}
