package org.ebpf4j.btf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One parsed, immutable {@code .BTF} section: the type graph of an object file or of a kernel.
 * Lookups and size computations follow libbpf ({@code tools/lib/bpf/btf.c}: {@code btf__type_by_id},
 * {@code btf__find_by_name_kind}, {@code btf__resolve_size}, {@code btf__resolve_type}).
 * Corrupt input gives a {@link BtfFormatException} naming the byte offset, at parse time for
 * structure and references, at {@link #resolve}/{@link #sizeOf} time for loops and sizes.
 */
public final class Btf {
    /** libbpf's MAX_RESOLVE_DEPTH: longest typedef/modifier/array chain btf__resolve_size follows. */
    static final int MAX_RESOLVE_DEPTH = 32;
    /** Classpath resource holding the modelled kernel's BTF (built from src/main/btf/model-kernel.c). */
    public static final String MODEL_KERNEL_RESOURCE = "/org/ebpf4j/btf/model-kernel.btf";

    private final byte[] raw;
    private final List<BtfType> types;
    private final int[] offsets;
    private final SectionBytes bytes;
    private final long strStart;
    private final long strLen;
    private final Map<String, List<Integer>> byName;

    private Btf(byte[] raw, BtfParser p) {
        this.raw = raw;
        this.types = List.copyOf(p.types);
        this.offsets = p.offsets;
        this.bytes = new SectionBytes(".BTF", raw);
        this.strStart = p.strStart;
        this.strLen = p.strLen;
        Map<String, List<Integer>> index = new HashMap<>();
        for (BtfType t : types) {
            if (!t.name().isEmpty()) index.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(t.id());
        }
        this.byName = index;
    }

    /** Parses the bytes of a {@code .BTF} section (copied; later changes to the array do not matter). */
    public static Btf parse(byte[] sectionBytes) {
        byte[] copy = sectionBytes.clone();
        return new Btf(copy, BtfParser.parse(copy));
    }

    /**
     * The BTF of the kernel ebpf4j models (the structs programs may read with CO-RE: task_struct,
     * cgroup, sock, the UAPI contexts). A fresh instance per call; callers keep the one they need.
     */
    public static Btf modelKernel() {
        try (InputStream in = Btf.class.getResourceAsStream(MODEL_KERNEL_RESOURCE)) {
            if (in == null) throw new IllegalStateException("classpath resource " + MODEL_KERNEL_RESOURCE + " is missing");
            return parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + MODEL_KERNEL_RESOURCE, e);
        }
    }

    /** Number of types including void: valid ids are {@code 0 .. typeCount()-1}. */
    public int typeCount() { return types.size(); }

    /** The type with this id; id 0 is {@link BtfType.Void}. */
    public BtfType type(int id) {
        if (id < 0 || id >= types.size()) {
            throw new IllegalArgumentException("BTF type id " + Integer.toUnsignedString(id)
                    + " out of range (" + (types.size() - 1) + " types)");
        }
        return types.get(id);
    }

    /** All types in id order (index = id). */
    public List<BtfType> types() { return types; }

    /** The first type (lowest id) with this exact name that is an instance of {@code kind}. */
    public Optional<BtfType> findByName(String name, Class<? extends BtfType> kind) {
        for (int id : byName.getOrDefault(name, List.of())) {
            if (kind.isInstance(types.get(id))) return Optional.of(types.get(id));
        }
        return Optional.empty();
    }

    /** Ids of every type with this exact name, in id order. */
    public List<Integer> idsByName(String name) {
        return List.copyOf(byName.getOrDefault(name, List.of()));
    }

    /** The type reached from {@code id} through typedef/const/volatile/restrict/type_tag. */
    public BtfType resolve(int id) {
        return types.get(resolveId(id));
    }

    /** Like {@link #resolve} but returns the id (libbpf's {@code skip_mods_and_typedefs}). */
    public int resolveId(int id) {
        BtfType t = type(id);
        int steps = 0;
        while (t.isModifierOrTypedef()) {
            if (++steps > types.size()) {
                throw bytes.error(offsetOf(id), "type [" + id + "]: loop in typedef/modifier chain");
            }
            t = types.get(t.refType());
        }
        return t.id();
    }

    /**
     * The byte size of a type as {@code btf__resolve_size}: INT/FLOAT/ENUM/STRUCT/UNION/DATASEC
     * their size, PTR 8, ARRAY nelems × element size, TYPEDEF/modifiers/VAR/DECL_TAG their target.
     * VOID, FWD, FUNC and FUNC_PROTO have no size.
     */
    public long sizeOf(int id) {
        BtfType t = type(id);
        long nelems = 1;
        for (int depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
            long size;
            switch (t) {
                case BtfType.Int i -> size = i.size();
                case BtfType.Float f -> size = f.size();
                case BtfType.Composite c -> size = c.size();
                case BtfType.AnyEnum e -> size = e.size();
                case BtfType.DataSec d -> size = d.size();
                case BtfType.Ptr p -> size = 8;
                case BtfType.Array a -> {
                    if (a.nelems() != 0 && nelems > 0xffffffffL / a.nelems()) {
                        throw bytes.error(offsetOf(t.id()), "type [" + id + "]: array size overflows u32");
                    }
                    nelems *= a.nelems();
                    t = types.get(a.type());
                    continue;
                }
                case BtfType.Var v -> { t = types.get(v.type()); continue; }
                case BtfType.DeclTag d -> { t = types.get(d.type()); continue; }
                default -> {
                    if (t.isModifierOrTypedef()) { t = types.get(t.refType()); continue; }
                    throw bytes.error(offsetOf(t.id()), "type [" + id + "]: " + BtfKind.name(t.kind())
                            + (t.id() != id ? " [" + t.id() + "]" : "") + " has no size");
                }
            }
            if (nelems != 0 && size > 0xffffffffL / nelems) {
                throw bytes.error(offsetOf(t.id()), "type [" + id + "]: size overflows u32");
            }
            return nelems * size;
        }
        throw bytes.error(offsetOf(id), "type [" + id + "]: type chain deeper than " + MAX_RESOLVE_DEPTH + " (or a loop)");
    }

    /** A C declaration of the type in bpftool's {@code btf dump format c} style. */
    public String toC(int id) {
        return new BtfCWriter(this).definition(type(id));
    }

    /** The section bytes as parsed (a copy), for BPF_BTF_LOAD. */
    public byte[] raw() { return raw.clone(); }

    /** Byte offset of a type's record in the section (0 for void). */
    public int offsetOf(int id) {
        return id <= 0 || id >= types.size() ? 0 : offsets[id];
    }

    /** A string of the string section; {@code section}/{@code where} name the referring field. */
    String string(long off, String section, long where, String what) {
        if (off < 0 || off >= strLen) {
            throw new BtfFormatException(section, where, what + " string offset " + off
                    + " is outside the .BTF string section (" + strLen + " bytes)");
        }
        return bytes.string(strStart, strLen, off, where, what);
    }
}
