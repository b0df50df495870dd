package org.ebpf4j.kernel.iter;

import org.ebpf4j.kernel.ObjInfo;

/**
 * {@code struct bpf_link_info} of an iter link ({@code bpf_iter_link_fill_link_info}): type,
 * id, prog_id, {@code iter.target_name} and, for map targets, {@code iter.map.map_id} (0 otherwise).
 */
public record IterLinkInfo(int type, int id, int progId, String targetName, int mapId) implements ObjInfo {}
