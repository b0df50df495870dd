package org.ebpf4j.api;

import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.link.Attrs;
import org.ebpf4j.syscall.Bpf;
import org.ebpf4j.uapi.AttachType;

/**
 * A loaded program that can be attached to cgroups: a cgroup bpf_link
 * ({@link #attachCgroup}, libbpf {@code bpf_program__attach_cgroup}) or a legacy
 * BPF_PROG_ATTACH ({@link #attachLegacy}/{@link #detachLegacy}). Any holder of a program fd
 * implements it with three accessors ({@link ProgramFd} for a raw fd); the api's program type
 * does so too.
 */
public interface CgroupAttachable {
    Bpf bpf();

    /** The task whose fd table holds {@link #fd()}. */
    Task task();

    /** The program fd. */
    int fd();

    /** BPF_LINK_CREATE on {@code cgroup} for {@code type} (always a MULTI attachment, spec §7.1). */
    default Link attachCgroup(CgroupHandle cgroup, AttachType type, AttachOption... options) {
        int l = bpf().linkCreate(task(), new Attrs.LinkCreate(fd(), cgroup.fd(), type.value(), AttachOption.flags(options), 0, 0));
        return new Link(bpf(), task(), l);
    }

    /** As {@link #attachCgroup(CgroupHandle, AttachType, AttachOption...)}, opening the cgroup at {@code path} for the call. */
    default Link attachCgroup(String path, AttachType type, AttachOption... options) {
        try (CgroupHandle cg = new Cgroups(task()).open(path)) {
            return attachCgroup(cg, type, options);
        }
    }

    /** BPF_PROG_ATTACH to {@code cgroup} with {@code mode} (spec §2). */
    default void attachLegacy(CgroupHandle cgroup, AttachType type, CgroupAttachMode mode, AttachOption... options) {
        bpf().progAttach(task(), Attrs.ProgAttach.of(cgroup.fd(), fd(), type.value(), mode.flags() | AttachOption.flags(options)));
    }

    /** BPF_PROG_DETACH of this program from {@code cgroup} (spec §3). */
    default void detachLegacy(CgroupHandle cgroup, AttachType type) {
        bpf().progDetach(task(), Attrs.ProgDetach.of(cgroup.fd(), fd(), type.value()));
    }
}
