package org.ebpf4j.kernel;

/**
 * The kinds of object an fd, a pin or an id can name ({@code enum bpf_type} of kernel/bpf/inode.c, plus BTF),
 * and SOCKET for socket fds (never pinned, no id).
 */
public enum ObjKind {
    MAP, PROG, LINK, BTF, SOCKET
}
