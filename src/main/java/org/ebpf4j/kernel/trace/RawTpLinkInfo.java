package org.ebpf4j.kernel.trace;

import org.ebpf4j.kernel.ObjInfo;

/**
 * {@code struct bpf_link_info} of a raw tracepoint link: {@code type}, {@code id},
 * {@code prog_id} and {@code raw_tracepoint.tp_name}.
 */
public record RawTpLinkInfo(int type, int id, int progId, String tpName) implements ObjInfo {}
