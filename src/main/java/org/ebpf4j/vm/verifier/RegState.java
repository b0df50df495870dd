package org.ebpf4j.vm.verifier;

/**
 * One register's abstract value, include/linux/bpf_verifier.h {@code struct bpf_reg_state}: a type;
 * for pointers a fixed offset ({@code off}) plus a variable part; for scalars and pointer variable
 * parts a {@link Tnum} and signed/unsigned 64- and 32-bit ranges kept consistent by
 * {@link #sync()} (reg_bounds_sync()). Mutable; states are copied at branches.
 */
final class RegState {
    static final long U32_MAX = 0xffffffffL;

    RegType type = RegType.NOT_INIT;
    int off;
    Tnum var = Tnum.UNKNOWN;
    long smin = Long.MIN_VALUE, smax = Long.MAX_VALUE, umin = 0, umax = -1L;
    int s32min = Integer.MIN_VALUE, s32max = Integer.MAX_VALUE, u32min = 0, u32max = -1;
    /** Pointers that may be NULL share an id with their copies; scalars share one after a mov. */
    int id;
    /** The acquired reference this pointer holds (sockets, ringbuf records), 0 if none. */
    int refObjId;
    /** CONST_PTR_TO_MAP, MAP_VALUE(_OR_NULL), MAP_KEY: which map. */
    MapDesc map;
    /** PTR_TO_PACKET: bytes proven readable from the packet start of this pointer's id. */
    int range;
    /** MEM / RINGBUF_MEM: the size of the region. */
    int memSize;
    /** BTF_ID: the struct's name in the model-kernel BTF, or null when unknown. */
    String btfStruct;
    /** STACK: the frame the pointer points into; FUNC: the subprogram start. */
    int frameNo;
    int subprog;
    /**
     * bpf_reg_state.precise: this scalar's exact value mattered to some check on a path from here
     * ({@link Precision}); state pruning compares only precise scalars by value.
     */
    boolean precise;

    RegState copy() {
        RegState r = new RegState();
        r.type = type;
        r.off = off;
        r.var = var;
        r.smin = smin;
        r.smax = smax;
        r.umin = umin;
        r.umax = umax;
        r.s32min = s32min;
        r.s32max = s32max;
        r.u32min = u32min;
        r.u32max = u32max;
        r.id = id;
        r.refObjId = refObjId;
        r.map = map;
        r.range = range;
        r.memSize = memSize;
        r.btfStruct = btfStruct;
        r.frameNo = frameNo;
        r.subprog = subprog;
        r.precise = precise;
        return r;
    }

    static RegState notInit() { return new RegState(); }

    static RegState unknown() {
        RegState r = new RegState();
        r.type = RegType.SCALAR;
        return r;
    }

    static RegState known(long v) {
        RegState r = unknown();
        r.setConst(v);
        return r;
    }

    /** A pointer of {@code type} with offset 0 and a known-zero variable part. */
    static RegState pointer(RegType type) {
        RegState r = new RegState();
        r.type = type;
        r.setConst(0);
        return r;
    }

    void markUnknown() {
        RegState u = unknown();
        type = u.type;
        off = 0;
        var = u.var;
        unboundAll();
        id = 0;
        refObjId = 0;
        map = null;
        range = 0;
        memSize = 0;
        btfStruct = null;
        precise = false;
    }

    void unboundAll() {
        smin = Long.MIN_VALUE;
        smax = Long.MAX_VALUE;
        umin = 0;
        umax = -1L;
        s32min = Integer.MIN_VALUE;
        s32max = Integer.MAX_VALUE;
        u32min = 0;
        u32max = -1;
    }

    void setConst(long v) {
        var = Tnum.constant(v);
        smin = smax = umin = umax = v;
        s32min = s32max = u32min = u32max = (int) v;
    }

    boolean isConst() { return var.isConst(); }

    boolean isScalar() { return type == RegType.SCALAR; }

    boolean isConstZeroScalar() { return type == RegType.SCALAR && isConst() && var.value() == 0; }

