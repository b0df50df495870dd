package org.ebpf4j.kernel.prog;

import java.util.List;
import org.ebpf4j.kernel.ObjInfo;
import org.ebpf4j.uapi.ProgType;

/**
 * {@code struct bpf_prog_info} (include/uapi/linux/bpf.h) as BPF_OBJ_GET_INFO_BY_FD fills it for
 * a program ({@code bpf_prog_get_info_by_fd}, kernel/bpf/syscall.c).
 *
 * @param tag              the 8-byte {@code prog->tag}
 * @param xlatedProgLen    bytes of the instructions after the loader's rewrites
 * @param jitedProgLen     bytes of native code: 0 for the interpreter
 * @param loadTime         {@code ktime_get_boottime_ns()} at load
 * @param createdByUid     uid of the loading task
 * @param mapIds           ids of the maps the program uses, in the order it first referenced them
 * @param gplCompatible    whether the license is GPL compatible
 * @param runTimeNs        accumulated run time while BPF_ENABLE_STATS is on
 * @param runCnt           runs counted while BPF_ENABLE_STATS is on
 */
public record ProgInfo(int id, ProgType type, byte[] tag, String name, int xlatedProgLen, int jitedProgLen,
                       long loadTime, int createdByUid, List<Integer> mapIds, boolean gplCompatible,
                       int btfId, long runTimeNs, long runCnt, long recursionMisses, int verifiedInsns,
                       int expectedAttachType) implements ObjInfo {

    public ProgInfo {
        tag = tag.clone();
        mapIds = List.copyOf(mapIds);
    }

    @Override
    public byte[] tag() { return tag.clone(); }

    public String tagHex() { return ProgTag.hex(tag); }
}
