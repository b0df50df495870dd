package org.ebpf4j.vm.verifier;

import org.ebpf4j.btf.Btf;
import org.ebpf4j.btf.BtfType;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.VerifierException;

/**
 * Loads and stores through a typed pointer, kernel/bpf/verifier.c check_mem_access() and what it
 * calls per pointer type: check_ctx_access(), check_stack_read/write_fixed_off() (spills and fills),
 * check_map_access() / check_mem_region_access() (fixed plus variable offset against value_size),
 * check_packet_access() (against the range a data_end comparison proved), check_sock_access(),
 * and PTR_TO_BTF_ID loads, which read kernel memory the way bpf_probe_read_kernel() would.
 */
final class MemAccess {
    /** BPF_MAX_VAR_OFF: variable offsets beyond this are refused outright. */
    static final long BPF_MAX_VAR_OFF = 1L << 29;

    private final ProgContext ctx;
    final Precision precision;
    /** {@code prog->aux->max_rdwr_access}: the end of the furthest PTR_TO_BUF (rdwr) access on any path. */
    private int maxRdwrAccess;
    private int maxRdonlyAccess;

    /** The model kernel's BTF (null when the program has none to check against). */
    Btf kernelBtf() { return ctx.kernelBtf(); }

    MemAccess(ProgContext ctx, Precision precision) {
        this.ctx = ctx;
        this.precision = precision;
    }

    /** The program type being verified. */
    org.ebpf4j.uapi.ProgType progType() { return ctx.progType(); }

    static VerifierException eacces(int insn, String msg) { return new VerifierException(insn, Errno.EACCES, msg); }

    /**
     * One access of {@code size} bytes at {@code ptr + off}. For a store, {@code value} is what is
     * stored (a register's state, or a constant for BPF_ST); for a load the result is returned.
     */
    RegState access(VState st, int insn, int regno, int off, int size, boolean write, RegState value, int valueRegno) {
        RegState reg = st.reg(regno);
        RegType t = reg.type;
        if (t == RegType.STACK) {
            return stack(st, insn, regno, reg, off, size, write, value, valueRegno);
        }
        if (t.maybeNull() || t == RegType.SCALAR || t == RegType.PACKET_END || t == RegType.FUNC || t == RegType.NOT_INIT) {
            throw eacces(insn, "R" + regno + " invalid mem access '" + t.kernelName + "'");
        }
        int total = off + reg.off;
        return switch (t) {
            case CTX -> ctxAccess(insn, regno, reg, off, size, write);
            case MAP_VALUE -> {
                if (write && value != null && value.type.isPointer() && size != 8) {
                    throw eacces(insn, "R" + valueRegno + " leaks addr into map");
                }
                region(insn, regno, reg, total, size, reg.map.valueSize(), "map value");
                yield write ? null : loaded(size);
            }
            case MAP_KEY -> {
                if (write) {
                    throw eacces(insn, "write to change key R" + regno + " not allowed");
                }
                region(insn, regno, reg, total, size, reg.map.keySize(), "map key");
                yield loaded(size);
            }
            case MEM, RINGBUF_MEM -> {
                region(insn, regno, reg, total, size, reg.memSize, "memory");
                yield write ? null : loaded(size);
            }
            case PACKET, PACKET_META -> {
                if (reg.smin < 0) {
                    throw eacces(insn, "R" + regno + " min value is negative, either use unsigned index or do a if (index >=0) check.");
                }
                if (total < 0 || (long) total + size > reg.range) {
                    throw eacces(insn, "invalid access to packet, off=" + total + " size=" + size + ", R" + regno + "(id="
                            + reg.id + ",off=" + total + ",r=" + reg.range + ")\nR" + regno + " offset is outside of the packet");
                }
                yield write ? null : loaded(size);
            }
            case MAP_PTR -> {
                if (write) {
                    throw eacces(insn, "only read from " + mapStructName(reg.map.type()) + " is supported");
                }
                yield loaded(size);
            }
            case SOCKET, SOCK_COMMON, TCP_SOCK -> {
                if (write) {
                    throw eacces(insn, "R" + regno + " cannot write into " + t.kernelName);
                }
                if (!reg.isConst() || total < 0 || total % size != 0) {
                    throw eacces(insn, "R" + regno + " invalid " + t.kernelName + " access off=" + total + " size=" + size);
                }
                yield loaded(size);
            }
            case FLOW_KEYS -> write ? null : loaded(size);
            case BTF_ID -> {
                if (write) {
                    throw eacces(insn, "only read is supported");
                }
                yield btfLoad(reg, total, size);
            }
            case BUF -> {
                buffer(insn, regno, reg, off, size);
                yield write ? null : loaded(size);
            }
            case RDONLY_BUF -> {
                if (write) {
                    throw eacces(insn, "R" + regno + " cannot write into " + t.kernelName);
                }
                rdonlyBuffer(insn, regno, reg, off, size);
                yield loaded(size);
            }
            default -> throw eacces(insn, "R" + regno + " invalid mem access '" + t.kernelName + "'");
        };
    }

