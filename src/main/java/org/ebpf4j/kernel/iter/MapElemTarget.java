package org.ebpf4j.kernel.iter;

import java.util.List;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.map.BpfMap;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.verifier.CtxRules;

/**
 * The {@code bpf_map_elem} iterator (kernel/bpf/map_iter.c with the {@code iter_seq_info} of
 * kernel/bpf/hashtab.c and arraymap.c): every element of one HASH, LRU_HASH, PERCPU_HASH,
 * LRU_PERCPU_HASH, ARRAY or PERCPU_ARRAY map, then the stop call with {@code key} and
 * {@code value} NULL. Context {@code struct bpf_iter__bpf_map_elem { meta; map; key; value; }}:
 * {@code key} a read-only buffer of key_size bytes, {@code value} a read-write buffer: the
 * element itself, or for per-CPU maps a per-session copy of every possible CPU's value, each
 * rounded up to 8 bytes ({@code percpu_value_buf}: writes to it are not written back).
 *
 * <p>Deviation: the walk follows BPF_MAP_GET_NEXT_KEY order (bucket order for hash maps, index
 * order for arrays) rather than keeping a bucket id and skip count; an element deleted between
 * two reads restarts a hash walk at its first element, as get_next_key does.
 */
final class MapElemTarget implements IterTarget {
    static final int OFF_MAP = 8, OFF_KEY = 16, OFF_VALUE = 24;

    private static final List<CtxArg> ARGS = List.of(
            new CtxArg(OFF_MAP, CtxRules.Field.BTF_ID, "bpf_map"),
            new CtxArg(OFF_KEY, CtxRules.Field.RDONLY_BUF_OR_NULL, null),
            new CtxArg(OFF_VALUE, CtxRules.Field.RDWR_BUF_OR_NULL, null));

    @Override public String name() { return "bpf_map_elem"; }

    @Override public List<CtxArg> ctxArgs() { return ARGS; }

    static boolean percpu(MapType t) {
        return t == MapType.PERCPU_HASH || t == MapType.LRU_PERCPU_HASH || t == MapType.PERCPU_ARRAY;
    }

    /**
     * {@code bpf_iter_attach_map} (map_iter.c), in its order: map_fd 0 → EBADF; not a map →
     * EBADF/EINVAL; a type without element iteration → EINVAL; the program reading the key
     * beyond key_size (max_rdonly_access) or the value beyond value_size (per-CPU: the rounded
     * value times the possible CPUs; max_rdwr_access) → EACCES. The link holds a user reference.
     */
    @Override
    public Object attach(Task task, BpfProg prog, Attrs.IterInfo info) {
        MapObject mo = IterMapArg.get(task, info, "bpf_map_elem");
        try {
            BpfMap m = mo.map();
            MapType t = m.type();
            if (!percpu(t) && t != MapType.HASH && t != MapType.LRU_HASH && t != MapType.ARRAY) {
                throw new BpfException(Errno.EINVAL, mo.describe() + " is a " + t
                        + " map; the bpf_map_elem iterator takes (per-CPU, LRU) hash and array maps");
            }
            long valueSize = percpu(t) ? m.syscallValueSize() : m.valueSize();
            if (prog.maxRdonlyAccess() > m.keySize() || prog.maxRdwrAccess() > valueSize) {
                throw new BpfException(Errno.EACCES, prog.describe() + " reads the key up to byte " + prog.maxRdonlyAccess()
                        + " and the value up to byte " + prog.maxRdwrAccess() + " but " + mo.describe() + " has key_size "
                        + m.keySize() + " and " + (percpu(t) ? "per-CPU value bytes " : "value_size ") + valueSize);
            }
        } catch (BpfException e) {
            mo.putWithUref();
            throw e;
        }
        return mo;
    }

    @Override public void detach(Object aux) { ((MapObject) aux).putWithUref(); }

    @Override public int mapId(Object aux) { return ((MapObject) aux).id(); }

    @Override
    public IterCursor open(Object aux, BpfIter iters) {
        BpfMap map = ((MapObject) aux).map();
        boolean percpu = percpu(map.type());
        int keyBytes = (map.keySize() + 7) & ~7;
        int bufBytes = keyBytes + (percpu ? map.syscallValueSize() : 0);
        long buf = iters.arena().alloc(bufBytes);
        if (buf == 0) {
            throw new BpfException(Errno.ENOMEM, "no arena memory for the bpf_map_elem iterator's buffers");
        }
        return new IterCursor() {
            /** The key of the element shown last (or to show again); null before the first. */
            private byte[] cur;
            private boolean ended;

            @Override
            public Object start() {
                if (ended) {
                    return null;
                }
                if (cur != null && exists(cur)) {
                    return cur;
                }
                return advance(cur);
            }

            @Override public Object next(Object prev) { return advance(cur); }

            /** The next key after {@code from} (the first if null or gone) whose element still exists. */
            private byte[] advance(byte[] from) {
                byte[] k = from;
                while (true) {
                    try {
                        k = map.getNextKey(k);
                    } catch (BpfException e) {
                        ended = true;   // ENOENT: after the last element
                        return null;
                    }
                    if (exists(k)) {
                        cur = k;
                        return k;
                    }
                }
            }

            private boolean exists(byte[] key) {
                iters.arena().copyIn(buf, key);
                return map.lookupElem(buf, 0) != 0;
            }

            @Override
            public void fill(Object obj, long ctx) {
                var a = iters.arena();
                a.store64(ctx + OFF_MAP, map.address());
                if (!(obj instanceof byte[] key)) {
                    a.store64(ctx + OFF_KEY, 0);
                    a.store64(ctx + OFF_VALUE, 0);
                    return;
                }
                a.copyIn(buf, key);
                long value;
                if (percpu) {
                    byte[] all;
                    try {
                        all = map.lookup(key, 0);   // bpf_long_memcpy of every possible CPU's value
                    } catch (BpfException e) {
                        all = new byte[map.syscallValueSize()];
                    }
                    a.copyIn(buf + keyBytes, all);
                    value = buf + keyBytes;
                } else {
                    value = map.lookupElem(buf, 0);
                }
                a.store64(ctx + OFF_KEY, buf);
                a.store64(ctx + OFF_VALUE, value);
            }

            @Override
            public void close() {
                iters.runtime().rcu().callAfterGracePeriod(() -> iters.arena().free(buf, bufBytes));
            }
        };
    }
}
