package org.ebpf4j.syscall;

import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.map.BatchResult;

/**
 * The bpf(2) command surface ({@code __sys_bpf}, kernel/bpf/syscall.c): one method per command,
 * run as the given {@link Task} (fds are that task's; privilege checks use its credentials).
 * Every failure throws {@link org.ebpf4j.uapi.BpfException} with the errno Linux 6.18 returns,
 * chosen in the kernel's check order; messages name the field and value at fault.
 *
 * <p>Program, link and test-run commands are added by the program and attach work; this
 * interface grows with them.
 */
public interface Bpf {

    // ---- maps ----

    /** BPF_MAP_CREATE: a new map and an fd to it (read-only/write-only per BPF_F_RDONLY/WRONLY). */
    int mapCreate(Task task, MapCreateAttr attr);

    /** BPF_MAP_LOOKUP_ELEM: the value (per-CPU maps: every CPU's, each 8-byte aligned). */
    byte[] mapLookupElem(Task task, MapElemAttr attr);

    /** BPF_MAP_UPDATE_ELEM with BPF_ANY / BPF_NOEXIST / BPF_EXIST, optionally | BPF_F_LOCK. */
    void mapUpdateElem(Task task, MapElemAttr attr);

    /** BPF_MAP_DELETE_ELEM. */
    void mapDeleteElem(Task task, MapElemAttr attr);

    /** BPF_MAP_GET_NEXT_KEY: the key after {@code attr.key()} (null: the first); ENOENT after the last. */
    byte[] mapGetNextKey(Task task, MapElemAttr attr);

    /** BPF_MAP_LOOKUP_AND_DELETE_ELEM (hash types, QUEUE/STACK pop). */
    byte[] mapLookupAndDeleteElem(Task task, MapElemAttr attr);

    /** BPF_MAP_LOOKUP_BATCH; a partial failure throws {@link BatchException} carrying what was done. */
    BatchResult mapLookupBatch(Task task, MapBatchAttr attr);

    /** BPF_MAP_LOOKUP_AND_DELETE_BATCH. */
    BatchResult mapLookupAndDeleteBatch(Task task, MapBatchAttr attr);

    /** BPF_MAP_UPDATE_BATCH. */
    BatchResult mapUpdateBatch(Task task, MapBatchAttr attr);

    /** BPF_MAP_DELETE_BATCH. */
    BatchResult mapDeleteBatch(Task task, MapBatchAttr attr);

    /** BPF_MAP_FREEZE: syscall writes are refused from now on; programs still write. */
    void mapFreeze(Task task, int mapFd);

    // ---- programs ----

    /** BPF_PROG_LOAD: a new program fd ({@link org.ebpf4j.kernel.prog.ProgLoader}). */
    int progLoad(Task task, org.ebpf4j.kernel.prog.ProgLoadAttr attr);

    /** BPF_PROG_TEST_RUN ({@link org.ebpf4j.kernel.prog.TestRun}); ENOSPC comes as a TestRunException with the outputs. */
    org.ebpf4j.kernel.prog.TestRunResult progTestRun(Task task, org.ebpf4j.kernel.prog.TestRunAttr attr);

    // ---- attach and links (cgroup targets; spec-cgroup-attach-link §2–§7) ----

    /** BPF_PROG_ATTACH to a cgroup (spec §2): flags 0 / ALLOW_OVERRIDE / ALLOW_MULTI [| REPLACE | BEFORE ...]. */
    void progAttach(Task task, org.ebpf4j.kernel.link.Attrs.ProgAttach attr);

    /** BPF_PROG_DETACH from a cgroup (spec §3). */
    void progDetach(Task task, org.ebpf4j.kernel.link.Attrs.ProgDetach attr);

    /**
     * BPF_PROG_QUERY on a cgroup (spec §6). ENOSPC comes as a
     * {@link org.ebpf4j.kernel.link.QueryNoSpaceException} carrying what the kernel wrote.
     */
    org.ebpf4j.kernel.link.Attrs.ProgQueryOut progQuery(Task task, org.ebpf4j.kernel.link.Attrs.ProgQuery attr);

    /** BPF_LINK_CREATE (spec §7.1): a cgroup link fd, or a raw tracepoint link for BPF_TRACE_RAW_TP; other targets EINVAL. */
    int linkCreate(Task task, org.ebpf4j.kernel.link.Attrs.LinkCreate attr);

