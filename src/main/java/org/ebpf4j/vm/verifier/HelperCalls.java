package org.ebpf4j.vm.verifier;

import java.util.ArrayList;
import java.util.List;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.VerifierException;
import org.ebpf4j.vm.verifier.HelperSignatures.Arg;
import org.ebpf4j.vm.verifier.HelperSignatures.Sig;

/**
 * kernel/bpf/verifier.c check_helper_call(): each argument against the prototype
 * (check_func_arg(), check_helper_mem_access(), check_mem_size_reg()), map/helper compatibility,
 * reference release and acquisition, r1-r5 clobbered, r0 typed by the return type. Callbacks
 * (bpf_loop, bpf_for_each_map_elem) come back as extra states to explore.
 */
final class HelperCalls {
    static final String MEM_TYPES = "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";
    static final String SOCK_COMMON_TYPES = "sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_";
    /** BPF_MAX_VAR_SIZ. */
    static final long BPF_MAX_VAR_SIZ = 1L << 29;

    private final MemAccess mem;

    HelperCalls(MemAccess mem) { this.mem = mem; }

    private static VerifierException typeErr(int insn, int regno, RegState r, String expected) {
        return MemAccess.eacces(insn, "R" + regno + " type=" + r.type.kernelName + " expected=" + expected);
    }

