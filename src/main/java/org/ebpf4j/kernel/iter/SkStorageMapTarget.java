package org.ebpf4j.kernel.iter;

import java.util.List;
import org.ebpf4j.kernel.MapObject;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.map.storage.LocalStorageMap;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.uapi.MapType;
import org.ebpf4j.vm.verifier.CtxRules;

/**
 * The {@code bpf_sk_storage_map} iterator (net/core/bpf_sk_storage.c; spec-local-storage §4.5):
 * every socket's value of one SK_STORAGE map, bucket by bucket, newest first within a bucket,
 * skipping elements being freed; then the stop call with {@code sk} and {@code value} NULL. The
 * context is {@code struct bpf_iter__bpf_sk_storage_map { meta; map; sk; value; }}: {@code sk}
 * a nullable {@code struct sock} pointer, {@code value} a nullable read-write buffer of up to
 * value_size bytes (checked at attach against the program's max_rdwr_access).
 */
final class SkStorageMapTarget implements IterTarget {
    static final int OFF_MAP = 8, OFF_SK = 16, OFF_VALUE = 24;

    private static final List<CtxArg> ARGS = List.of(
            new CtxArg(OFF_MAP, CtxRules.Field.BTF_ID, "bpf_map"),
            new CtxArg(OFF_SK, CtxRules.Field.BTF_ID_OR_NULL, "sock"),
            new CtxArg(OFF_VALUE, CtxRules.Field.RDWR_BUF_OR_NULL, null));

    @Override public String name() { return "bpf_sk_storage_map"; }

    @Override public List<CtxArg> ctxArgs() { return ARGS; }

    /**
     * {@code bpf_iter_attach_map}, in its order: map_fd 0 → EBADF; a closed fd → EBADF (a
     * non-map fd EINVAL, {@code __bpf_map_get}); not SK_STORAGE → EINVAL; the program accessing
     * the value beyond value_size → EACCES. The link holds the map with a user reference.
     */
    @Override
    public Object attach(Task task, BpfProg prog, Attrs.IterInfo info) {
        MapObject mo = IterMapArg.get(task, info, "bpf_sk_storage_map");
        try {
            if (mo.map().type() != MapType.SK_STORAGE) {
                throw new BpfException(Errno.EINVAL, mo.describe() + " is a " + mo.map().type()
                        + " map; the bpf_sk_storage_map iterator takes SK_STORAGE maps");
            }
            if (prog.maxRdwrAccess() > mo.map().valueSize()) {
                throw new BpfException(Errno.EACCES, prog.describe() + " accesses the value up to byte "
                        + prog.maxRdwrAccess() + " but " + mo.describe() + " has value_size " + mo.map().valueSize());
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
        MapObject mo = (MapObject) aux;
        LocalStorageMap map = (LocalStorageMap) mo.map();
        return new IterCursor() {
            private final LocalStorageMap.IterPos pos = map.iterPos();

            @Override public Object start() { return pos.start(); }

            @Override public Object next(Object prev) { return pos.next(); }

            @Override
            public void fill(Object obj, long ctx) {
                var a = iters.arena();
                a.store64(ctx + OFF_MAP, map.address());
                if (obj instanceof LocalStorageMap.IterElem e) {
                    a.store64(ctx + OFF_SK, iters.ownerAddress(e.owner()));
                    a.store64(ctx + OFF_VALUE, e.data());
                } else {
                    a.store64(ctx + OFF_SK, 0);
                    a.store64(ctx + OFF_VALUE, 0);
                }
            }
        };
    }
}
