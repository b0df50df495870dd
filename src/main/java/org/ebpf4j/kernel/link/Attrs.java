package org.ebpf4j.kernel.link;

/** The typed {@code union bpf_attr} members of the cgroup attach commands (include/uapi/linux/bpf.h). */
public final class Attrs {
    private Attrs() {}

    /** BPF_PROG_ATTACH: {@code relative} is relative_fd or, with BPF_F_ID, relative_id. */
    public record ProgAttach(int targetFd, int attachBpfFd, int attachType, int attachFlags, int replaceBpfFd,
                             int relative, long expectedRevision) {
        public static ProgAttach of(int targetFd, int progFd, int attachType, int flags) {
            return new ProgAttach(targetFd, progFd, attachType, flags, 0, 0, 0);
        }
    }

    /** BPF_PROG_DETACH ({@code attach_bpf_fd} may be -1 or 0 for "no program"). */
    public record ProgDetach(int targetFd, int attachBpfFd, int attachType, int attachFlags, int relativeFd,
                             long expectedRevision) {
        public static ProgDetach of(int targetFd, int progFd, int attachType) {
            return new ProgDetach(targetFd, progFd, attachType, 0, 0, 0);
        }
    }

    /**
     * BPF_PROG_QUERY: {@code progCnt} is the capacity of the caller's {@code prog_ids} array;
     * {@code wantIds}/{@code wantAttachFlags} say whether the pointers are non-NULL.
     */
    public record ProgQuery(int targetFd, int attachType, int queryFlags, int progCnt, boolean wantIds,
                            boolean wantAttachFlags) {
        public static ProgQuery of(int targetFd, int attachType, int queryFlags, int capacity) {
            return new ProgQuery(targetFd, attachType, queryFlags, capacity, capacity > 0, false);
        }
    }

    /**
     * What PROG_QUERY wrote: {@code attach_flags}, {@code prog_cnt} (the total), the ids copied
     * (at most the capacity), the per-program flags copied, {@code revision}.
     */
    public record ProgQueryOut(int attachFlags, int progCnt, int[] progIds, int[] progAttachFlags, long revision) {}

    /**
     * BPF_LINK_CREATE: for a cgroup {@code cgroup.relative_fd|relative_id} and
     * {@code cgroup.expected_revision}; for fentry/fexit/LSM {@code target_btf_id} and
     * {@code tracing.cookie}; for an iterator (BPF_TRACE_ITER) {@code iter_info}, null when the
     * pointer is NULL.
     */
    public record LinkCreate(int progFd, int targetFd, int attachType, int flags, int relative, long expectedRevision,
                             int targetBtfId, long cookie, IterInfo iterInfo) {
        /** Without the tracing and iterator parts. */
        public LinkCreate(int progFd, int targetFd, int attachType, int flags, int relative, long expectedRevision) {
            this(progFd, targetFd, attachType, flags, relative, expectedRevision, 0, 0, null);
        }

        /** With the tracing part ({@code link_create.target_btf_id}, {@code link_create.tracing.cookie}). */
        public LinkCreate(int progFd, int targetFd, int attachType, int flags, int relative, long expectedRevision,
                          int targetBtfId, long cookie) {
            this(progFd, targetFd, attachType, flags, relative, expectedRevision, targetBtfId, cookie, null);
        }

        /** With the iterator part ({@code link_create.iter_info}). */
        public LinkCreate(int progFd, int targetFd, int attachType, int flags, int relative, long expectedRevision,
                          IterInfo iterInfo) {
            this(progFd, targetFd, attachType, flags, relative, expectedRevision, 0, 0, iterInfo);
        }

        public static LinkCreate of(int progFd, int targetFd, int attachType) {
            return new LinkCreate(progFd, targetFd, attachType, 0, 0, 0);
        }

        /** BPF_LINK_CREATE of an iterator program with {@code iter_info} (null: none). */
        public static LinkCreate iter(int progFd, IterInfo info) {
            return new LinkCreate(progFd, 0, org.ebpf4j.uapi.AttachType.TRACE_ITER.value(), 0, 0, 0, info);
        }
    }

    /**
     * {@code union bpf_iter_link_info} as its three words ({@code u0} at offset 0, {@code u1} at 4,
     * {@code u2} at 8): the members overlap as in the kernel, so a target reads its own member of
     * whatever the caller wrote: {@code map.map_fd}; {@code cgroup.order, cgroup_fd, cgroup_id};
     * {@code task.tid, pid, pid_fd}.
     */
    public record IterInfo(int u0, int u1, long u2) {
        public static IterInfo map(int mapFd) { return new IterInfo(mapFd, 0, 0); }

        /** {@code cgroup}: an order ({@code enum bpf_cgroup_iter_order}) and a cgroup by fd or by id. */
        public static IterInfo cgroup(int order, int cgroupFd, long cgroupId) { return new IterInfo(order, cgroupFd, cgroupId); }

        /** {@code task}: at most one of tid, pid and pid_fd non-zero. */
        public static IterInfo task(int tid, int pid, int pidFd) { return new IterInfo(tid, pid, pidFd & 0xffffffffL); }

        public int mapFd() { return u0; }

        public int cgroupOrder() { return u0; }

        public int cgroupFd() { return u1; }

        public long cgroupId() { return u2; }

        public int tid() { return u0; }

        public int pid() { return u1; }

        public int pidFd() { return (int) u2; }
    }

    /** BPF_LINK_UPDATE. */
    public record LinkUpdate(int linkFd, int newProgFd, int flags, int oldProgFd) {}
}
