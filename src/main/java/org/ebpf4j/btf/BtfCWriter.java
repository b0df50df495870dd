package org.ebpf4j.btf;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Prints one BTF type as a C definition the way {@code bpftool btf dump format c} does for a
 * top-level type (libbpf {@code tools/lib/bpf/btf_dump.c}: {@code btf_dump_emit_type_decl},
 * {@code btf_dump_emit_type_chain}, {@code btf_dump_emit_struct_def}, bit padding and packed
 * detection). Anonymous structs, unions and enums are inlined; named ones are referenced.
 * Unlike btf_dump, no global name de-duplication ({@code ___N} suffixes) is done, since a single
 * type is printed without the rest of the file.
 */
final class BtfCWriter {
    private static final int PTR_SIZE = 8;
    private final Btf btf;
    private final StringBuilder out = new StringBuilder();
    /** Nesting of declarations being printed; corrupt BTF can make a type contain itself. */
    private int depth;
    private static final int MAX_DEPTH = 64;
    /** Corrupt BTF can make inlined anonymous types blow up exponentially; real ones stay far below. */
    private static final int MAX_OUTPUT = 1 << 20;
    private final java.util.Map<Integer, Integer> alignCache = new java.util.HashMap<>();

    BtfCWriter(Btf btf) {
        this.btf = btf;
    }

    /** The definition of a named type as bpftool emits it at top level (without the trailing ";"). */
    String definition(BtfType t) {
        switch (t) {
            case BtfType.Composite c -> structDef(c, 0);
            case BtfType.AnyEnum e -> enumDef(e, 0);
            case BtfType.Typedef td -> {
                out.append("typedef ");
                typeDecl(td.type(), td.name(), 0);
            }
            case BtfType.Fwd f -> out.append(f.union() ? "union " : "struct ").append(f.name());
            case BtfType.Func f -> typeDecl(f.type(), f.name(), 0);
            case BtfType.Var v -> {
                if (v.linkage() == BtfKind.LINKAGE_STATIC) out.append("static ");
                else if (v.linkage() == BtfKind.LINKAGE_EXTERN) out.append("extern ");
                typeDecl(v.type(), v.name(), 0);
            }
            case BtfType.DataSec d -> out.append("SEC(\"").append(d.name()).append("\")");
            case BtfType.DeclTag d -> out.append("__attribute__((btf_decl_tag(\"").append(d.name()).append("\")))");
            default -> typeDecl(t.id(), "", 0);
        }
        return out.toString();
    }

    private static String pfx(int lvl) {
        return "\t".repeat(Math.min(lvl, 24));
    }

    private void structDef(BtfType.Composite t, int lvl) {
        boolean isStruct = t instanceof BtfType.Struct;
        int align = alignOf(t.id());
        boolean packed = isStruct && isPacked(t);
        out.append(isStruct ? "struct" : "union").append(t.name().isEmpty() ? "" : " ").append(t.name()).append(" {");
        long off = 0;
        boolean prevBitfield = false;
        for (BtfType.Member m : t.members()) {
            checkOutputSize(t.id());
            int mSz = m.bitfieldSize();
            long mOff = m.bitOffset();
            int mAlign = packed ? 1 : alignOf(m.type());
            boolean inBitfield = prevBitfield && mSz != 0;
            bitPadding(off, mOff, mAlign, inBitfield, lvl + 1);
            out.append('\n').append(pfx(lvl + 1));
            typeDecl(m.type(), m.name(), lvl + 1);
            if (mSz != 0) {
                out.append(": ").append(mSz);
                off = mOff + mSz;
                prevBitfield = true;
            } else {
                off = mOff + sizeOrZero(m.type()) * 8;
                prevBitfield = false;
            }
            out.append(';');
        }
        if (isStruct) bitPadding(off, t.size() * 8, align, false, lvl + 1);
        if (!t.members().isEmpty() || t.size() != 0) out.append('\n').append(pfx(lvl)).append('}');
        else out.append('}');
        if (packed) out.append(" __attribute__((packed))");
    }

    private long sizeOrZero(int id) {
        try {
            return btf.sizeOf(id);
        } catch (BtfFormatException e) {
            return 0;
        }
    }

    /** {@code btf__align_of}: natural alignment, 1 for a composite whose layout proves it packed. */
    int alignOf(int id) {
        return alignOf(id, 0);
    }

    private int alignOf(int id, int depth) {
        if (depth > Btf.MAX_RESOLVE_DEPTH) return 1;
        Integer cached = alignCache.get(id);
        if (cached != null) return cached;
        int a = computeAlignOf(id, depth);
        alignCache.put(id, a);
        return a;
    }