    /** Checks and applies the call at {@code insn}; returns the callback states to explore, if any. */
    List<VState> call(VState st, int insn, int id) {
        Sig sig = HelperSignatures.of(id);
        MapDesc map = null;
        long allocSize = 0;
        RegState release = null;
        int releaseRegno = 0;
        RegState sockArg = null;
        List<VState> callbacks = new ArrayList<>();
        RegState funcArg = null;
        RegState cbCtx = null;
        for (int a = 0; a < 5; a++) {
            Arg t = sig.arg(a);
            int regno = a + 1;
            RegState r = st.reg(regno);
            if (t == Arg.DONTCARE) {
                continue;
            }
            if (r.type == RegType.NOT_INIT) {
                throw MemAccess.eacces(insn, "R" + regno + " !read_ok");
            }
            if (r.isConstZeroScalar() && t != Arg.ANYTHING) {
                mem.precision.mark(st, regno);    // NULL instead of a pointer is decided by the value
            }
            switch (t) {
                case ANYTHING -> { }
                case CONST_MAP_PTR -> {
                    if (r.type != RegType.MAP_PTR) {
                        throw typeErr(insn, regno, r, "map_ptr");
                    }
                    map = r.map;
                }
                case PTR_TO_MAP_KEY -> helperMem(st, insn, regno, map == null ? 0 : map.keySize(), false, false);
                case PTR_TO_MAP_VALUE -> helperMem(st, insn, regno, map == null ? 0 : map.valueSize(), false, false);
                case PTR_TO_UNINIT_MAP_VALUE -> helperMem(st, insn, regno, map == null ? 0 : map.valueSize(), true, false);
                case PTR_TO_MAP_VALUE_OR_NULL -> {
                    if (!r.isConstZeroScalar()) {
                        helperMem(st, insn, regno, map == null ? 0 : map.valueSize(), false, false);
                    }
                }
                case PTR_TO_MEM, PTR_TO_UNINIT_MEM, PTR_TO_MEM_OR_NULL -> {
                    if (!(t == Arg.PTR_TO_MEM_OR_NULL && r.isConstZeroScalar()) && !isMemType(r.type)) {
                        throw typeErr(insn, regno, r, MEM_TYPES);
                    }
                }
                case CONST_SIZE, CONST_SIZE_OR_ZERO -> {
                    RegState memReg = st.reg(regno - 1);
                    if (r.type != RegType.SCALAR) {
                        throw typeErr(insn, regno, r, "scalar");
                    }
                    boolean zeroOk = t == Arg.CONST_SIZE_OR_ZERO;
                    mem.precision.mark(st, regno);        // check_mem_size_reg()
                    if (r.smin < 0) {
                        throw MemAccess.eacces(insn, "R" + regno + " min value is negative, either use unsigned or 'var &= const'");
                    }
                    if (r.umin == 0 && !zeroOk) {
                        throw MemAccess.eacces(insn, "R" + regno + " invalid zero-sized read: u64=[" + r.umin + "," + r.umax + "]");
                    }
                    if (Long.compareUnsigned(r.umax, BPF_MAX_VAR_SIZ) >= 0) {
                        throw MemAccess.eacces(insn, "R" + regno + " unbounded memory access, use 'var &= const' or 'if (var < const)'");
                    }
                    boolean write = sig.arg(a - 1) == Arg.PTR_TO_UNINIT_MEM;
                    if (!(memReg.isConstZeroScalar() && sig.arg(a - 1) == Arg.PTR_TO_MEM_OR_NULL) && r.umax > 0) {
                        helperMem(st, insn, regno - 1, (int) r.umax, write, true);
                    }
                }
                case CONST_ALLOC_SIZE_OR_ZERO -> {
                    if (r.type != RegType.SCALAR || !r.isConst()) {
                        throw MemAccess.eacces(insn, "R" + regno + " is not a known constant'");
                    }
                    allocSize = r.var.value();
                    mem.precision.mark(st, regno);
                }
                case PTR_TO_CTX -> {
                    if (r.type != RegType.CTX) {
                        throw typeErr(insn, regno, r, "ctx");
                    }
                    if (r.off != 0) {
                        throw MemAccess.eacces(insn, "dereference of modified ctx ptr R" + regno + " off=" + r.off + " disallowed");
                    }
                }
                case PTR_TO_FUNC -> {
                    if (r.type != RegType.FUNC) {
                        throw typeErr(insn, regno, r, "func");
                    }
                    funcArg = r;
                }
                case PTR_TO_STACK_OR_NULL -> {
                    if (!r.isConstZeroScalar() && r.type != RegType.STACK) {
                        throw typeErr(insn, regno, r, "fp");
                    }
                    cbCtx = r;
                }
                case PTR_TO_SOCKET -> {
                    if (r.type != RegType.SOCKET) {
                        throw typeErr(insn, regno, r, "sock");
                    }
                }
                case PTR_TO_SOCK_COMMON, PTR_TO_BTF_ID_SOCK_COMMON -> {
                    // bpf_sk_storage_{get,delete}_tracing_proto (net/core/bpf_sk_storage.c): for
                    // TRACING programs the socket is ARG_PTR_TO_BTF_ID_OR_NULL (NULL: -EINVAL/NULL at run time)
                    boolean tracingNullable = t == Arg.PTR_TO_BTF_ID_SOCK_COMMON && (id == 107 || id == 108)
                            && mem.progType() == org.ebpf4j.uapi.ProgType.TRACING
                            && (r.type == RegType.BTF_ID_OR_NULL || r.isConstZeroScalar());
                    if (!isSockType(r.type) && !tracingNullable) {
                        throw typeErr(insn, regno, r, SOCK_COMMON_TYPES);
                    }
                    checkArgStruct(insn, id, regno, r);
                    sockArg = r;
                }
                case RELEASE_SOCK_COMMON -> {
                    if (!isSockType(r.type)) {
                        throw typeErr(insn, regno, r, SOCK_COMMON_TYPES);
                    }
                    release = r;
                    releaseRegno = regno;
                }
                case RELEASE_RINGBUF_MEM -> {
                    if (r.type != RegType.RINGBUF_MEM) {
                        throw typeErr(insn, regno, r, "ringbuf_mem");
                    }
                    if (r.off != 0 || !r.isConst() || r.var.value() != 0) {
                        throw MemAccess.eacces(insn, "R" + regno + " must have zero offset when passed to release func");
                    }
                    release = r;
                    releaseRegno = regno;
                }
                case PTR_TO_LONG -> helperMem(st, insn, regno, 8, true, false);
                case PTR_TO_SPIN_LOCK -> {
                    if (r.type != RegType.MAP_VALUE) {
                        throw typeErr(insn, regno, r, "map_value");
                    }
                }
                case PTR_TO_CONST_STR, PTR_TO_ANY, PTR_TO_BTF_ID, PTR_TO_BTF_ID_OR_NULL -> {
                    // types the model cannot check precisely: any pointer (or NULL where allowed) passes
                    if (r.type == RegType.SCALAR && !(t == Arg.PTR_TO_BTF_ID_OR_NULL && r.isConstZeroScalar())
                            && t != Arg.PTR_TO_ANY) {
                        throw typeErr(insn, regno, r, t == Arg.PTR_TO_CONST_STR ? "map_value" : "ptr_, trusted_ptr_");
                    }
                    // check_reg_type → btf_struct_ids_match against the proto's arg_btf_id, where
                    // both sides are known structs
                    checkArgStruct(insn, id, regno, r);
                }
                default -> { }
            }
        }
        if (map != null) {
            if (id == 12 && map.type() != 3) {
                throw new VerifierException(insn, "expected prog array map for tail call");
            }
            if (!HelperSignatures.mapFuncCompatible(map.type(), id)) {
                throw new VerifierException(insn, "cannot pass map_type " + map.type() + " into func " + sig.name() + "#" + id);
            }
        }
        // check_helper_call (kernel/bpf/verifier.c): bpf_get_local_storage cannot return an error,
        // so its flags must be the constant 0 (spec-local-storage-map-in-map §6.3)
        if (id == 81 && !st.reg(2).isConstZeroScalar()) {
            throw new VerifierException(insn, "get_local_storage() doesn't support non-zero flags");
        }
        if (id == 12 && !st.refs.isEmpty()) {
            throw new VerifierException(insn, "tail_call would lead to reference leak");
        }
        if (release != null) {
            int ref = release.refObjId;
            if (ref == 0) {
                throw MemAccess.eacces(insn, "R" + releaseRegno + " must be referenced when passed to release function");
            }
            releaseReference(st, ref);
        }
        if (funcArg != null && (id == 181 || id == 164)) {
            callbacks.add(callbackState(st, insn, id, funcArg, map, cbCtx));
        }
        // clobber r1-r5, type r0
        for (int r = 1; r <= 5; r++) {
            st.cur().regs[r] = RegState.notInit();
        }
        st.cur().regs[0] = returnValue(st, insn, sig, map, allocSize, sockArg);
        return callbacks;
    }

