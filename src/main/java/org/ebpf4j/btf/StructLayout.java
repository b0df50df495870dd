package org.ebpf4j.btf;

/**
 * Byte offsets of named struct fields in a {@link Btf}, for code that lays out kernel structs in
 * memory exactly where a CO-RE-relocated program will look for them (the model kernel's mirrors
 * of {@code task_struct}, {@code cgroup} ...). Paths are dotted member names ({@code "self.id"}
 * for {@code cgroup->self.id}); anonymous struct/union members are searched through, as
 * {@code btf_struct_access} does. A missing struct or field is an {@link IllegalStateException}
 * naming both: the model kernel's BTF and the Java code that mirrors it are out of step.
 */
public final class StructLayout {
    private final Btf btf;
    private final BtfType.Struct struct;

    private StructLayout(Btf btf, BtfType.Struct struct) {
        this.btf = btf;
        this.struct = struct;
    }

    /** The struct called {@code name} in {@code btf}. */
    public static StructLayout of(Btf btf, String name) {
        BtfType t = btf.findByName(name, BtfType.Struct.class)
                .orElseThrow(() -> new IllegalStateException("BTF has no struct " + name));
        return new StructLayout(btf, (BtfType.Struct) t);
    }

    public String name() { return struct.name(); }

    /** {@code sizeof(struct name)}. */
    public int size() { return (int) struct.size(); }

    /** The byte offset of {@code path} (dotted member names) from the start of the struct. */
    public int offset(String path) {
        BtfType.Composite c = struct;
        long bits = 0;
        String[] parts = path.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            long[] found = find(c, parts[i]);
            if (found == null) {
                throw new IllegalStateException("struct " + struct.name() + " has no field " + path);
            }
            bits += found[0];
            if (i + 1 < parts.length) {
                if (!(btf.resolve((int) found[1]) instanceof BtfType.Composite inner)) {
                    throw new IllegalStateException("struct " + struct.name() + ": " + parts[i] + " in " + path
                            + " is not a struct or union");
                }
                c = inner;
            }
        }
        if (bits % 8 != 0) {
            throw new IllegalStateException("struct " + struct.name() + ": " + path + " is a bitfield");
        }
        return (int) (bits / 8);
    }

    /** {bit offset, type id} of member {@code name} of {@code c}, looking into anonymous members; or null. */
    private long[] find(BtfType.Composite c, String name) {
        for (BtfType.Member m : c.members()) {
            if (m.name().equals(name)) {
                return new long[] {m.bitOffset(), m.type()};
            }
            if (m.name().isEmpty() && btf.resolve(m.type()) instanceof BtfType.Composite anon) {
                long[] inner = find(anon, name);
                if (inner != null) {
                    return new long[] {m.bitOffset() + inner[0], inner[1]};
                }
            }
        }
        return null;
    }

    /** The byte size of field {@code path}'s type (a flexible array member is 0). */
    public int fieldSize(String path) {
        BtfType.Composite c = struct;
        String[] parts = path.split("\\.");
        long[] found = null;
        for (String p : parts) {
            found = find(c, p);
            if (found == null) {
                throw new IllegalStateException("struct " + struct.name() + " has no field " + path);
            }
            if (btf.resolve((int) found[1]) instanceof BtfType.Composite inner) {
                c = inner;
            }
        }
        return (int) btf.sizeOf((int) found[1]);
    }
}
