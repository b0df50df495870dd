package org.ebpf4j.btf;

import java.util.List;

/**
 * One BTF type, decoded from a {@code struct btf_type} and its trailing data
 * ({@code include/uapi/linux/btf.h}). Ids are the type's position in the section (1-based; id 0 is
 * {@link Void}); references to other types are ids, resolved through the owning {@link Btf}.
 * Types with no name in BTF (pointers, modifiers, arrays, prototypes) report {@code ""}.
 */
public sealed interface BtfType {

    int id();

    String name();

    /** BTF_KIND_* number ({@link BtfKind}). */
    int kind();

    /** The single referenced type of PTR, TYPEDEF, modifiers, FUNC, VAR, DECL_TAG, TYPE_TAG; else -1. */
    default int refType() { return -1; }

    /** True for the kinds libbpf's {@code skip_mods_and_typedefs} walks through. */
    default boolean isModifierOrTypedef() { return false; }

    /** The void type, id 0. */
    record Void() implements BtfType {
        public int id() { return 0; }
        public String name() { return ""; }
        public int kind() { return BtfKind.UNKN; }
    }

    /** BTF_KIND_INT: {@code encoding} is BTF_INT_SIGNED|CHAR|BOOL, {@code bitOffset}/{@code bits} as in BTF_INT_OFFSET/BITS. */
    record Int(int id, String name, int size, int encoding, int bitOffset, int bits) implements BtfType {
        public int kind() { return BtfKind.INT; }
        public boolean signed() { return (encoding & BtfKind.INT_SIGNED) != 0; }
        public boolean isChar() { return (encoding & BtfKind.INT_CHAR) != 0; }
        public boolean isBool() { return (encoding & BtfKind.INT_BOOL) != 0; }
    }

    record Ptr(int id, int type) implements BtfType {
        public String name() { return ""; }
        public int kind() { return BtfKind.PTR; }
        public int refType() { return type; }
    }

    record Array(int id, int type, int indexType, long nelems) implements BtfType {
        public String name() { return ""; }
        public int kind() { return BtfKind.ARRAY; }
    }

    /**
     * A member of a struct or union. {@code bitOffset} is from the start of the composite;
     * {@code bitfieldSize} is 0 unless the composite has kind_flag set and the member is a bitfield.
     */
    record Member(String name, int type, long bitOffset, int bitfieldSize) {}

    /** STRUCT and UNION share this view so walkers need no duplicate branches. */
    sealed interface Composite extends BtfType permits Struct, Union {
        long size();
        List<Member> members();
    }

    record Struct(int id, String name, long size, List<Member> members) implements Composite {
        public Struct { members = List.copyOf(members); }
        public int kind() { return BtfKind.STRUCT; }
    }

    record Union(int id, String name, long size, List<Member> members) implements Composite {
        public Union { members = List.copyOf(members); }
        public int kind() { return BtfKind.UNION; }
    }

    /** One enumerator; for 32-bit enums the value is sign- or zero-extended per the enum's signedness. */
    record EnumValue(String name, long value) {}

    /** ENUM and ENUM64 share this view. */
    sealed interface AnyEnum extends BtfType permits Enum, Enum64 {
        long size();
        boolean signed();
        List<EnumValue> values();
    }

    /** BTF_KIND_ENUM; {@code signed} is the kind_flag. */
    record Enum(int id, String name, long size, boolean signed, List<EnumValue> values) implements AnyEnum {
        public Enum { values = List.copyOf(values); }
        public int kind() { return BtfKind.ENUM; }
    }

    record Enum64(int id, String name, long size, boolean signed, List<EnumValue> values) implements AnyEnum {
        public Enum64 { values = List.copyOf(values); }
        public int kind() { return BtfKind.ENUM64; }
    }

    /** BTF_KIND_FWD; {@code union} is the kind_flag (forward-declared union, else struct). */
    record Fwd(int id, String name, boolean union) implements BtfType {
        public int kind() { return BtfKind.FWD; }
    }

    record Typedef(int id, String name, int type) implements BtfType {
        public int kind() { return BtfKind.TYPEDEF; }
        public int refType() { return type; }
        public boolean isModifierOrTypedef() { return true; }
    }

    record Volatile(int id, int type) implements BtfType {
        public String name() { return ""; }
        public int kind() { return BtfKind.VOLATILE; }
        public int refType() { return type; }
        public boolean isModifierOrTypedef() { return true; }
    }

    record Const(int id, int type) implements BtfType {
        public String name() { return ""; }
        public int kind() { return BtfKind.CONST; }
        public int refType() { return type; }
        public boolean isModifierOrTypedef() { return true; }
    }

    record Restrict(int id, int type) implements BtfType {
        public String name() { return ""; }
        public int kind() { return BtfKind.RESTRICT; }
        public int refType() { return type; }
        public boolean isModifierOrTypedef() { return true; }
    }

    /** BTF_KIND_FUNC: {@code type} is its FUNC_PROTO, {@code linkage} is vlen (static/global/extern). */
    record Func(int id, String name, int type, int linkage) implements BtfType {
        public int kind() { return BtfKind.FUNC; }
        public int refType() { return type; }
    }

    /** A prototype parameter; a last parameter with name "" and type 0 means "...". */
    record Param(String name, int type) {}

    record FuncProto(int id, int ret, List<Param> params) implements BtfType {
        public FuncProto { params = List.copyOf(params); }
        public String name() { return ""; }
        public int kind() { return BtfKind.FUNC_PROTO; }
        public boolean variadic() {
            return !params.isEmpty() && params.getLast().type() == 0;
        }
    }

    record Var(int id, String name, int type, int linkage) implements BtfType {
        public int kind() { return BtfKind.VAR; }
        public int refType() { return type; }
    }

    /** One variable of a DATASEC: its VAR (or FUNC for ksyms) type, offset and size in the section. */
    record VarSecInfo(int type, long offset, long size) {}

    record DataSec(int id, String name, long size, List<VarSecInfo> vars) implements BtfType {
        public DataSec { vars = List.copyOf(vars); }
        public int kind() { return BtfKind.DATASEC; }
    }

    record Float(int id, String name, int size) implements BtfType {
        public int kind() { return BtfKind.FLOAT; }
    }

    /** BTF_KIND_DECL_TAG; {@code componentIdx} -1 tags the type itself, else a member/param index. */
    record DeclTag(int id, String name, int type, int componentIdx) implements BtfType {
        public int kind() { return BtfKind.DECL_TAG; }
        public int refType() { return type; }
    }

    record TypeTag(int id, String name, int type) implements BtfType {
        public int kind() { return BtfKind.TYPE_TAG; }
        public int refType() { return type; }
        public boolean isModifierOrTypedef() { return true; }
    }
}