    private RegState returnValue(VState st, int insn, Sig sig, MapDesc map, long allocSize, RegState sockArg) {
        RegState r0;
        switch (sig.ret()) {
            case VOID -> r0 = RegState.notInit();
            case MAP_VALUE_OR_NULL -> {
                r0 = RegState.pointer(RegType.MAP_VALUE_OR_NULL);
                r0.map = map;
                r0.id = st.newId();
            }
            case MEM_OR_BTF_ID -> {
                r0 = RegState.pointer(RegType.MAP_VALUE);
                r0.map = map;
            }
            case SOCKET_OR_NULL_ACQUIRE, SOCK_COMMON_OR_NULL_ACQUIRE, RINGBUF_MEM_OR_NULL_ACQUIRE -> {
                r0 = RegState.pointer(switch (sig.ret()) {
                    case SOCKET_OR_NULL_ACQUIRE -> RegType.SOCKET_OR_NULL;
                    case SOCK_COMMON_OR_NULL_ACQUIRE -> RegType.SOCK_COMMON_OR_NULL;
                    default -> RegType.RINGBUF_MEM_OR_NULL;
                });
                r0.memSize = (int) allocSize;
                r0.id = st.newId();
                int ref = st.newId();
                r0.id = ref;
                r0.refObjId = ref;
                st.refs.add(new VState.Ref(ref, insn));
            }
            case SOCKET_OR_NULL, TCP_SOCK_OR_NULL -> {
                r0 = RegState.pointer(sig.ret() == HelperSignatures.Ret.SOCKET_OR_NULL ? RegType.SOCKET_OR_NULL
                        : RegType.TCP_SOCK_OR_NULL);
                r0.id = st.newId();
                r0.refObjId = sockArg == null ? 0 : sockArg.refObjId;
            }
            case BTF_ID_TASK -> {
                r0 = RegState.pointer(RegType.BTF_ID);
                r0.btfStruct = "task_struct";
            }
            case BTF_ID_PT_REGS -> {   // bpf_task_pt_regs: RET_PTR_TO_BTF_ID of struct pt_regs
                r0 = RegState.pointer(RegType.BTF_ID);
                r0.btfStruct = "pt_regs";
            }
            case BTF_ID_OR_NULL -> {
                r0 = RegState.pointer(RegType.BTF_ID_OR_NULL);
                r0.id = st.newId();
            }
            default -> r0 = RegState.unknown();
        }
        return r0;
    }

