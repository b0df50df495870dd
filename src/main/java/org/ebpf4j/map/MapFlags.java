package org.ebpf4j.map;

/**
 * The flag bits of {@code include/uapi/linux/bpf.h} that the map layer reads: {@code map_flags} of
 * BPF_MAP_CREATE and the {@code flags}/{@code elem_flags} of element commands. Constants only.
 */
public final class MapFlags {
    private MapFlags() {}

    // ---- element update flags (BPF_ANY ... BPF_F_LOCK) ----
    public static final long BPF_ANY = 0;
    public static final long BPF_NOEXIST = 1;
    public static final long BPF_EXIST = 2;
    public static final long BPF_F_LOCK = 4;

    // ---- map_flags of BPF_MAP_CREATE ----
    public static final int BPF_F_NO_PREALLOC = 1 << 0;
    public static final int BPF_F_NO_COMMON_LRU = 1 << 1;
    public static final int BPF_F_NUMA_NODE = 1 << 2;
    public static final int BPF_F_RDONLY = 1 << 3;
    public static final int BPF_F_WRONLY = 1 << 4;
    public static final int BPF_F_STACK_BUILD_ID = 1 << 5;
    public static final int BPF_F_ZERO_SEED = 1 << 6;
    public static final int BPF_F_RDONLY_PROG = 1 << 7;
    public static final int BPF_F_WRONLY_PROG = 1 << 8;
    public static final int BPF_F_CLONE = 1 << 9;
    public static final int BPF_F_MMAPABLE = 1 << 10;
    public static final int BPF_F_PRESERVE_ELEMS = 1 << 11;
    public static final int BPF_F_INNER_MAP = 1 << 12;
    public static final int BPF_F_LINK = 1 << 13;
    public static final int BPF_F_PATH_FD = 1 << 14;
    public static final int BPF_F_VTYPE_BTF_OBJ_FD = 1 << 15;
    public static final int BPF_F_TOKEN_FD = 1 << 16;
    public static final int BPF_F_SEGV_ON_FAULT = 1 << 17;
    public static final int BPF_F_NO_USER_CONV = 1 << 18;

    /** {@code BPF_F_ACCESS_MASK} (include/linux/bpf.h). */
    public static final int BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG;

    /** {@code NUMA_NO_NODE}: numa_node when BPF_F_NUMA_NODE is not given. */
    public static final int NUMA_NO_NODE = -1;

    /** {@code PCPU_MIN_UNIT_SIZE}: the bound on a per-CPU value (32 KiB). */
    public static final int PCPU_MIN_UNIT_SIZE = 32 << 10;

    /** {@code bpf_map_flags_access_ok()}: a map cannot be both read-only and write-only for programs. */
    public static boolean accessOk(int mapFlags) {
        return (mapFlags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) != (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
    }

    /** {@code round_up(size, 8)}. */
    public static int round8(int size) { return (size + 7) & ~7; }
}
