package org.ebpf4j.kernel.cgroup;

/**
 * How {@code get_prog_list()} finds the anchor of a BPF_F_BEFORE/AFTER insertion (spec §2.5):
 * by id through the runtime's id spaces, by fd through the calling task. Each method returns the
 * object or throws {@link org.ebpf4j.uapi.BpfException} with the kernel's errno (ENOENT for an
 * unknown id, EAGAIN for a link not yet settled, EBADF/EINVAL for a bad fd).
 */
public interface Anchors {
    CgroupProg progById(int id);

    CgroupProg progByFd(int fd);

    CgroupLinkRef linkById(int id);

    CgroupLinkRef linkByFd(int fd);

    /** For callers that never pass a relative fd or id: every lookup fails EINVAL. */
    Anchors NONE = new Anchors() {
        private RuntimeException none() {
            return new org.ebpf4j.uapi.BpfException(org.ebpf4j.uapi.Errno.EINVAL, "no relative object can be resolved here");
        }

        @Override public CgroupProg progById(int id) { throw none(); }

        @Override public CgroupProg progByFd(int fd) { throw none(); }

        @Override public CgroupLinkRef linkById(int id) { throw none(); }

        @Override public CgroupLinkRef linkByFd(int fd) { throw none(); }
    };
}
