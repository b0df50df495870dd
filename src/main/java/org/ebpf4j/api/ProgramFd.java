package org.ebpf4j.api;

import org.ebpf4j.kernel.Task;
import org.ebpf4j.syscall.Bpf;

/** A program known only by its fd in {@code task} (e.g. from BPF_PROG_LOAD or OBJ_GET), attachable to cgroups. */
public record ProgramFd(Bpf bpf, Task task, int fd) implements CgroupAttachable {}
