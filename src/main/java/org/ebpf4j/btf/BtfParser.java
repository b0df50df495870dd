package org.ebpf4j.btf;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a {@code .BTF} section: the header ({@code struct btf_header}), then the type records
 * one after another, then checks every type id reference. Models the structural checks of
 * {@code kernel/bpf/btf.c} ({@code btf_parse_hdr}, {@code btf_check_sec_info},
 * {@code btf_parse_str_sec}, the per-kind {@code check_meta} callbacks) and libbpf's
 * {@code btf_parse_type_sec}; semantic checks the verifier does at BTF_LOAD time
 * (name validity, member layout) are not repeated here.
 */
final class BtfParser {
    static final int MAGIC = 0xeB9F;
    static final int HEADER_LEN = 24;
    /** BTF_MAX_TYPE of include/linux/btf.h. */
    static final int MAX_TYPE = 0x000fffff;

    private final SectionBytes in;
    long typeStart, typeLen, strStart, strLen;
    final List<BtfType> types = new ArrayList<>();
    /** Section offset of each type's record (index = id; [0] unused). */
    int[] offsets = new int[16];

    private BtfParser(byte[] data) {
        this.in = new SectionBytes(".BTF", data);
    }

    static BtfParser parse(byte[] data) {
        BtfParser p = new BtfParser(data);
        p.parseHeader();
        p.parseTypes();
        p.checkReferences();
        return p;
    }

    private void parseHeader() {
        if (in.length() < 8) throw in.error(0, "section of " + in.length() + " bytes is too short for a btf_header");
        int magic = in.u16(0);
        if (magic == 0x9FEB) throw in.error(0, "big-endian BTF is not supported");
        if (magic != MAGIC) throw in.error(0, "bad magic 0x" + Integer.toHexString(magic) + " (expected 0xeb9f)");
        if (in.u8(2) != 1) throw in.error(2, "unsupported version " + in.u8(2));
        if (in.u8(3) != 0) throw in.error(3, "unsupported flags 0x" + Integer.toHexString(in.u8(3)));
        long hdrLen = in.u32(4);
        if (hdrLen < HEADER_LEN) throw in.error(4, "hdr_len " + hdrLen + " is smaller than btf_header (24)");
        if (hdrLen > in.length()) throw in.error(4, "hdr_len " + hdrLen + " exceeds section size " + in.length());
        if (!in.allZero(HEADER_LEN, (int) hdrLen)) throw in.error(HEADER_LEN, "unsupported non-zero bytes in btf_header tail");
        long typeOff = in.u32(8);
        typeLen = in.u32(12);
        long strOff = in.u32(16);
        strLen = in.u32(20);
        long dataLen = in.length() - hdrLen;
        if (typeOff % 4 != 0) throw in.error(8, "type_off " + typeOff + " is not 4-byte aligned");
        if (typeOff > dataLen || typeLen > dataLen - typeOff) {
            throw in.error(8, "type section [" + typeOff + ", +" + typeLen + ") runs past the end (" + dataLen + " bytes after header)");
        }
        if (strOff > dataLen || strLen > dataLen - strOff) {
            throw in.error(16, "string section [" + strOff + ", +" + strLen + ") runs past the end (" + dataLen + " bytes after header)");
        }
        if (typeOff < strOff ? typeOff + typeLen > strOff : strOff + strLen > typeOff) {
            throw in.error(8, "type and string sections overlap");
        }
        typeStart = hdrLen + typeOff;
        strStart = hdrLen + strOff;
        if (strLen == 0) throw in.error(16, "empty string section");
        if (in.u8(strStart) != 0) throw in.error(strStart, "string section does not start with NUL");
        if (in.u8(strStart + strLen - 1) != 0) throw in.error(strStart + strLen - 1, "string section is not NUL-terminated");
    }

    private String name(long nameOff, long where, String what) {
        return in.string(strStart, strLen, nameOff, where, what);
    }