    /** release_reference(): the reference goes; every copy of the pointer becomes an unknown scalar. */
    static void releaseReference(VState st, int ref) {
        st.refs.removeIf(r -> r.id() == ref);
        st.forEachReg(r -> {
            if (r.refObjId == ref && r.type.isPointer()) {
                r.markUnknown();
            }
        });
    }

    private VState callbackState(VState st, int insn, int id, RegState func, MapDesc map, RegState cbCtx) {
        VState cb = st.copy();
        Frame f = Frame.entry(cb.frames.size(), func.subprog, insn);
        f.instance = cb.newFrameInstance();
        f.callback = true;
        if (id == 181) {            // bpf_loop: (u64 index, void *ctx)
            f.regs[1] = RegState.unknown();
            f.regs[1].var = Tnum.range(0, 0xffffffffL);   // u32 index
            f.regs[1].sync();
            f.regs[2] = cbCtx == null ? RegState.known(0) : cbCtx.copy();
        } else {                    // for_each_map_elem: (map, key, value, ctx)
            f.regs[1] = RegState.pointer(RegType.MAP_PTR);
            f.regs[1].map = map;
            f.regs[2] = RegState.pointer(RegType.MAP_KEY);
            f.regs[2].map = map;
            f.regs[3] = RegState.pointer(RegType.MAP_VALUE);
            f.regs[3].map = map;
            f.regs[4] = cbCtx == null ? RegState.known(0) : cbCtx.copy();
        }
        for (int r = 1; r <= 5; r++) {
            if (f.regs[r].type == RegType.NOT_INIT) {
                f.regs[r] = RegState.unknown();   // unused callback arguments still hold something
            }
        }
        cb.frames.add(f);
        cb.insn = func.subprog;
        return cb;
    }

    static boolean isMemType(RegType t) {
        return switch (t) {
            case STACK, PACKET, PACKET_META, MAP_KEY, MAP_VALUE, MEM, RINGBUF_MEM, BTF_ID, BUF, RDONLY_BUF -> true;
            default -> false;
        };
    }

    /**
     * check_reg_type → {@code btf_struct_ids_match(reg->btf, reg->btf_id, reg->off, btf_vmlinux,
     * *arg_btf_id, false)} (kernel/bpf/verifier.c, kernel/bpf/btf.c): a PTR_TO_BTF_ID argument
     * must point to the struct the proto names, or to a struct that has it as its first member at
     * offset 0 (recursively: a {@code struct sock} is a {@code struct sock_common}); else EACCES
     * "R2 is of type X but Y is expected". Checked where both structs are known and the pointer
     * is at offset 0.
     */
    private void checkArgStruct(int insn, int id, int regno, RegState r) {
        String want = HelperSignatures.argBtfStruct(id, regno);
        if (want == null || r.type != RegType.BTF_ID || r.btfStruct == null || r.off != 0) {
            return;
        }
        if (!structIdsMatch(mem.kernelBtf(), r.btfStruct, want)) {
            throw MemAccess.eacces(insn, "R" + regno + " is of type " + r.btfStruct + " but " + want + " is expected");
        }
    }

