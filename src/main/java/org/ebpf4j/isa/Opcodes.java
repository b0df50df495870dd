package org.ebpf4j.isa;

/**
 * The opcode byte of an eBPF instruction, named as in {@code include/uapi/linux/bpf.h} and
 * {@code bpf_common.h} (RFC 9669 plus Linux's cpu v4 additions).
 *
 * <pre>
 *   ALU/JMP:  +----------------+--------+--------------------+
 *             |   4 bits op    | 1 bit  |   3 bits class     |
 *             |                | source |                    |
 *   LD/ST:    +--------+-------+--------+--------------------+
 *             | 3 mode | 2 size         |   3 bits class     |
 * </pre>
 */
public final class Opcodes {
    private Opcodes() {}

    // classes
    public static final int BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03,
            BPF_ALU = 0x04, BPF_JMP = 0x05, BPF_JMP32 = 0x06, BPF_ALU64 = 0x07;

    // sizes (LD/ST)
    public static final int BPF_W = 0x00, BPF_H = 0x08, BPF_B = 0x10, BPF_DW = 0x18;

    // modes (LD/ST)
    public static final int BPF_IMM = 0x00, BPF_ABS = 0x20, BPF_IND = 0x40, BPF_MEM = 0x60,
            BPF_MEMSX = 0x80, BPF_ATOMIC = 0xc0;

    // source
    public static final int BPF_K = 0x00, BPF_X = 0x08;
    /** For BPF_END: to little endian (K) / to big endian (X); for ALU64 BPF_END (bswap) always K. */
    public static final int BPF_TO_LE = 0x00, BPF_TO_BE = 0x08;

    // ALU operations
    public static final int BPF_ADD = 0x00, BPF_SUB = 0x10, BPF_MUL = 0x20, BPF_DIV = 0x30,
            BPF_OR = 0x40, BPF_AND = 0x50, BPF_LSH = 0x60, BPF_RSH = 0x70, BPF_NEG = 0x80,
            BPF_MOD = 0x90, BPF_XOR = 0xa0, BPF_MOV = 0xb0, BPF_ARSH = 0xc0, BPF_END = 0xd0;

    // JMP operations
    public static final int BPF_JA = 0x00, BPF_JEQ = 0x10, BPF_JGT = 0x20, BPF_JGE = 0x30,
            BPF_JSET = 0x40, BPF_JNE = 0x50, BPF_JSGT = 0x60, BPF_JSGE = 0x70, BPF_CALL = 0x80,
            BPF_EXIT = 0x90, BPF_JLT = 0xa0, BPF_JLE = 0xb0, BPF_JSLT = 0xc0, BPF_JSLE = 0xd0,
            BPF_JCOND = 0xe0;

    // atomic operations (in imm of BPF_STX | BPF_ATOMIC)
    public static final int BPF_FETCH = 0x01, BPF_XCHG = 0xe0 | BPF_FETCH, BPF_CMPXCHG = 0xf0 | BPF_FETCH;
    public static final int BPF_LOAD_ACQ = 0x100, BPF_STORE_REL = 0x110;

    // src_reg of BPF_LD | BPF_IMM | BPF_DW (ld_imm64)
    public static final int BPF_PSEUDO_MAP_FD = 1, BPF_PSEUDO_MAP_VALUE = 2, BPF_PSEUDO_BTF_ID = 3,
            BPF_PSEUDO_FUNC = 4, BPF_PSEUDO_MAP_IDX = 5, BPF_PSEUDO_MAP_IDX_VALUE = 6;

    // src_reg of BPF_JMP | BPF_CALL
    public static final int BPF_HELPER_CALL = 0, BPF_PSEUDO_CALL = 1, BPF_PSEUDO_KFUNC_CALL = 2;

    /** The opcode of the first slot of ld_imm64. */
    public static final int LD_IMM64 = BPF_LD | BPF_IMM | BPF_DW;

    public static int cls(int opcode) { return opcode & 0x07; }
    public static int op(int opcode) { return opcode & 0xf0; }
    public static int source(int opcode) { return opcode & 0x08; }
    public static int size(int opcode) { return opcode & 0x18; }
    public static int mode(int opcode) { return opcode & 0xe0; }

    /** Bytes moved by a load/store of the given size field. */
    public static int sizeBytes(int opcode) {
        return switch (size(opcode)) {
            case BPF_W -> 4;
            case BPF_H -> 2;
            case BPF_B -> 1;
            default -> 8;
        };
    }

    public static boolean isAlu(int opcode) { int c = cls(opcode); return c == BPF_ALU || c == BPF_ALU64; }
    public static boolean isJmp(int opcode) { int c = cls(opcode); return c == BPF_JMP || c == BPF_JMP32; }
}