    private static String mapStructName(int mapType) {
        return switch (mapType) {
            case 1, 5, 9, 10, 13 -> "bpf_htab";
            case 2, 3, 4, 6, 8, 12 -> "bpf_array";
            case 27 -> "bpf_ringbuf_map";
            default -> "bpf_map";
        };
    }

    /** An unknown scalar known to lie in [min, max] as a 64-bit and as a 32-bit signed value. */
    static RegState ranged(long min, long max) {
        RegState r = RegState.unknown();
        r.smin = min;
        r.smax = max;
        r.s32min = (int) min;
        r.s32max = (int) max;
        r.sync();
        return r;
    }

    /**
     * check_buffer_access() (kernel/bpf/verifier.c) for an rdwr PTR_TO_BUF: a non-negative,
     * constant offset; the access end raises max_rdwr_access, which the iterator's attach
     * compares with the map's value_size ({@code bpf_iter_attach_map}: EACCES).
     */
    void buffer(int insn, int regno, RegState reg, int off, int size) {
        long total = (long) off + reg.off;
        if (total < 0) {
            throw eacces(insn, "R" + regno + " invalid rdwr buffer access: off=" + total + ", size=" + size);
        }
        if (!reg.isConst() || reg.var.value() != 0) {
            throw eacces(insn, "R" + regno + " invalid variable buffer offset: off=" + total + ", var_off=" + reg.var);
        }
        if (total + size > maxRdwrAccess) {
            maxRdwrAccess = (int) Math.min(Integer.MAX_VALUE, total + size);
        }
    }

    /** check_buffer_access() for a read-only PTR_TO_BUF (an iterator's key): raises max_rdonly_access. */
    void rdonlyBuffer(int insn, int regno, RegState reg, int off, int size) {
        long total = (long) off + reg.off;
        if (total < 0) {
            throw eacces(insn, "R" + regno + " invalid rdonly buffer access: off=" + total + ", size=" + size);
        }
        if (!reg.isConst() || reg.var.value() != 0) {
            throw eacces(insn, "R" + regno + " invalid variable buffer offset: off=" + total + ", var_off=" + reg.var);
        }
        if (total + size > maxRdonlyAccess) {
            maxRdonlyAccess = (int) Math.min(Integer.MAX_VALUE, total + size);
        }
    }

    /** The largest end of a read-only buffer access seen so far. */
    int maxRdonlyAccess() { return maxRdonlyAccess; }

    /** The largest end of an rdwr buffer access seen so far. */
    int maxRdwrAccess() { return maxRdwrAccess; }

    /** A scalar as a load of {@code size} bytes leaves it: zero-extended, so bounded by the size. */
    static RegState loaded(int size) {
        RegState r = RegState.unknown();
        if (size < 8) {
            r.var = Tnum.range(0, (1L << (size * 8)) - 1);
            r.sync();
        }
        return r;
    }

    private RegState ctxAccess(int insn, int regno, RegState reg, int off, int size, boolean write) {
        if (reg.off != 0) {
            throw eacces(insn, "dereference of modified ctx ptr R" + regno + " off=" + reg.off + " disallowed");
        }
        if (!reg.isConst() || reg.var.value() != 0) {
            throw eacces(insn, "variable ctx access var_off=" + reg.var + " disallowed");
        }
        CtxRules.Field f = ctx.ctx().check(off, size, write);
        if (f == null) {
            throw eacces(insn, "invalid bpf_context access off=" + off + " size=" + size);
        }
        if (write) {
            return null;
        }
        long[] range = f == CtxRules.Field.SCALAR ? ctx.ctx().scalarRange(off) : null;
        RegState r = switch (f) {
            case SCALAR -> range == null ? loaded(size) : ranged(range[0], range[1]);
            case PACKET -> RegState.pointer(RegType.PACKET);
            case PACKET_META -> RegState.pointer(RegType.PACKET_META);
            case PACKET_END -> RegState.pointer(RegType.PACKET_END);
            case SOCK_COMMON_OR_NULL -> RegState.pointer(RegType.SOCK_COMMON_OR_NULL);
            case SOCKET -> RegState.pointer(RegType.SOCKET);
            case SOCKET_OR_NULL -> RegState.pointer(RegType.SOCKET_OR_NULL);
            case FLOW_KEYS -> RegState.pointer(RegType.FLOW_KEYS);
            case BTF_ID -> RegState.pointer(RegType.BTF_ID);
            case BTF_ID_OR_NULL -> RegState.pointer(RegType.BTF_ID_OR_NULL);
            case RDWR_BUF_OR_NULL -> RegState.pointer(RegType.BUF_OR_NULL);
            case RDONLY_BUF_OR_NULL -> RegState.pointer(RegType.RDONLY_BUF_OR_NULL);
        };
        if (r.type == RegType.BTF_ID || r.type == RegType.BTF_ID_OR_NULL) {
            r.btfStruct = ctx.ctx().btfStruct(off);
        }
        return r;
    }

