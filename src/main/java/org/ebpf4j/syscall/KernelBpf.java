package org.ebpf4j.syscall;

import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.map.BatchResult;

/**
 * {@link Bpf} on a modelled kernel ({@link Runtime}): a dispatcher that only dispatches, as
 * {@code __sys_bpf}; the bodies live per family. Thread-safe: any number of tasks and threads
 * may call it at once.
 */
public class KernelBpf implements Bpf {
    private final Runtime rt;
    private final MapCommands maps;
    private final ObjCommands objs;
    private final IdCommands ids;
    private final InfoCommands infos;
    private final BtfCommands btfs;
    private final ProgCommands progs;
    private final LinkCommands links;

    public KernelBpf(Runtime rt) {
        this.rt = rt;
        this.maps = new MapCommands(rt);
        this.objs = new ObjCommands(rt);
        this.ids = new IdCommands(rt);
        this.infos = new InfoCommands();
        this.btfs = new BtfCommands(rt);
        this.progs = new ProgCommands(rt);
        this.links = new LinkCommands(rt);
    }

    public Runtime runtime() { return rt; }

    @Override public int mapCreate(Task t, MapCreateAttr a) { return maps.create(t, a); }

    @Override public byte[] mapLookupElem(Task t, MapElemAttr a) { return maps.lookup(t, a); }

    @Override public void mapUpdateElem(Task t, MapElemAttr a) { maps.update(t, a); }

    @Override public void mapDeleteElem(Task t, MapElemAttr a) { maps.delete(t, a); }

    @Override public byte[] mapGetNextKey(Task t, MapElemAttr a) { return maps.getNextKey(t, a); }

    @Override public byte[] mapLookupAndDeleteElem(Task t, MapElemAttr a) { return maps.lookupAndDelete(t, a); }

    @Override public BatchResult mapLookupBatch(Task t, MapBatchAttr a) { return maps.batch(t, MapCommands.Batch.LOOKUP, a); }

    @Override
    public BatchResult mapLookupAndDeleteBatch(Task t, MapBatchAttr a) {
        return maps.batch(t, MapCommands.Batch.LOOKUP_AND_DELETE, a);
    }

    @Override public BatchResult mapUpdateBatch(Task t, MapBatchAttr a) { return maps.batch(t, MapCommands.Batch.UPDATE, a); }

    @Override public BatchResult mapDeleteBatch(Task t, MapBatchAttr a) { return maps.batch(t, MapCommands.Batch.DELETE, a); }

    @Override public void mapFreeze(Task t, int mapFd) { maps.freeze(t, mapFd); }

    @Override public int progLoad(Task t, org.ebpf4j.kernel.prog.ProgLoadAttr a) { return progs.load(t, a); }

    @Override
    public org.ebpf4j.kernel.prog.TestRunResult progTestRun(Task t, org.ebpf4j.kernel.prog.TestRunAttr a) { return progs.testRun(t, a); }

    @Override public void progAttach(Task t, Attrs.ProgAttach a) { links.progAttach(t, a); }

    @Override public void progDetach(Task t, Attrs.ProgDetach a) { links.progDetach(t, a); }

    @Override public Attrs.ProgQueryOut progQuery(Task t, Attrs.ProgQuery a) { return links.progQuery(t, a); }

    @Override public int linkCreate(Task t, Attrs.LinkCreate a) { return links.linkCreate(t, a); }

    @Override public void linkUpdate(Task t, Attrs.LinkUpdate a) { links.linkUpdate(t, a); }

    @Override public void linkDetach(Task t, int linkFd) { links.linkDetach(t, linkFd); }

    @Override public String linkFdinfo(Task t, int linkFd) { return links.linkFdinfo(t, linkFd); }

    @Override public void objPin(Task t, ObjAttr a) { objs.pin(t, a); }

    @Override public int objGet(Task t, ObjAttr a) { return objs.get(t, a); }

    @Override public int mapGetNextId(Task t, int startId) { return ids.nextId(t, rt.mapIds(), startId); }

    @Override public int progGetNextId(Task t, int startId) { return ids.nextId(t, rt.progIds(), startId); }

    @Override public int linkGetNextId(Task t, int startId) { return ids.nextId(t, rt.linkIds(), startId); }

    @Override public int btfGetNextId(Task t, int startId) { return ids.nextId(t, rt.btfIds(), startId); }

    @Override public int mapGetFdById(Task t, int id, int openFlags) { return ids.mapFd(t, id, openFlags); }

    @Override public int progGetFdById(Task t, int id) { return ids.progFd(t, id); }

    @Override public int linkGetFdById(Task t, int id) { return ids.linkFd(t, id); }

    @Override public int btfGetFdById(Task t, int id) { return ids.btfFd(t, id); }

    @Override public ObjInfo objGetInfoByFd(Task t, int fd) { return infos.info(t, fd); }

    @Override public int btfLoad(Task t, BtfLoadAttr a) { return btfs.load(t, a); }
}