    private void parseTypes() {
        types.add(new BtfType.Void());
        long p = typeStart;
        long end = typeStart + typeLen;
        while (p < end) {
            int id = types.size();
            if (id > MAX_TYPE) throw in.error(p, "more than " + MAX_TYPE + " types");
            if (end - p < 12) throw in.error(p, "type [" + id + "]: truncated btf_type (" + (end - p) + " bytes left)");
            long info = in.u32(p + 4);
            int kind = (int) (info >>> 24) & 0x1f;
            int vlen = (int) (info & 0xffff);
            boolean kflag = (info & 0x80000000L) != 0;
            if ((info & 0x60ff0000L) != 0) throw in.error(p + 4, "type [" + id + "]: unused bits set in info 0x" + Long.toHexString(info));
            long extra = extraSize(p, id, kind, vlen);
            if (extra > end - p - 12) {
                throw in.error(p, "type [" + id + "] " + BtfKind.name(kind) + " with vlen " + vlen + " needs "
                        + (12 + extra) + " bytes, only " + (end - p) + " left in the type section");
            }
            if (id >= offsets.length) offsets = java.util.Arrays.copyOf(offsets, offsets.length * 2);
            offsets[id] = (int) p;
            types.add(decode(p, id, kind, vlen, kflag));
            p += 12 + extra;
        }
    }

    /** Bytes following the 12-byte btf_type for this kind (btf_type_size()). */
    private long extraSize(long p, int id, int kind, int vlen) {
        return switch (kind) {
            case BtfKind.INT -> 4;
            case BtfKind.ARRAY -> 12;
            case BtfKind.STRUCT, BtfKind.UNION, BtfKind.DATASEC, BtfKind.ENUM64 -> 12L * vlen;
            case BtfKind.ENUM, BtfKind.FUNC_PROTO -> 8L * vlen;
            case BtfKind.VAR, BtfKind.DECL_TAG -> 4;
            case BtfKind.PTR, BtfKind.FWD, BtfKind.TYPEDEF, BtfKind.VOLATILE, BtfKind.CONST,
                 BtfKind.RESTRICT, BtfKind.FUNC, BtfKind.FLOAT, BtfKind.TYPE_TAG -> 0;
            default -> throw in.error(p + 4, "type [" + id + "]: unknown kind " + kind);
        };
    }

    private void noVlen(long p, int id, int kind, int vlen) {
        if (vlen != 0) throw in.error(p + 4, "type [" + id + "] " + BtfKind.name(kind) + ": vlen " + vlen + " must be 0");
    }

    private void noKflag(long p, int id, int kind, boolean kflag) {
        if (kflag) throw in.error(p + 4, "type [" + id + "] " + BtfKind.name(kind) + ": kind_flag must be 0");
    }

