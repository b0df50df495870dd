package org.ebpf4j.api;

import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.cgroup.AttachFlags;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.kernel.link.CgroupLinkInfo;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.syscall.ObjAttr;
import org.ebpf4j.uapi.BpfException;
import org.ebpf4j.uapi.Errno;

/**
 * A bpf_link fd (libbpf's {@code struct bpf_link}, cilium's {@code link.Link}): what
 * {@link CgroupAttachable#attachCgroup} returns. Closing it closes this fd; the link is detached
 * when its last fd and pin are gone (spec §7.2), so a pinned link outlives {@link #close()}.
 */
public final class Link implements AutoCloseable {
    private final Bpf bpf;
    private final Task task;
    private final int fd;
    private boolean closed;

    Link(Bpf bpf, Task task, int fd) {
        this.bpf = bpf;
        this.task = task;
        this.fd = fd;
    }

    /** BPF_OBJ_GET of a pinned link: a new fd to it (libbpf {@code bpf_link__open}). */
    public static Link open(Bpf bpf, Task task, String pinPath) {
        return new Link(bpf, task, bpf.objGet(task, ObjAttr.get(pinPath, 0)));
    }

    public int fd() { return fd; }

    /** BPF_LINK_UPDATE: the link runs {@code program} from now on (ENOLINK once defunct). */
    public void update(CgroupAttachable program) {
        bpf.linkUpdate(task, new Attrs.LinkUpdate(fd, program.fd(), 0, 0));
    }

    /** BPF_LINK_UPDATE with BPF_F_REPLACE: only if the link still runs {@code expected} (else EPERM). */
    public void update(CgroupAttachable program, CgroupAttachable expected) {
        bpf.linkUpdate(task, new Attrs.LinkUpdate(fd, program.fd(), AttachFlags.BPF_F_REPLACE, expected.fd()));
    }

    /** BPF_LINK_DETACH: the link becomes defunct; the fd stays valid. */
    public void detach() { bpf.linkDetach(task, fd); }

    /** BPF_OBJ_PIN at {@code path} under /sys/fs/bpf. */
    public void pin(String path) { bpf.objPin(task, ObjAttr.pin(path, fd)); }

    /** BPF_OBJ_GET_INFO_BY_FD: {@link CgroupLinkInfo} for a cgroup link ({@code cgroupId} 0 once defunct). */
    public CgroupLinkInfo info() {
        ObjInfo i = bpf.objGetInfoByFd(task, fd);
        if (i instanceof CgroupLinkInfo c) {
            return c;
        }
        throw new BpfException(Errno.EINVAL, "fd " + fd + " is not a cgroup link");
    }

    /** True once detached or auto-detached. */
    public boolean defunct() { return info().cgroupId() == 0; }

    /** The fdinfo text of the link fd. */
    public String fdinfo() { return bpf.linkFdinfo(task, fd); }

    /** BPF_OBJ_GET_INFO_BY_FD, whatever the link's kind ({@link #info()} is the cgroup one). */
    public ObjInfo objInfo() { return bpf.objGetInfoByFd(task, fd); }

    /** libbpf's {@code bpf_iter_create(bpf_link__fd(link))}: a new iterator fd of this iter link. */
    public int iterCreate() { return bpf.iterCreate(task, fd, 0); }

    /**
     * A whole iteration: a new iterator fd read with reads of {@code chunk} bytes until one
     * returns 0 bytes (what {@code cat} of a pinned iterator does), then closed.
     */
    public byte[] readIterator(int chunk) {
        int it = iterCreate();
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            while (true) {
                byte[] b = bpf.iterRead(task, it, chunk);
                if (b.length == 0) {
                    return out.toByteArray();
                }
                out.writeBytes(b);
            }
        } finally {
            task.fds().close(it);
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            task.fds().close(fd);
        }
    }

    @Override
    public String toString() { return "link fd " + fd; }
}
