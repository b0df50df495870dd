package org.ebpf4j.syscall;

/**
 * BPF_OBJ_PIN / BPF_OBJ_GET ({@code pathname}, {@code bpf_fd}, {@code file_flags}). Relative
 * paths are resolved against {@code /sys/fs/bpf}; {@code path_fd} is not modelled.
 */
public record ObjAttr(String pathname, int bpfFd, int fileFlags) {
    public static ObjAttr pin(String path, int fd) { return new ObjAttr(path, fd, 0); }

    public static ObjAttr get(String path, int fileFlags) { return new ObjAttr(path, 0, fileFlags); }
}