    private BtfType decode(long p, int id, int kind, int vlen, boolean kflag) {
        String what = "type [" + id + "] " + BtfKind.name(kind);
        String name = name(in.u32(p), p, what);
        long sizeType = in.u32(p + 8);
        int ref = (int) sizeType;
        long x = p + 12;
        switch (kind) {
            case BtfKind.INT -> {
                noVlen(p, id, kind, vlen);
                noKflag(p, id, kind, kflag);
                long v = in.u32(x);
                int enc = (int) (v >>> 24) & 0x0f;
                int off = (int) (v >>> 16) & 0xff;
                int bits = (int) v & 0xff;
                if ((v & 0xf000ff00L) != 0) throw in.error(x, what + ": unused bits set in int data");
                if (sizeType != 1 && sizeType != 2 && sizeType != 4 && sizeType != 8 && sizeType != 16) {
                    throw in.error(p + 8, what + ": invalid size " + sizeType);
                }
                if (bits > 128 || off + bits > sizeType * 8) throw in.error(x, what + ": bits_offset " + off + " + nr_bits " + bits + " exceed size " + sizeType);
                if (Integer.bitCount(enc) > 1) throw in.error(x, what + ": unsupported encoding 0x" + Integer.toHexString(enc));
                return new BtfType.Int(id, name, (int) sizeType, enc, off, bits);
            }
            case BtfKind.PTR, BtfKind.VOLATILE, BtfKind.CONST, BtfKind.RESTRICT -> {
                noVlen(p, id, kind, vlen);
                noKflag(p, id, kind, kflag);
                return switch (kind) {
                    case BtfKind.PTR -> new BtfType.Ptr(id, ref);
                    case BtfKind.VOLATILE -> new BtfType.Volatile(id, ref);
                    case BtfKind.CONST -> new BtfType.Const(id, ref);
                    default -> new BtfType.Restrict(id, ref);
                };
            }
            case BtfKind.TYPEDEF -> {
                noVlen(p, id, kind, vlen);
                noKflag(p, id, kind, kflag);
                return new BtfType.Typedef(id, name, ref);
            }
            case BtfKind.TYPE_TAG -> {
                noVlen(p, id, kind, vlen);
                return new BtfType.TypeTag(id, name, ref);
            }
            case BtfKind.ARRAY -> {
                noVlen(p, id, kind, vlen);
                noKflag(p, id, kind, kflag);
                if (sizeType != 0) throw in.error(p + 8, what + ": size " + sizeType + " must be 0");
                return new BtfType.Array(id, in.s32(x), in.s32(x + 4), in.u32(x + 8));
            }
            case BtfKind.STRUCT, BtfKind.UNION -> {
                List<BtfType.Member> members = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, x += 12) {
                    String mname = name(in.u32(x), x, what + " member " + i);
                    long off = in.u32(x + 8);
                    long bitOff = kflag ? off & 0xffffff : off;
                    int bitfield = kflag ? (int) (off >>> 24) : 0;
                    members.add(new BtfType.Member(mname, in.s32(x + 4), bitOff, bitfield));
                }
                return kind == BtfKind.STRUCT ? new BtfType.Struct(id, name, sizeType, members)
                        : new BtfType.Union(id, name, sizeType, members);
            }
            case BtfKind.ENUM, BtfKind.ENUM64 -> {
                if (sizeType != 1 && sizeType != 2 && sizeType != 4 && sizeType != 8) {
                    throw in.error(p + 8, what + ": invalid size " + sizeType);
                }
                List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                int rec = kind == BtfKind.ENUM ? 8 : 12;
                for (int i = 0; i < vlen; i++, x += rec) {
                    String vname = name(in.u32(x), x, what + " enumerator " + i);
                    long v;
                    if (kind == BtfKind.ENUM) {
                        int raw = in.s32(x + 4);
                        v = kflag ? raw : raw & 0xffffffffL;
                    } else {
                        v = in.u32(x + 4) | in.u32(x + 8) << 32;
                    }
                    values.add(new BtfType.EnumValue(vname, v));
                }
                return kind == BtfKind.ENUM ? new BtfType.Enum(id, name, sizeType, kflag, values)
                        : new BtfType.Enum64(id, name, sizeType, kflag, values);
            }
            case BtfKind.FWD -> {
                noVlen(p, id, kind, vlen);
                return new BtfType.Fwd(id, name, kflag);
            }
            case BtfKind.FUNC -> {
                noKflag(p, id, kind, kflag);
                if (vlen > BtfKind.LINKAGE_EXTERN) throw in.error(p + 4, what + ": invalid linkage " + vlen);
                return new BtfType.Func(id, name, ref, vlen);
            }
            case BtfKind.FUNC_PROTO -> {
                noKflag(p, id, kind, kflag);
                List<BtfType.Param> params = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, x += 8) {
                    params.add(new BtfType.Param(name(in.u32(x), x, what + " param " + i), in.s32(x + 4)));
                }
                return new BtfType.FuncProto(id, ref, params);
            }
            case BtfKind.VAR -> {
                noVlen(p, id, kind, vlen);
                noKflag(p, id, kind, kflag);
                long linkage = in.u32(x);
                if (linkage > BtfKind.LINKAGE_EXTERN) throw in.error(x, what + ": invalid linkage " + linkage);
                return new BtfType.Var(id, name, ref, (int) linkage);
            }
            case BtfKind.DATASEC -> {
                noKflag(p, id, kind, kflag);
                List<BtfType.VarSecInfo> vars = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++, x += 12) {
                    vars.add(new BtfType.VarSecInfo(in.s32(x), in.u32(x + 4), in.u32(x + 8)));
                }
                return new BtfType.DataSec(id, name, sizeType, vars);
            }
            case BtfKind.FLOAT -> {
                noVlen(p, id, kind, vlen);
                noKflag(p, id, kind, kflag);
                if (sizeType != 2 && sizeType != 4 && sizeType != 8 && sizeType != 12 && sizeType != 16) {
                    throw in.error(p + 8, what + ": invalid size " + sizeType);
                }
                return new BtfType.Float(id, name, (int) sizeType);
            }
            case BtfKind.DECL_TAG -> {
                noVlen(p, id, kind, vlen);
                int component = in.s32(x);
                if (component < -1) throw in.error(x, what + ": invalid component_idx " + component);
                return new BtfType.DeclTag(id, name, ref, component);
            }
            default -> throw in.error(p + 4, "type [" + id + "]: unknown kind " + kind);
        }
    }

    /** Every type id a type names must exist; a few kinds must point at a specific kind. */
    private void checkReferences() {
        int n = types.size();
        for (int id = 1; id < n; id++) {
            BtfType t = types.get(id);
            long p = offsets[id];
            switch (t) {
                case BtfType.Array a -> {
                    ref(p + 12, id, a.type(), "element type");
                    ref(p + 16, id, a.indexType(), "index type");
                }
                case BtfType.Composite c -> {
                    for (int i = 0; i < c.members().size(); i++) {
                        BtfType.Member m = c.members().get(i);
                        ref(p + 12 + 12L * i + 4, id, m.type(), "member '" + m.name() + "' type");
                    }
                }
                case BtfType.FuncProto fp -> {
                    ref(p + 8, id, fp.ret(), "return type");
                    for (int i = 0; i < fp.params().size(); i++) {
                        ref(p + 12 + 8L * i + 4, id, fp.params().get(i).type(), "param " + i + " type");
                    }
                }
                case BtfType.DataSec ds -> {
                    for (int i = 0; i < ds.vars().size(); i++) {
                        BtfType.VarSecInfo v = ds.vars().get(i);
                        long at = p + 12 + 12L * i;
                        ref(at, id, v.type(), "var " + i);
                        int k = types.get(v.type()).kind();
                        if (k != BtfKind.VAR && k != BtfKind.FUNC) throw in.error(at, "type [" + id + "] DATASEC var " + i + " is " + BtfKind.name(k) + ", not VAR or FUNC");
                        if (ds.size() > 0 && (v.offset() > ds.size() || v.size() > ds.size() - v.offset())) {
                            throw in.error(at + 4, "type [" + id + "] DATASEC var " + i + " [" + v.offset() + ", +" + v.size() + ") exceeds section size " + ds.size());
                        }
                    }
                }
                case BtfType.Func f -> {
                    ref(p + 8, id, f.type(), "prototype");
                    if (types.get(f.type()).kind() != BtfKind.FUNC_PROTO) throw in.error(p + 8, "type [" + id + "] FUNC '" + f.name() + "' does not point at a FUNC_PROTO");
                }
                case BtfType.Ptr r -> ref(p + 8, id, r.type(), "referenced type");
                case BtfType.Var r -> ref(p + 8, id, r.type(), "referenced type");
                case BtfType.DeclTag r -> {
                    ref(p + 8, id, r.type(), "referenced type");
                    checkComponent(p, id, r);
                }
                default -> {
                    if (t.isModifierOrTypedef()) ref(p + 8, id, t.refType(), "referenced type");
                }
            }
        }
    }

    /** A decl tag on a member or parameter must name one that exists (kernel btf_decl_tag_resolve). */
    private void checkComponent(long p, int id, BtfType.DeclTag tag) {
        if (tag.componentIdx() < 0) return;
        BtfType target = types.get(tag.type());
        int count = switch (target) {
            case BtfType.Composite c -> c.members().size();
            case BtfType.Func f when f.type() >= 0 && f.type() < types.size()
                    && types.get(f.type()) instanceof BtfType.FuncProto fp -> fp.params().size();
            default -> 0;
        };
        if (tag.componentIdx() >= count) {
            throw in.error(p + 12, "type [" + id + "] DECL_TAG component_idx " + tag.componentIdx() + " out of range for "
                    + BtfKind.name(target.kind()) + " [" + target.id() + "]");
        }
    }

    private void ref(long at, int id, int target, String what) {
        if (target < 0 || target >= types.size()) {
            throw in.error(at, "type [" + id + "] " + what + " id " + Integer.toUnsignedString(target)
                    + " out of range (" + (types.size() - 1) + " types)");
        }
    }
}
