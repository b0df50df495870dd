package org.ebpf4j.host;

/**
 * Byte offsets into {@code union bpf_attr} (include/uapi/linux/bpf.h), one nested class per
 * command struct, described once here so {@link HostBpf} never spells a number twice. Checked
 * against {@code offsetof()} on this machine's headers; the union is 144 bytes in Linux 6.1 and
 * every command passes only the prefix it uses (the kernel zero-fills the rest).
 */
final class BpfAttr {
    private BpfAttr() {}

    /** BPF_MAP_CREATE. */
    static final class MapCreate {
        static final long MAP_TYPE = 0, KEY_SIZE = 4, VALUE_SIZE = 8, MAX_ENTRIES = 12, MAP_FLAGS = 16,
                INNER_MAP_FD = 20, NUMA_NODE = 24, MAP_NAME = 28, MAP_IFINDEX = 44, BTF_FD = 48,
                BTF_KEY_TYPE_ID = 52, BTF_VALUE_TYPE_ID = 56, MAP_EXTRA = 64;
        static final int SIZE = 72;
        private MapCreate() {}
    }

    /** BPF_MAP_{LOOKUP,UPDATE,DELETE}_ELEM and GET_NEXT_KEY. */
    static final class MapElem {
        static final long MAP_FD = 0, KEY = 8, VALUE = 16, FLAGS = 24;
        static final int SIZE = 32;
        private MapElem() {}
    }

    /** BPF_PROG_LOAD. */
    static final class ProgLoad {
        static final long PROG_TYPE = 0, INSN_CNT = 4, INSNS = 8, LICENSE = 16, LOG_LEVEL = 24, LOG_SIZE = 28,
                LOG_BUF = 32, KERN_VERSION = 40, PROG_FLAGS = 44, PROG_NAME = 48, EXPECTED_ATTACH_TYPE = 68,
                PROG_BTF_FD = 72, FUNC_INFO_REC_SIZE = 76, FUNC_INFO = 80, FUNC_INFO_CNT = 88, ATTACH_BTF_ID = 108,
                ATTACH_BTF_OBJ_FD = 112;
        /** sizeof(struct bpf_func_info): insn_off, type_id. */
        static final int FUNC_INFO_REC = 8;
        static final int SIZE = 128;
        private ProgLoad() {}
    }

    /** BPF_PROG_TEST_RUN ({@code struct test}). */
    static final class TestRun {
        static final long PROG_FD = 0, RETVAL = 4, DATA_SIZE_IN = 8, DATA_SIZE_OUT = 12, DATA_IN = 16,
                DATA_OUT = 24, REPEAT = 32, DURATION = 36, CTX_SIZE_IN = 40, CTX_SIZE_OUT = 44, CTX_IN = 48,
                CTX_OUT = 56, FLAGS = 64, CPU = 68, BATCH_SIZE = 72;
        static final int SIZE = 80;
        private TestRun() {}
    }

    /** BPF_BTF_LOAD. */
    static final class BtfLoad {
        static final long BTF = 0, BTF_LOG_BUF = 8, BTF_SIZE = 16, BTF_LOG_SIZE = 20, BTF_LOG_LEVEL = 24;
        static final int SIZE = 32;
        private BtfLoad() {}
    }

    /** BPF_ENABLE_STATS. */
    static final class EnableStats {
        static final long TYPE = 0;
        static final int SIZE = 4;
        private EnableStats() {}
    }

    /** BPF_OBJ_NAME_LEN: map_name and prog_name, NUL included. */
    static final int OBJ_NAME_LEN = 16;
}