    private int computeAlignOf(int id, int depth) {
        BtfType t = btf.type(id);
        switch (t) {
            case BtfType.Int i -> { return (int) Math.min(PTR_SIZE, i.size()); }
            case BtfType.Float f -> { return Math.min(PTR_SIZE, f.size()); }
            case BtfType.AnyEnum e -> { return (int) Math.min(PTR_SIZE, e.size()); }
            case BtfType.Ptr p -> { return PTR_SIZE; }
            case BtfType.Array a -> { return alignOf(a.type(), depth + 1); }
            case BtfType.Composite c -> {
                int max = 1;
                for (BtfType.Member m : c.members()) {
                    int a = alignOf(m.type(), depth + 1);
                    if (a <= 0) return 1;
                    max = Math.max(max, a);
                    if (m.bitfieldSize() == 0 && m.bitOffset() % (8L * a) != 0) return 1;
                }
                return c.size() % max != 0 ? 1 : max;
            }
            default -> {
                if (t.isModifierOrTypedef()) return alignOf(t.refType(), depth + 1);
                return 0;
            }
        }
    }

    /** {@code btf_is_struct_packed}: some non-bitfield member is misaligned, or the size is. */
    private boolean isPacked(BtfType.Composite t) {
        int align = alignOf(t.id());
        if (align != 0 && t.size() % align != 0) return true;
        for (BtfType.Member m : t.members()) {
            int a = alignOf(m.type());
            if (a != 0 && m.bitfieldSize() == 0 && m.bitOffset() % (8L * a) != 0) return true;
        }
        return false;
    }

    private void bitPadding(long curOff, long nextOff, int nextAlign, boolean inBitfield, int lvl) {
        if (curOff >= nextOff) return;
        String[] names = {"long", "int", "short", "char"};
        int[] bitsOf = {PTR_SIZE * 8, 32, 16, 8};
        long newOff = 0;
        int padBits = 0;
        String padType = null;
        for (int i = 0; i < names.length; i++) {
            padBits = bitsOf[i];
            padType = names[i];
            newOff = roundUp(curOff, padBits);
            if (newOff <= nextOff) break;
        }
        if (newOff > curOff && newOff <= nextOff) {
            if (inBitfield || (newOff == nextOff && roundUp(curOff, nextAlign * 8L) != newOff)
                    || (newOff != nextOff && nextOff - newOff <= newOff - curOff)) {
                out.append('\n').append(pfx(lvl)).append(padType).append(": ").append(inBitfield ? newOff - curOff : 0).append(';');
            }
            curOff = newOff;
        }
        while (curOff != nextOff) {
            checkOutputSize(-1);
            long bits = Math.min(nextOff - curOff, padBits);
            if (bits == padBits) {
                out.append('\n').append(pfx(lvl)).append(padType).append(": ").append(padBits).append(';');
                curOff += bits;
                continue;
            }
            for (int i = names.length - 1; i >= 0; i--) {
                padType = names[i];
                padBits = bitsOf[i];
                if (padBits < bits) continue;
                out.append('\n').append(pfx(lvl)).append(padType).append(": ").append(bits).append(';');
                curOff += bits;
                break;
            }
        }
    }

    /** Corrupt sizes and offsets could otherwise ask for gigabytes of padding or nesting. */
    private void checkOutputSize(int id) {
        if (out.length() > MAX_OUTPUT) {
            throw new BtfFormatException(".BTF", btf.offsetOf(id), (id >= 0 ? "type [" + id + "]: " : "")
                    + "C declaration exceeds " + MAX_OUTPUT + " characters");
        }
    }

    private static long roundUp(long x, long to) {
        return to <= 0 ? x : (x + to - 1) / to * to;
    }

    private void enumDef(BtfType.AnyEnum e, int lvl) {
        out.append("enum").append(e.name().isEmpty() ? "" : " ").append(e.name());
        if (e.values().isEmpty()) return;
        out.append(" {");
        boolean is64 = e instanceof BtfType.Enum64;
        for (BtfType.EnumValue v : e.values()) {
            out.append('\n').append(pfx(lvl + 1)).append(v.name()).append(" = ");
            if (is64) {
                out.append(e.signed() ? Long.toString(v.value()) + "LL" : Long.toUnsignedString(v.value()) + "ULL");
            } else {
                out.append(e.signed() ? Integer.toString((int) v.value()) : Long.toString(v.value() & 0xffffffffL));
            }
            out.append(',');
        }
        out.append('\n').append(pfx(lvl)).append('}');
    }

    /** {@code btf_dump_emit_type_decl}: push the chain down to a terminal type, then print it. */
    private void typeDecl(int id, String fname, int lvl) {
        checkOutputSize(id);
        if (++depth > MAX_DEPTH) {
            throw new BtfFormatException(".BTF", btf.offsetOf(id), "type [" + id + "]: declaration nested deeper than "
                    + MAX_DEPTH + " (a type containing itself?)");
        }
        Deque<Integer> decls = new ArrayDeque<>();
        for (int steps = 0; ; steps++) {
            if (steps > btf.typeCount()) throw loop(id);
            decls.push(id);
            if (id == 0) break;
            BtfType t = btf.type(id);
            if (t instanceof BtfType.Ptr || t instanceof BtfType.FuncProto || t.isModifierOrTypedef() && !(t instanceof BtfType.Typedef)) {
                id = t instanceof BtfType.FuncProto fp ? fp.ret() : t.refType();
            } else if (t instanceof BtfType.Array a) {
                id = a.type();
            } else {
                break;
            }
        }
        typeChain(decls, fname, lvl);
        depth--;
    }

