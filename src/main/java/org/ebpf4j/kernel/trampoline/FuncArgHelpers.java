package org.ebpf4j.kernel.trampoline;

import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * bpf_get_func_arg, bpf_get_func_ret and bpf_get_func_arg_cnt (kernel/trace/bpf_trace.c; the
 * verifier inlines them, kernel/bpf/verifier.c do_misc_fixups) for programs run by a
 * {@link Trampoline}: the trampoline's frame keeps the argument count in the u64 before the
 * context ({@code ctx[-1]}, as arch_prepare_bpf_trampoline stores {@code nr_args}) and, one
 * before it, whether the running program sees a return value: fentry programs get
 * -EOPNOTSUPP from bpf_get_func_ret, as the kernel's inlined code for them returns.
 */
public final class FuncArgHelpers {
    static final int BPF_FUNC_get_func_arg = 183, BPF_FUNC_get_func_ret = 184, BPF_FUNC_get_func_arg_cnt = 185;
    /** Bytes of the trampoline frame before the context: the has-return flag, then nr_args. */
    static final int FRAME_HEAD = 16;

    private final Arena arena;

    public FuncArgHelpers(Arena arena) { this.arena = arena; }

    public void registerInto(HelperTable t) {
        t.register(new HelperProto(BPF_FUNC_get_func_arg, "bpf_get_func_arg", (s, ctx, n, value, d, e) -> getFuncArg(ctx, n, value)));
        t.register(new HelperProto(BPF_FUNC_get_func_ret, "bpf_get_func_ret", (s, ctx, value, c, d, e) -> getFuncRet(ctx, value)));
        t.register(new HelperProto(BPF_FUNC_get_func_arg_cnt, "bpf_get_func_arg_cnt", (s, ctx, b, c, d, e) -> nargs(ctx)));
    }

    private long nargs(long ctx) { return arena.load64(ctx - 8); }

    /** {@code BPF_CALL_3(get_func_arg, void *ctx, u32 n, u64 *value)}: -EINVAL past the arguments. */
    long getFuncArg(long ctx, long n, long value) {
        long nr = nargs(ctx);
        if (Long.compareUnsigned(n & 0xffffffffL, nr) >= 0) {
            arena.store64(value, 0);
            return Errno.EINVAL.negative();
        }
        arena.store64(value, arena.load64(ctx + 8 * (n & 0xffffffffL)));
        return 0;
    }

    /** {@code BPF_CALL_2(get_func_ret, void *ctx, u64 *value)}: the slot after the arguments. */
    long getFuncRet(long ctx, long value) {
        if (arena.load64(ctx - 16) == 0) {
            return Errno.EOPNOTSUPP.negative();
        }
        arena.store64(value, arena.load64(ctx + 8 * nargs(ctx)));
        return 0;
    }
}
