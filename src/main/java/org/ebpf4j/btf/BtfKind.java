package org.ebpf4j.btf;

/**
 * BTF_KIND_* numbers of {@code include/uapi/linux/btf.h}; the kind is bits 24..28 of
 * {@code btf_type.info}.
 */
public final class BtfKind {
    private BtfKind() {}

    public static final int UNKN = 0;
    public static final int INT = 1;
    public static final int PTR = 2;
    public static final int ARRAY = 3;
    public static final int STRUCT = 4;
    public static final int UNION = 5;
    public static final int ENUM = 6;
    public static final int FWD = 7;
    public static final int TYPEDEF = 8;
    public static final int VOLATILE = 9;
    public static final int CONST = 10;
    public static final int RESTRICT = 11;
    public static final int FUNC = 12;
    public static final int FUNC_PROTO = 13;
    public static final int VAR = 14;
    public static final int DATASEC = 15;
    public static final int FLOAT = 16;
    public static final int DECL_TAG = 17;
    public static final int TYPE_TAG = 18;
    public static final int ENUM64 = 19;
    public static final int MAX = ENUM64;

    private static final String[] NAMES = {"UNKN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM",
        "FWD", "TYPEDEF", "VOLATILE", "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC",
        "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64"};

    /** The kernel's name of a kind ({@code btf_kind_str}), or "UNKNOWN(n)". */
    public static String name(int kind) {
        return kind >= 0 && kind <= MAX ? NAMES[kind] : "UNKNOWN(" + kind + ")";
    }

    /** BTF_INT_SIGNED, BTF_INT_CHAR, BTF_INT_BOOL: bits of an INT's encoding. */
    public static final int INT_SIGNED = 1;
    public static final int INT_CHAR = 2;
    public static final int INT_BOOL = 4;

    /** Linkage of FUNC and VAR ({@code enum btf_func_linkage}, {@code BTF_VAR_*}). */
    public static final int LINKAGE_STATIC = 0;
    public static final int LINKAGE_GLOBAL = 1;
    public static final int LINKAGE_EXTERN = 2;
}