    /** {@code btf_struct_ids_match} with off 0, not strict: {@code have} is {@code want} or starts with it. */
    static boolean structIdsMatch(org.ebpf4j.btf.Btf btf, String have, String want) {
        String cur = have;
        for (int depth = 0; cur != null && depth < 32; depth++) {
            if (cur.equals(want)) {
                return true;
            }
            if (btf == null) {
                return false;
            }
            var st = btf.findByName(cur, org.ebpf4j.btf.BtfType.Struct.class);
            if (st.isEmpty() || !(st.get() instanceof org.ebpf4j.btf.BtfType.Struct s) || s.members().isEmpty()
                    || s.members().get(0).bitOffset() != 0) {
                return false;
            }
            org.ebpf4j.btf.BtfType first = btf.resolve(s.members().get(0).type());
            cur = first instanceof org.ebpf4j.btf.BtfType.Struct fs ? fs.name() : null;
        }
        return false;
    }

    static boolean isSockType(RegType t) {
        return t == RegType.SOCK_COMMON || t == RegType.SOCKET || t == RegType.TCP_SOCK || t == RegType.BTF_ID;
    }

    /** check_helper_mem_access(): {@code size} bytes at the pointer in {@code regno}. */
    void helperMem(VState st, int insn, int regno, int size, boolean write, boolean zeroOk) {
        RegState r = st.reg(regno);
        switch (r.type) {
            case STACK -> {
                if (size == 0 && !zeroOk) {
                    throw MemAccess.eacces(insn, "invalid zero-sized read");
                }
                long min = r.off + (r.isConst() ? r.var.value() : r.smin);
                long max = r.off + (r.isConst() ? r.var.value() : r.smax);
                if (!r.isConst() && r.smin == Long.MIN_VALUE) {
                    throw MemAccess.eacces(insn, "R" + regno + " unbounded indirect variable offset stack access");
                }
                MemAccess.checkStackBounds(insn, regno, min, size, write, Errno.EINVAL);
                MemAccess.checkStackBounds(insn, regno, max, size, write, Errno.EINVAL);
                Frame f = st.frames.get(r.frameNo);
                StackDepth.note(st, r.frameNo, (int) -min);
                if (!write) {
                    StackReads.readRange(st, r.frameNo, min, max + size);
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
                }
            }
            case PACKET, PACKET_META -> {
                long total = r.off;
                if (total < 0 || total + size > r.range) {
                    throw MemAccess.eacces(insn, "invalid access to packet, off=" + total + " size=" + size + ", R" + regno
                            + "(id=" + r.id + ",off=" + total + ",r=" + r.range + ")\nR" + regno
                            + " offset is outside of the packet");
                }
            }
            case MAP_VALUE -> MemAccess.region(insn, regno, r, r.off, size, r.map.valueSize(), "map value");
            case MAP_KEY -> MemAccess.region(insn, regno, r, r.off, size, r.map.keySize(), "map key");
            case MEM, RINGBUF_MEM -> MemAccess.region(insn, regno, r, r.off, size, r.memSize, "memory");
            case BTF_ID -> { }
            case BUF -> mem.buffer(insn, regno, r, 0, size);
            case RDONLY_BUF -> {
                if (write) {   // check_helper_mem_access: a helper's raw-mode output into read-only memory
                    throw MemAccess.eacces(insn, "R" + regno + " cannot write into " + r.type.kernelName);
                }
                mem.rdonlyBuffer(insn, regno, r, 0, size);
            }
            default -> throw typeErr(insn, regno, r, MEM_TYPES);
        }
    }

    static VerifierException einval(int insn, String msg) { return new VerifierException(insn, Errno.EINVAL, msg); }
}
