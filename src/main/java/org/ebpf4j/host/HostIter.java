package org.ebpf4j.host;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.Cmd;

/**
 * BPF iterators on the host kernel, as bpftool's {@code iter pin} + {@code cat} do it
 * (kernel/bpf/bpf_iter.c): BPF_LINK_CREATE with attach_type BPF_TRACE_ITER and the
 * {@code union bpf_iter_link_info}, BPF_ITER_CREATE of the link, then read(2) until 0. Safe on
 * any machine: an iterator link attaches to nothing, and closing the fds frees it all.
 */
public final class HostIter {
    /** link_create: prog_fd 0, target_fd 4, attach_type 8, flags 12, iter_info 16, iter_info_len 24. */
    private static final long PROG_FD = 0, ATTACH_TYPE = 8, ITER_INFO = 16, ITER_INFO_LEN = 24;
    private static final int LINK_CREATE_SIZE = 32;
    /** sizeof(union bpf_iter_link_info) (its cgroup/task members end with a u64/u32 at 8). */
    private static final int ITER_INFO_SIZE = 16;

    private final HostBpf bpf;
    private final Libc libc;

    public HostIter(HostBpf bpf, Libc libc) {
        this.bpf = bpf;
        this.libc = libc;
    }

    /**
     * BPF_LINK_CREATE of iterator program {@code progFd}; {@code mapFd} > 0 fills
     * {@code iter_info.map.map_fd} (map element iterators), 0 passes no iter_info.
     */
    public int linkCreate(int progFd, int mapFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(LINK_CREATE_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT_UNALIGNED, PROG_FD, progFd);
            attr.set(ValueLayout.JAVA_INT_UNALIGNED, ATTACH_TYPE, AttachType.TRACE_ITER.value());
            if (mapFd > 0) {
                MemorySegment info = arena.allocate(ITER_INFO_SIZE, 8);
                info.set(ValueLayout.JAVA_INT, 0, mapFd);
                attr.set(ValueLayout.JAVA_LONG_UNALIGNED, ITER_INFO, info.address());
                attr.set(ValueLayout.JAVA_INT_UNALIGNED, ITER_INFO_LEN, ITER_INFO_SIZE);
            }
            return (int) bpf.command(arena, Cmd.LINK_CREATE, attr, "link_create iter prog fd " + progFd
                    + (mapFd > 0 ? " map fd " + mapFd : ""));
        }
    }

    /** BPF_ITER_CREATE (link_fd 0, flags 4): a readable seq_file fd. */
    public int iterCreate(int linkFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(8, 8);
            attr.set(ValueLayout.JAVA_INT_UNALIGNED, 0, linkFd);
            return (int) bpf.command(arena, Cmd.ITER_CREATE, attr, "iter_create link fd " + linkFd);
        }
    }

    /**
     * Runs the iterator {@code progFd} once (over {@code mapFd}'s elements if > 0) and returns
     * everything it printed; link and iterator fds are closed before returning.
     */
    public byte[] readAll(int progFd, int mapFd) {
        int link = linkCreate(progFd, mapFd);
        try {
            int it = iterCreate(link);
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (byte[] b = libc.read(it, 4096); b.length > 0; b = libc.read(it, 4096)) {
                    out.writeBytes(b);
                }
                return out.toByteArray();
            } finally {
                bpf.close(it);
            }
        } finally {
            bpf.close(link);
        }
    }
}
