package org.ebpf4j.kernel;

/**
 * {@code struct bpf_btf_info} as {@code btf_get_info_by_fd} fills it (kernel/bpf/btf.c).
 *
 * @param btf       the raw BTF bytes (user space passes a buffer of {@code btf_size})
 * @param name      empty for user-loaded BTF ("vmlinux"/module name for kernel BTF)
 * @param kernelBtf true only for vmlinux/module BTF
 */
public record BtfInfo(int id, byte[] btf, int btfSize, String name, boolean kernelBtf) implements ObjInfo {}
