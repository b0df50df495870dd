package org.ebpf4j.btf;

/**
 * {@code enum bpf_core_relo_kind} of {@code include/uapi/linux/bpf.h}, in number order.
 * libbpf's {@code relo_core.c} groups them into field-, type- and enumval-based kinds.
 */
public enum CoreReloKind {
    FIELD_BYTE_OFFSET, FIELD_BYTE_SIZE, FIELD_EXISTS, FIELD_SIGNED, FIELD_LSHIFT_U64,
    FIELD_RSHIFT_U64, TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE, ENUMVAL_EXISTS,
    ENUMVAL_VALUE, TYPE_MATCHES;

    private static final CoreReloKind[] BY_NUMBER = values();

    /** The uapi number of this kind. */
    public int number() { return ordinal(); }

    /** The kind with this number, or null when the number is not a known kind. */
    public static CoreReloKind ofNumber(long n) {
        return n >= 0 && n < BY_NUMBER.length ? BY_NUMBER[(int) n] : null;
    }

    public boolean isFieldBased() { return ordinal() <= FIELD_RSHIFT_U64.ordinal(); }

    public boolean isTypeBased() {
        return this == TYPE_ID_LOCAL || this == TYPE_ID_TARGET || this == TYPE_EXISTS
                || this == TYPE_SIZE || this == TYPE_MATCHES;
    }

    public boolean isEnumvalBased() { return this == ENUMVAL_EXISTS || this == ENUMVAL_VALUE; }
}
