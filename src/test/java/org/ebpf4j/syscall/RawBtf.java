package org.ebpf4j.syscall;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tiny raw-BTF writer for syscall tests (include/uapi/linux/btf.h): ints, structs, pointers and tags.
 * Type ids are handed out in call order starting at 1.
 */
public final class RawBtf {
    private final ByteArrayOutputStream types = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private int next = 1;

    public RawBtf() { strings.write(0); }

    private int str(String s) {
        int off = strings.size();
        strings.writeBytes(s.getBytes());
        strings.write(0);
        return off;
    }

    private void u32(int v) { types.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array()); }

    /** BTF_KIND_INT, signed, {@code size} bytes. */
    public int integer(String name, int size) {
        u32(str(name));
        u32(1 << 24);
        u32(size);
        u32((1 << 24) | size * 8);   // BTF_INT_SIGNED, offset 0, bits
        return next++;
    }

    /** BTF_KIND_STRUCT; members as (name, type id, byte offset) triples. */
    public int struct(String name, int size, Object... members) {
        u32(str(name));
        u32((4 << 24) | members.length / 3);
        u32(size);
        for (int i = 0; i < members.length; i += 3) {
            u32(str((String) members[i]));
            u32((Integer) members[i + 1]);
            u32((Integer) members[i + 2] * 8);
        }
        return next++;
    }

    /** BTF_KIND_PTR to {@code type}. */
    int ptr(int type) {
        u32(0);
        u32(2 << 24);
        u32(type);
        return next++;
    }

    /** BTF_KIND_TYPE_TAG {@code name} on {@code type} (clang's {@code btf_type_tag}, e.g. "uptr"). */
    int typeTag(String name, int type) {
        u32(str(name));
        u32(18 << 24);
        u32(type);
        return next++;
    }

    /** BTF_KIND_DECL_TAG {@code name} on member {@code componentIdx} of {@code type} (e.g. "contains:foo:node"). */
    int declTag(String name, int type, int componentIdx) {
        u32(str(name));
        u32(17 << 24);
        u32(type);
        u32(componentIdx);
        return next++;
    }

    /** BTF_KIND_PTR to {@code type}, for tests outside this package. */
    public int pointer(int type) { return ptr(type); }

    /** BTF_KIND_FUNC_PROTO returning {@code ret} (0: void) with unnamed parameters of {@code params}. */
    public int funcProto(int ret, int... params) {
        u32(0);
        u32((13 << 24) | params.length);
        u32(ret);
        for (int p : params) {
            u32(0);
            u32(p);
        }
        return next++;
    }

    /** BTF_KIND_FUNC {@code name} (global linkage) of prototype {@code proto}. */
    public int func(String name, int proto) {
        u32(str(name));
        u32((12 << 24) | 1);
        u32(proto);
        return next++;
    }

    public byte[] bytes() {
        byte[] t = types.toByteArray();
        byte[] s = strings.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(24 + t.length + s.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24);
        b.putInt(0).putInt(t.length).putInt(t.length).putInt(s.length);
        b.put(t).put(s);
        return b.array();
    }
}
