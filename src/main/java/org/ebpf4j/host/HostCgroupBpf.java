package org.ebpf4j.host;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.ebpf4j.uapi.Cmd;

/**
 * The cgroup attach commands of bpf(2) on the host kernel (kernel/bpf/cgroup.c, syscall.c):
 * BPF_PROG_ATTACH/DETACH/QUERY on a cgroup directory fd, BPF_LINK_CREATE/UPDATE/DETACH, and
 * BPF_OBJ_GET_INFO_BY_FD for a program's id and run count or a cgroup link's fields. Offsets are
 * Linux 6.18's {@code union bpf_attr} (the cgroup anchors {@code relative_fd}/{@code
 * expected_revision} arrived with the mprog API); failures are BpfExceptions with the kernel's errno.
 */
public final class HostCgroupBpf {
    private final HostBpf bpf;

    public HostCgroupBpf(HostBpf bpf) { this.bpf = bpf; }

    /** What BPF_PROG_QUERY answered: the program ids (and their attach flags), the cgroup's flags and revision. */
    public record Query(int[] progIds, int[] progAttachFlags, int attachFlags, long revision) {}

    /** Fields of struct bpf_prog_info the runner reads. */
    public record ProgInfo(int id, long runCnt) {}

    /** Fields of struct bpf_link_info for a cgroup link. */
    public record LinkInfo(int id, int progId, long cgroupId, int attachType) {}

