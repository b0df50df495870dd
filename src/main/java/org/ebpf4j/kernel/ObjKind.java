package org.ebpf4j.kernel;

/** The kinds of BPF object an fd, a pin or an id can name ({@code enum bpf_type} of kernel/bpf/inode.c, plus BTF). */
public enum ObjKind {
    MAP, PROG, LINK, BTF
}