    private BtfFormatException loop(int id) {
        return new BtfFormatException(".BTF", btf.offsetOf(id), "type [" + id + "]: loop in declaration chain");
    }

    private void emitMods(Deque<Integer> decls) {
        while (!decls.isEmpty()) {
            switch (btf.type(decls.peek())) {
                case BtfType.Volatile v -> out.append("volatile ");
                case BtfType.Const c -> out.append("const ");
                case BtfType.Restrict r -> out.append("restrict ");
                default -> { return; }
            }
            decls.pop();
        }
    }

    private void dropMods(Deque<Integer> decls) {
        while (!decls.isEmpty()) {
            BtfType t = btf.type(decls.peek());
            if (!(t instanceof BtfType.Volatile || t instanceof BtfType.Const || t instanceof BtfType.Restrict
                    || t instanceof BtfType.TypeTag)) return;
            decls.pop();
        }
    }

    private void emitName(String name, boolean lastWasPtr) {
        if (!name.isEmpty() && !lastWasPtr) out.append(' ');
        out.append(name);
    }

    /** {@code btf_dump_emit_type_chain}: the stack top is the terminal type; pointers and arrays wrap it. */
    private void typeChain(Deque<Integer> decls, String fname, int lvl) {
        boolean lastWasPtr = true;
        while (!decls.isEmpty()) {
            int id = decls.pop();
            if (id == 0) {
                emitMods(decls);
                out.append("void");
                lastWasPtr = false;
                continue;
            }
            BtfType t = btf.type(id);
            switch (t) {
                case BtfType.Int i -> { emitMods(decls); out.append(i.name()); }
                case BtfType.Float f -> { emitMods(decls); out.append(f.name()); }
                case BtfType.Composite c -> {
                    emitMods(decls);
                    if (c.name().isEmpty()) structDef(c, lvl);
                    else out.append(c instanceof BtfType.Struct ? "struct " : "union ").append(c.name());
                }
                case BtfType.AnyEnum e -> {
                    emitMods(decls);
                    if (e.name().isEmpty()) enumDef(e, lvl);
                    else out.append("enum ").append(e.name());
                }
                case BtfType.Fwd f -> { emitMods(decls); out.append(f.union() ? "union " : "struct ").append(f.name()); }
                case BtfType.Typedef td -> { emitMods(decls); out.append(td.name()); }
                case BtfType.Ptr p -> out.append(lastWasPtr ? "*" : " *");
                case BtfType.Volatile v -> out.append(" volatile");
                case BtfType.Const c -> out.append(" const");
                case BtfType.Restrict r -> out.append(" restrict");
                case BtfType.TypeTag tt -> {
                    emitMods(decls);
                    out.append(" __attribute__((btf_type_tag(\"").append(tt.name()).append("\")))");
                }
                case BtfType.Array a -> {
                    dropMods(decls);
                    if (decls.isEmpty()) {
                        emitName(fname, lastWasPtr);
                        out.append('[').append(a.nelems()).append(']');
                        return;
                    }
                    boolean multidim = btf.type(decls.peek()) instanceof BtfType.Array;
                    if (!fname.isEmpty() && !lastWasPtr) out.append(' ');
                    if (!multidim) out.append('(');
                    typeChain(decls, fname, lvl);
                    if (!multidim) out.append(')');
                    out.append('[').append(a.nelems()).append(']');
                    return;
                }
                case BtfType.FuncProto fp -> {
                    dropMods(decls);
                    if (!decls.isEmpty()) {
                        out.append(" (");
                        typeChain(decls, fname, lvl);
                        out.append(')');
                    } else {
                        emitName(fname, lastWasPtr);
                    }
                    out.append('(');
                    var params = fp.params();
                    if (params.isEmpty() || params.size() == 1 && params.getFirst().type() == 0) {
                        out.append("void)");
                        return;
                    }
                    for (int i = 0; i < params.size(); i++) {
                        if (i > 0) out.append(", ");
                        if (i == params.size() - 1 && params.get(i).type() == 0) {
                            out.append("...");
                            break;
                        }
                        typeDecl(params.get(i).type(), params.get(i).name(), lvl);
                    }
                    out.append(')');
                    return;
                }
                default -> {
                    // DATASEC/VAR/FUNC/DECL_TAG cannot appear inside a declaration chain.
                    out.append("/* unexpected ").append(BtfKind.name(t.kind())).append(" [").append(id).append("] */");
                }
            }
            lastWasPtr = t instanceof BtfType.Ptr;
        }
        emitName(fname, lastWasPtr);
    }
}