    /** 32-bit result: the upper half becomes zero (zext_32_to_64 after coerce). */
    void zext32() {
        var = var.cast(4);
        umin = Integer.toUnsignedLong(u32min);
        umax = Integer.toUnsignedLong(u32max);
        smin = umin;   // as a u64 the zero-extended value is never negative
        smax = umax;
        sync();
    }

    /** reg_bounds_sync(): ranges from the tnum, ranges from each other, the tnum from ranges. */
    void sync() {
        updateBounds();
        for (int i = 0; i < 2; i++) {
            deduce32();
            deduce64();
            deduceMixed();
        }
        boundOffset();
        updateBounds();
    }

    private void updateBounds() {
        // 32-bit half
        Tnum sub = var.subreg();
        s32min = Math.max(s32min, (int) (sub.value() | (sub.mask() & 0x80000000L)));
        s32max = Math.min(s32max, (int) (sub.value() | (sub.mask() & 0x7fffffffL)));
        u32min = umax32(u32min, (int) sub.value());
        u32max = umin32(u32max, (int) (sub.value() | sub.mask()));
        // 64-bit
        smin = Math.max(smin, var.value() | (var.mask() & Long.MIN_VALUE));
        smax = Math.min(smax, var.value() | (var.mask() & Long.MAX_VALUE));
        umin = umax64(umin, var.value());
        umax = umin64(umax, var.value() | var.mask());
    }

    private void deduce32() {
        if (u32min <= u32max) {   // the unsigned range does not cross the sign bit
            s32min = Math.max(s32min, u32min);
            s32max = Math.min(s32max, u32max);
        }
        if (Integer.compareUnsigned(s32min, s32max) <= 0) {
            u32min = umax32(u32min, s32min);
            u32max = umin32(u32max, s32max);
        }
    }

    private void deduce64() {
        if (umin <= umax) {   // signed order matches unsigned: the range does not cross the sign bit
            smin = Math.max(smin, umin);
            smax = Math.min(smax, umax);
        }
        if (Long.compareUnsigned(smin, smax) <= 0) {
            umin = umax64(umin, smin);
            umax = umin64(umax, smax);
        }
    }

    private void deduceMixed() {
        // 64 -> 32: when the upper halves agree, the lower halves bound the subregister
        if ((umin >>> 32) == (umax >>> 32)) {
            u32min = umax32(u32min, (int) umin);
            u32max = umin32(u32max, (int) umax);
            if ((int) umin <= (int) umax) {
                s32min = Math.max(s32min, (int) umin);
                s32max = Math.min(s32max, (int) umax);
            }
        }
        if ((smin >>> 32) == (smax >>> 32)) {
            if ((int) smin <= (int) smax) {
                s32min = Math.max(s32min, (int) smin);
                s32max = Math.min(s32max, (int) smax);
            }
            if (Integer.compareUnsigned((int) smin, (int) smax) <= 0) {
                u32min = umax32(u32min, (int) smin);
                u32max = umin32(u32max, (int) smax);
            }
        }
        // 32 -> 64: the subregister bounds tighten the low half of the 64-bit ones
        long nuMin = (umin & 0xffffffff00000000L) | Integer.toUnsignedLong(u32min);
        long nuMax = (umax & 0xffffffff00000000L) | Integer.toUnsignedLong(u32max);
        umin = umax64(umin, nuMin);
        umax = umin64(umax, nuMax);
        long nsMin = (smin & 0xffffffff00000000L) | Integer.toUnsignedLong(u32min);
        long nsMax = (smax & 0xffffffff00000000L) | Integer.toUnsignedLong(u32max);
        smin = Math.max(smin, nsMin);
        smax = Math.min(smax, nsMax);
    }

    private void boundOffset() {
        Tnum v64 = var.intersect(Tnum.range(umin, umax));
        Tnum v32 = v64.subreg().intersect(Tnum.range(Integer.toUnsignedLong(u32min), Integer.toUnsignedLong(u32max)));
        var = v64.withSubreg(v32);
    }

    /** Whether the ranges contradict each other (a branch that cannot be taken). */
    boolean invalid() {
        return smin > smax || Long.compareUnsigned(umin, umax) > 0 || s32min > s32max
                || Integer.compareUnsigned(u32min, u32max) > 0;
    }

