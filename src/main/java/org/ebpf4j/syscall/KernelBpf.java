package org.ebpf4j.syscall;

import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.trace.RawTracepointOpenAttr;
import org.ebpf4j.kernel.trace.SyscallNr;
import org.ebpf4j.kernel.trace.TraceAttachCommands;
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
    private final TraceAttachCommands traces;

    public KernelBpf(Runtime rt) {
        this.rt = rt;
        this.maps = new MapCommands(rt);
        this.objs = new ObjCommands(rt);
        this.ids = new IdCommands(rt);
        this.infos = new InfoCommands();
        this.btfs = new BtfCommands(rt);
        this.progs = new ProgCommands(rt);
        this.traces = new TraceAttachCommands(rt);
        this.links = new LinkCommands(rt, traces);
    }

    public Runtime runtime() { return rt; }

    /**
     * The syscall entry every command passes first: {@code sys_enter} with (bpf, cmd), then
     * {@code security_bpf()} of {@code __sys_bpf}: an LSM program on {@code bpf_lsm_bpf} may refuse
     * the command with its -errno.
     */
    private void enter(Task t, int cmd) {
        t.syscall(SyscallNr.BPF, cmd);
        org.ebpf4j.kernel.trampoline.Lsm.check(rt.lsm().bpf(t, cmd), "bpf(" + cmd + ") (bpf_lsm_bpf)");
    }

    /** BPF_RAW_TRACEPOINT_OPEN (its body records the syscall entry itself). */
    @Override public int rawTracepointOpen(Task t, RawTracepointOpenAttr a) { return traces.rawTracepointOpen(t, a); }

    @Override public int mapCreate(Task t, MapCreateAttr a) { enter(t, 0); return maps.create(t, a); }

    @Override public byte[] mapLookupElem(Task t, MapElemAttr a) { enter(t, 1); return maps.lookup(t, a); }

    @Override public void mapUpdateElem(Task t, MapElemAttr a) { enter(t, 2); maps.update(t, a); }

    @Override public void mapDeleteElem(Task t, MapElemAttr a) { enter(t, 3); maps.delete(t, a); }

    @Override public byte[] mapGetNextKey(Task t, MapElemAttr a) { enter(t, 4); return maps.getNextKey(t, a); }

    @Override public byte[] mapLookupAndDeleteElem(Task t, MapElemAttr a) { enter(t, 21); return maps.lookupAndDelete(t, a); }

    @Override public BatchResult mapLookupBatch(Task t, MapBatchAttr a) { enter(t, 24); return maps.batch(t, MapCommands.Batch.LOOKUP, a); }

    @Override
    public BatchResult mapLookupAndDeleteBatch(Task t, MapBatchAttr a) {
        enter(t, 25);
        return maps.batch(t, MapCommands.Batch.LOOKUP_AND_DELETE, a);
    }

    @Override public BatchResult mapUpdateBatch(Task t, MapBatchAttr a) { enter(t, 26); return maps.batch(t, MapCommands.Batch.UPDATE, a); }

    @Override public BatchResult mapDeleteBatch(Task t, MapBatchAttr a) { enter(t, 27); return maps.batch(t, MapCommands.Batch.DELETE, a); }

    @Override public void mapFreeze(Task t, int mapFd) { enter(t, 22); maps.freeze(t, mapFd); }

    @Override public int progLoad(Task t, org.ebpf4j.kernel.prog.ProgLoadAttr a) { enter(t, 5); return progs.load(t, a); }

    @Override
    public org.ebpf4j.kernel.prog.TestRunResult progTestRun(Task t, org.ebpf4j.kernel.prog.TestRunAttr a) {
        enter(t, 10);
        return progs.testRun(t, a);
    }

    @Override public void progAttach(Task t, Attrs.ProgAttach a) { enter(t, 8); links.progAttach(t, a); }

    @Override public void progDetach(Task t, Attrs.ProgDetach a) { enter(t, 9); links.progDetach(t, a); }

    @Override public Attrs.ProgQueryOut progQuery(Task t, Attrs.ProgQuery a) { enter(t, 16); return links.progQuery(t, a); }

    @Override public int linkCreate(Task t, Attrs.LinkCreate a) { enter(t, 28); return links.linkCreate(t, a); }

    @Override public void linkUpdate(Task t, Attrs.LinkUpdate a) { enter(t, 29); links.linkUpdate(t, a); }

    @Override public void linkDetach(Task t, int linkFd) { enter(t, 34); links.linkDetach(t, linkFd); }

    @Override public String linkFdinfo(Task t, int linkFd) { return links.linkFdinfo(t, linkFd); }

    @Override public int iterCreate(Task t, int linkFd, int flags) { enter(t, 33); return rt.progs().iters().iterCreate(t, linkFd, flags); }

    @Override public byte[] iterRead(Task t, int fd, int count) { return org.ebpf4j.kernel.iter.BpfIter.read(t, fd, count); }

    @Override public void objPin(Task t, ObjAttr a) { enter(t, 6); objs.pin(t, a); }

    @Override public int objGet(Task t, ObjAttr a) { enter(t, 7); return objs.get(t, a); }

    @Override public int mapGetNextId(Task t, int startId) { enter(t, 12); return ids.nextId(t, rt.mapIds(), startId); }

    @Override public int progGetNextId(Task t, int startId) { enter(t, 11); return ids.nextId(t, rt.progIds(), startId); }

    @Override public int linkGetNextId(Task t, int startId) { enter(t, 31); return ids.nextId(t, rt.linkIds(), startId); }

    @Override public int btfGetNextId(Task t, int startId) { enter(t, 23); return ids.nextId(t, rt.btfIds(), startId); }

    @Override public int mapGetFdById(Task t, int id, int openFlags) { enter(t, 14); return ids.mapFd(t, id, openFlags); }

    @Override public int progGetFdById(Task t, int id) { enter(t, 13); return ids.progFd(t, id); }

    @Override public int linkGetFdById(Task t, int id) { enter(t, 30); return ids.linkFd(t, id); }

    @Override public int btfGetFdById(Task t, int id) { enter(t, 19); return ids.btfFd(t, id); }

    @Override public ObjInfo objGetInfoByFd(Task t, int fd) { enter(t, 15); return infos.info(t, fd); }

    @Override public int btfLoad(Task t, BtfLoadAttr a) { enter(t, 18); return btfs.load(t, a); }
}