    /** check_mem_region_access(): fixed plus variable offset against a region of {@code memSize} bytes. */
    static void region(int insn, int regno, RegState reg, int off, int size, int memSize, String what) {
        if (reg.smin < 0 && (reg.smin == Long.MIN_VALUE || off + reg.smin != (int) (off + reg.smin) || reg.smin + off < 0)) {
            throw eacces(insn, "R" + regno + " min value is negative, either use unsigned index or do a if (index >=0) check.");
        }
        if (!fits(reg.smin + off, size, memSize)) {
            throw eacces(insn, accessMsg(what, memSize, reg.smin + off, size) + "\nR" + regno
                    + " min value is outside of the allowed memory range");
        }
        if (Long.compareUnsigned(reg.umax, BPF_MAX_VAR_OFF) >= 0) {
            throw eacces(insn, "R" + regno + " unbounded memory access, make sure to bounds check any such access");
        }
        if (!fits(reg.umax + off, size, memSize)) {
            throw eacces(insn, accessMsg(what, memSize, reg.umax + off, size) + "\nR" + regno
                    + " max value is outside of the allowed memory range");
        }
    }

    private static boolean fits(long off, int size, int memSize) { return off >= 0 && off + size <= memSize; }

    static String accessMsg(String what, int memSize, long off, int size) {
        return switch (what) {
            case "map value" -> "invalid access to map value, value_size=" + memSize + " off=" + off + " size=" + size;
            case "map key" -> "invalid access to map key, key_size=" + memSize + " off=" + off + " size=" + size;
            default -> "invalid access to memory, mem_size=" + memSize + " off=" + off + " size=" + size;
        };
    }

    // ---- stack ----

    private RegState stack(VState st, int insn, int regno, RegState reg, int off, int size, boolean write, RegState value,
                           int valueRegno) {
        Frame f = st.frames.get(reg.frameNo);
        if (!reg.isConst()) {
            RegState r = stackVar(insn, regno, reg, f, off, size, write);
            if (!write) {
                StackReads.readRange(st, reg.frameNo, reg.smin + reg.off + off, reg.smax + reg.off + off + size);
            }
            return r;
        }
        long a = reg.off + off + reg.var.value();
        if (a % size != 0) {
            throw eacces(insn, "misaligned stack access off " + reg.var + "+" + reg.off + "+" + off + " size " + size);
        }
        checkStackBounds(insn, regno, a, size, write);
        int base = (int) a + Frame.MAX_BPF_STACK;
        StackDepth.note(st, reg.frameNo, (int) -a);
        st.recordStackSlot(reg.frameNo, base / 8);
        if (write) {
            if (value != null && valueRegno >= 0 && value.isConstZeroScalar() && size != 8) {
                precision.mark(st, valueRegno);      // the slot becomes STACK_ZERO because the value is 0
            }
            stackWrite(insn, f, base, size, value, valueRegno);
            if (size == 8) {
                StackReads.written(st, reg.frameNo, base / 8);
            }
            return null;
        }
        StackReads.readRange(st, reg.frameNo, a, a + size);
        return stackRead(insn, f, base, size);
    }

    static void checkStackBounds(int insn, int regno, long a, int size, boolean write) {
        checkStackBounds(insn, regno, a, size, write, org.ebpf4j.uapi.Errno.EACCES);
    }