    /**
     * BPF_RAW_TRACEPOINT_OPEN: attaches a raw_tp (by name) or tp_btf (name NULL, target from
     * attach_btf_id) program to a raw tracepoint ({@code sys_enter}); a link fd.
     */
    int rawTracepointOpen(Task task, org.ebpf4j.kernel.trace.RawTracepointOpenAttr attr);

    /** BPF_LINK_UPDATE (spec §7.3): ENOLINK once defunct, EPERM when BPF_F_REPLACE's old_prog_fd does not match. */
    void linkUpdate(Task task, org.ebpf4j.kernel.link.Attrs.LinkUpdate attr);

    /** BPF_LINK_DETACH (spec §7.4): always succeeds on a cgroup link, also a defunct one. */
    void linkDetach(Task task, int linkFd);

    /** The link lines of {@code /proc/PID/fdinfo/FD} for a link fd (spec §7.6). */
    String linkFdinfo(Task task, int linkFd);

    /**
     * BPF_ITER_CREATE (kernel/bpf/bpf_iter.c {@code bpf_iter_new_fd}): a read-only iterator fd
     * over the iter link behind {@code linkFd}; flags must be 0.
     */
    default int iterCreate(Task task, int linkFd, int flags) {
        throw new org.ebpf4j.uapi.BpfException(org.ebpf4j.uapi.Errno.EOPNOTSUPP, "BPF_ITER_CREATE is not available here");
    }

    /**
     * read(2) of an iterator fd ({@code bpf_seq_read}): at most {@code count} bytes of the
     * program's output, an empty array once the iteration has ended.
     */
    default byte[] iterRead(Task task, int fd, int count) {
        throw new org.ebpf4j.uapi.BpfException(org.ebpf4j.uapi.Errno.EOPNOTSUPP, "reading BPF iterators is not available here");
    }

    // ---- bpffs ----

    /** BPF_OBJ_PIN: pins the map, program or link behind {@code bpf_fd} at {@code pathname}. */
    void objPin(Task task, ObjAttr attr);

    /** BPF_OBJ_GET: a new fd to the pinned object, with the access of {@code file_flags}. */
    int objGet(Task task, ObjAttr attr);

    // ---- ids ----

    /** BPF_MAP_GET_NEXT_ID: the smallest live map id above {@code startId}; ENOENT if none. */
    int mapGetNextId(Task task, int startId);

    int progGetNextId(Task task, int startId);

    int linkGetNextId(Task task, int startId);

    int btfGetNextId(Task task, int startId);

    /** BPF_MAP_GET_FD_BY_ID with {@code open_flags} (0, BPF_F_RDONLY or BPF_F_WRONLY). */
    int mapGetFdById(Task task, int id, int openFlags);

    int progGetFdById(Task task, int id);

    /** BPF_LINK_GET_FD_BY_ID: EAGAIN while the link is primed but not settled. */
    int linkGetFdById(Task task, int id);

    int btfGetFdById(Task task, int id);

    // ---- info, btf ----

    /** BPF_OBJ_GET_INFO_BY_FD: {@link org.ebpf4j.kernel.MapInfo}, {@link org.ebpf4j.kernel.BtfInfo}, or the prog/link record. */
    ObjInfo objGetInfoByFd(Task task, int bpfFd);

    /** BPF_BTF_LOAD: a BTF fd. */
    int btfLoad(Task task, BtfLoadAttr attr);

    // ---- conveniences over the commands above ----

    default byte[] mapLookupElem(Task task, int mapFd, byte[] key) {
        return mapLookupElem(task, new MapElemAttr(mapFd, key, null, 0));
    }

    default void mapUpdateElem(Task task, int mapFd, byte[] key, byte[] value, long flags) {
        mapUpdateElem(task, new MapElemAttr(mapFd, key, value, flags));
    }

    default void mapDeleteElem(Task task, int mapFd, byte[] key) {
        mapDeleteElem(task, new MapElemAttr(mapFd, key, null, 0));
    }

    default byte[] mapGetNextKey(Task task, int mapFd, byte[] key) {
        return mapGetNextKey(task, new MapElemAttr(mapFd, key, null, 0));
    }

    default void objPin(Task task, String path, int fd) { objPin(task, ObjAttr.pin(path, fd)); }

    default int objGet(Task task, String path) { return objGet(task, ObjAttr.get(path, 0)); }
}