    /** BPF_PROG_ATTACH: target_fd 0, attach_bpf_fd 4, attach_type 8, attach_flags 12, replace_bpf_fd 16, relative_fd/id 20, expected_revision 24. */
    public void progAttach(int cgroupFd, int progFd, int attachType, int flags, int replaceFd, int relative, long revision) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(32, 8);
            attr.set(ValueLayout.JAVA_INT, 0, cgroupFd);
            attr.set(ValueLayout.JAVA_INT, 4, progFd);
            attr.set(ValueLayout.JAVA_INT, 8, attachType);
            attr.set(ValueLayout.JAVA_INT, 12, flags);
            attr.set(ValueLayout.JAVA_INT, 16, replaceFd);
            attr.set(ValueLayout.JAVA_INT, 20, relative);
            attr.set(ValueLayout.JAVA_LONG, 24, revision);
            bpf.command(a, Cmd.PROG_ATTACH, attr, "prog_attach fd " + progFd + " to cgroup fd " + cgroupFd);
        }
    }

    /** BPF_PROG_DETACH (the same struct; attach_bpf_fd 0 detaches the single non-multi program). */
    public void progDetach(int cgroupFd, int progFd, int attachType, long revision) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(32, 8);
            attr.set(ValueLayout.JAVA_INT, 0, cgroupFd);
            attr.set(ValueLayout.JAVA_INT, 4, progFd);
            attr.set(ValueLayout.JAVA_INT, 8, attachType);
            attr.set(ValueLayout.JAVA_LONG, 24, revision);
            bpf.command(a, Cmd.PROG_DETACH, attr, "prog_detach fd " + progFd + " from cgroup fd " + cgroupFd);
        }
    }

    /** BPF_PROG_QUERY: target_fd 0, attach_type 4, query_flags 8, attach_flags 12 (out), prog_ids 16, prog_cnt 24, prog_attach_flags 32, revision 56 (out). */
    public Query progQuery(int cgroupFd, int attachType, boolean effective, boolean wantFlags, int max) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(64, 8);
            MemorySegment ids = a.allocate(4L * max, 4);
            MemorySegment flags = a.allocate(4L * max, 4);
            attr.set(ValueLayout.JAVA_INT, 0, cgroupFd);
            attr.set(ValueLayout.JAVA_INT, 4, attachType);
            attr.set(ValueLayout.JAVA_INT, 8, effective ? 1 : 0);
            attr.set(ValueLayout.JAVA_LONG, 16, ids.address());
            attr.set(ValueLayout.JAVA_INT, 24, max);
            if (wantFlags) {
                attr.set(ValueLayout.JAVA_LONG, 32, flags.address());   // EINVAL with BPF_F_QUERY_EFFECTIVE
            }
            bpf.command(a, Cmd.PROG_QUERY, attr, "prog_query cgroup fd " + cgroupFd);
            int cnt = Math.min(max, attr.get(ValueLayout.JAVA_INT, 24));
            return new Query(ids.asSlice(0, 4L * cnt).toArray(ValueLayout.JAVA_INT),
                    flags.asSlice(0, 4L * cnt).toArray(ValueLayout.JAVA_INT),
                    attr.get(ValueLayout.JAVA_INT, 12), attr.get(ValueLayout.JAVA_LONG, 56));
        }
    }

    /** BPF_LINK_CREATE for a cgroup: prog_fd 0, target_fd 4, attach_type 8, flags 12, cgroup.relative_fd/id 16, cgroup.expected_revision 24. */
    public int linkCreate(int progFd, int cgroupFd, int attachType, int flags, int relative, long revision) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(32, 8);
            attr.set(ValueLayout.JAVA_INT, 0, progFd);
            attr.set(ValueLayout.JAVA_INT, 4, cgroupFd);
            attr.set(ValueLayout.JAVA_INT, 8, attachType);
            attr.set(ValueLayout.JAVA_INT, 12, flags);
            attr.set(ValueLayout.JAVA_INT, 16, relative);
            attr.set(ValueLayout.JAVA_LONG, 24, revision);
            return (int) bpf.command(a, Cmd.LINK_CREATE, attr, "link_create fd " + progFd + " on cgroup fd " + cgroupFd);
        }
    }

    /** BPF_LINK_UPDATE: link_fd 0, new_prog_fd 4, flags 8, old_prog_fd 12. */
    public void linkUpdate(int linkFd, int newProgFd, int flags, int oldProgFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(16, 8);
            attr.set(ValueLayout.JAVA_INT, 0, linkFd);
            attr.set(ValueLayout.JAVA_INT, 4, newProgFd);
            attr.set(ValueLayout.JAVA_INT, 8, flags);
            attr.set(ValueLayout.JAVA_INT, 12, oldProgFd);
            bpf.command(a, Cmd.LINK_UPDATE, attr, "link_update fd " + linkFd);
        }
    }

    /** BPF_LINK_DETACH: link_fd 0. */
    public void linkDetach(int linkFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(8, 8);
            attr.set(ValueLayout.JAVA_INT, 0, linkFd);
            bpf.command(a, Cmd.LINK_DETACH, attr, "link_detach fd " + linkFd);
        }
    }

    /** bpf_prog_info: id 4, run_cnt 200 (counted while a BPF_ENABLE_STATS fd is open). */
    public ProgInfo progInfo(int progFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = info(a, progFd, 256);
            return new ProgInfo(info.get(ValueLayout.JAVA_INT, 4), info.get(ValueLayout.JAVA_LONG, 200));
        }
    }

    /** bpf_link_info: id 4, prog_id 8, cgroup.cgroup_id 16, cgroup.attach_type 24. */
    public LinkInfo linkInfo(int linkFd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = info(a, linkFd, 128);
            return new LinkInfo(info.get(ValueLayout.JAVA_INT, 4), info.get(ValueLayout.JAVA_INT, 8),
                    info.get(ValueLayout.JAVA_LONG, 16), info.get(ValueLayout.JAVA_INT, 24));
        }
    }

    /** BPF_OBJ_GET_INFO_BY_FD: bpf_fd 0, info_len 4, info 8. */
    private MemorySegment info(Arena a, int fd, int len) {
        MemorySegment info = a.allocate(len, 8);
        MemorySegment attr = a.allocate(16, 8);
        attr.set(ValueLayout.JAVA_INT, 0, fd);
        attr.set(ValueLayout.JAVA_INT, 4, len);
        attr.set(ValueLayout.JAVA_LONG, 8, info.address());
        bpf.command(a, Cmd.OBJ_GET_INFO_BY_FD, attr, "obj_get_info_by_fd fd " + fd);
        return info;
    }
}
