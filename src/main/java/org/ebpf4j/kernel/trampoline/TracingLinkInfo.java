package org.ebpf4j.kernel.trampoline;

import org.ebpf4j.kernel.ObjInfo;

/**
 * {@code struct bpf_link_info} of a tracing link ({@code bpf_tracing_link_fill_link_info}):
 * {@code type} (BPF_LINK_TYPE_TRACING), {@code id}, {@code prog_id} and {@code tracing.attach_type},
 * {@code tracing.target_obj_id} (the BTF object of the traced function: vmlinux),
 * {@code tracing.target_btf_id}, {@code tracing.cookie}.
 */
public record TracingLinkInfo(int type, int id, int progId, int attachType, int targetObjId, int targetBtfId, long cookie)
        implements ObjInfo {}