    static int umax32(int a, int b) { return Integer.compareUnsigned(a, b) >= 0 ? a : b; }

    static int umin32(int a, int b) { return Integer.compareUnsigned(a, b) <= 0 ? a : b; }

    static long umax64(long a, long b) { return Long.compareUnsigned(a, b) >= 0 ? a : b; }

    static long umin64(long a, long b) { return Long.compareUnsigned(a, b) <= 0 ? a : b; }

    /** regsafe(): whether this (an explored state's register) covers {@code cur}. */
    boolean covers(RegState cur, IdMap ids) {
        if (type == RegType.NOT_INIT) {
            return true;
        }
        if (type != cur.type) {
            return false;
        }
        if (type == RegType.SCALAR) {
            // an imprecise scalar of a finished state decided nothing: any scalar will do (regsafe())
            return !precise || rangeCovers(cur) && ids.check(id, cur.id);
        }
        if (off != cur.off || map != cur.map || memSize != cur.memSize || frameNo != cur.frameNo
                || subprog != cur.subprog || !java.util.Objects.equals(btfStruct, cur.btfStruct)) {
            return false;
        }
        if (type.isPacket() && range > cur.range) {
            return false;
        }
        return rangeCovers(cur) && ids.check(id, cur.id) && ids.check(refObjId, cur.refObjId);
    }

    private boolean rangeCovers(RegState c) {
        return smin <= c.smin && smax >= c.smax && Long.compareUnsigned(umin, c.umin) <= 0
                && Long.compareUnsigned(umax, c.umax) >= 0 && s32min <= c.s32min && s32max >= c.s32max
                && Integer.compareUnsigned(u32min, c.u32min) <= 0 && Integer.compareUnsigned(u32max, c.u32max) >= 0
                && var.contains(c.var);
    }

    /** Exact equality, for the infinite-loop check. */
    boolean same(RegState c) {
        if (type != c.type) {
            return false;
        }
        if (type == RegType.NOT_INIT) {
            return true;
        }
        return off == c.off && var.equals(c.var) && smin == c.smin && smax == c.smax && umin == c.umin
                && umax == c.umax && s32min == c.s32min && s32max == c.s32max && u32min == c.u32min
                && u32max == c.u32max && map == c.map && range == c.range && memSize == c.memSize
                && refObjId == c.refObjId;
    }

    /** The print form of kernel/bpf/log.c print_reg_state(), abridged. */
    String describe() {
        if (type == RegType.SCALAR) {
            String p = precise ? "P" : "";      // print_scalar_ranges(): precise scalars carry a P
            if (isConst()) {
                return p + var.value();
            }
            StringBuilder b = new StringBuilder(p + "scalar(");
            String sep = "";
            if (id != 0) {
                b.append("id=").append(id);
                sep = ",";
            }
            if (smin != Long.MIN_VALUE) { b.append(sep).append("smin=").append(smin); sep = ","; }
            if (smax != Long.MAX_VALUE) { b.append(sep).append("smax=").append(smax); sep = ","; }
            if (umin != 0) { b.append(sep).append("umin=").append(Long.toUnsignedString(umin)); sep = ","; }
            if (umax != -1L) { b.append(sep).append("umax=").append(Long.toUnsignedString(umax)); sep = ","; }
            if (!var.isUnknown()) { b.append(sep).append("var_off=").append(var); }
            return b.append(')').toString();
        }
        if (type == RegType.STACK) {
            return "fp" + off;
        }
        StringBuilder b = new StringBuilder(type.kernelName).append('(');
        String sep = "";
        if (id != 0) { b.append("id=").append(id); sep = ","; }
        if (refObjId != 0) { b.append(sep).append("ref_obj_id=").append(refObjId); sep = ","; }
        if (off != 0) { b.append(sep).append("off=").append(off); sep = ","; }
        if (type.isPacket()) { b.append(sep).append("r=").append(range); sep = ","; }
        if (map != null) { b.append(sep).append("map=").append(map.name()).append(",ks=").append(map.keySize())
                .append(",vs=").append(map.valueSize()); sep = ","; }
        if (memSize != 0) { b.append(sep).append("sz=").append(memSize); }
        return b.append(')').toString();
    }
}