    /** check_stack_access_within_bounds(); helpers get EINVAL for the same complaint (6.18). */
    static void checkStackBounds(int insn, int regno, long a, int size, boolean write, org.ebpf4j.uapi.Errno errno) {
        if (a < -Frame.MAX_BPF_STACK || a + size > 0 || size <= 0) {
            throw new VerifierException(insn, errno, "invalid " + (write ? "write to" : "read from") + " stack R" + regno
                    + " off=" + a + " size=" + size);
        }
    }

    private void stackWrite(int insn, Frame f, int base, int size, RegState value, int valueRegno) {
        int slot = base / 8;
        boolean pointer = value != null && value.type.isPointer();
        if (pointer && size != 8) {
            throw eacces(insn, "invalid size of register spill");
        }
        if (size == 8 && value != null && (pointer || valueRegno >= 0 || value.isConst())) {
            f.spilled[slot] = value.copy();
            for (int i = 0; i < 8; i++) {
                f.slotType[base + i] = Frame.SPILL;
            }
            return;
        }
        // a partial write over a spilled register turns the rest of that slot into misc bytes
        if (f.slotType[slot * 8] == Frame.SPILL) {
            for (int i = 0; i < 8; i++) {
                f.slotType[slot * 8 + i] = Frame.MISC;
            }
        }
        byte kind = value != null && value.isConstZeroScalar() ? Frame.ZERO : Frame.MISC;
        for (int i = 0; i < size; i++) {
            f.slotType[base + i] = kind;
        }
    }

    private RegState stackRead(int insn, Frame f, int base, int size) {
        int slot = base / 8;
        if (f.slotType[base] == Frame.SPILL) {
            RegState sp = f.spilled[slot];
            if (size == 8) {
                return sp.copy();
            }
            if (sp.type != RegType.SCALAR) {
                throw eacces(insn, "invalid size of register fill");
            }
            if (sp.isConst() && base % 8 == 0) {
                return RegState.known(sp.var.value() & ((1L << (size * 8)) - 1));
            }
            return loaded(size);
        }
        boolean zero = true;
        for (int i = 0; i < size; i++) {
            if (f.slotType[base + i] != Frame.ZERO) {
                zero = false;
            }
        }
        // reading STACK_INVALID is allowed for CAP_PERFMON loaders (env->allow_uninit_stack)
        return zero ? RegState.known(0) : loaded(size);
    }

    /** A variable-offset stack access (allowed to privileged loaders within bounds). */
    private RegState stackVar(int insn, int regno, RegState reg, Frame f, int off, int size, boolean write) {
        long min = reg.smin + reg.off + off, max = reg.smax + reg.off + off;
        if (reg.smin == Long.MIN_VALUE || min < -Frame.MAX_BPF_STACK || max + size > 0) {
            throw eacces(insn, "invalid variable-offset " + (write ? "write to" : "read from") + " stack R" + regno
                    + " var_off=" + reg.var + " off=" + off + " size=" + size);
        }
        if (write) {
            for (long a = min; a < max + size; a++) {
                int b = (int) a + Frame.MAX_BPF_STACK;
                if (f.slotType[b] == Frame.SPILL) {
                    for (int i = 0; i < 8; i++) {
                        f.slotType[(b / 8) * 8 + i] = Frame.MISC;
                    }
                } else {
                    f.slotType[b] = Frame.MISC;
                }
            }
            return null;
        }
        return loaded(size);
    }

    // ---- BTF ----

    /** A load through PTR_TO_BTF_ID: a pointer member gives another PTR_TO_BTF_ID, anything else a scalar. */
    private RegState btfLoad(RegState reg, int off, int size) {
        Btf btf = ctx.kernelBtf();
        if (size == 8 && btf != null && reg.btfStruct != null) {
            var st = btf.findByName(reg.btfStruct, BtfType.Struct.class);
            if (st.isPresent() && st.get() instanceof BtfType.Struct s) {
                for (BtfType.Member m : s.members()) {
                    if (m.bitOffset() == off * 8L) {
                        String target = pointee(btf, m.type());
                        if (target != null) {
                            RegState r = RegState.pointer(RegType.BTF_ID);
                            r.btfStruct = target;
                            return r;
                        }
                    }
                }
                return loaded(size);
            }
        }
        if (size == 8) {
            // unknown layout: keep a pointer of unknown type, usable both as a pointer and a value
            return RegState.pointer(RegType.BTF_ID);
        }
        return loaded(size);
    }

    private static String pointee(Btf btf, int typeId) {
        BtfType t = btf.resolve(typeId);
        if (t instanceof BtfType.Ptr p) {
            BtfType target = btf.resolve(p.type());
            if (target instanceof BtfType.Struct s) {
                return s.name();
            }
        }
        return null;
    }
}
