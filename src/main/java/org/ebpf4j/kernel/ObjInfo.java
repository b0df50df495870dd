package org.ebpf4j.kernel;

/**
 * What BPF_OBJ_GET_INFO_BY_FD returns for one object ({@code struct bpf_map_info},
 * {@code bpf_prog_info}, {@code bpf_link_info}, {@code bpf_btf_info} of include/uapi/linux/bpf.h).
 * Open for extension: the program and link records are defined next to those objects; the
 * syscall layer asks {@link KernelObject}s of those kinds through {@link ProgObject#info()} and
 * {@link LinkObject#info()}.
 */
public interface ObjInfo {
    /** The object id the record describes. */
    int id();
}
