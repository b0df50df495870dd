package org.ebpf4j.kernel.helpers;

import java.util.function.Supplier;
import org.ebpf4j.kernel.cgroup.CgRunCtx;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * {@code bpf_get_retval} (186) and {@code bpf_set_retval} (187) of kernel/bpf/cgroup.c: they act on
 * the {@code struct bpf_cg_run_ctx} of the hook that is running the program
 * ({@code container_of(current->bpf_ctx, struct bpf_cg_run_ctx, run_ctx)}), which the runtime
 * keeps per thread ({@link org.ebpf4j.kernel.prog.ProgEnv#runCtx()}). Which program types may call
 * them is {@code cgroup_common_func_proto}'s business ({@link org.ebpf4j.kernel.prog.ProgTypes}).
 *
 * <p>Outside a cgroup hook (e.g. BPF_PROG_TEST_RUN, which Linux does not offer for these types)
 * there is no run context: get returns 0 and set is ignored, returning 0.
 */
public final class CgroupRetvalHelpers {
    public static final int BPF_FUNC_get_retval = 186;
    public static final int BPF_FUNC_set_retval = 187;

    private final Arena arena;
    private final Supplier<Object> runCtx;

    /** @param runCtx the run context of the hook running on this thread ({@code current->bpf_ctx}), or null */
    public CgroupRetvalHelpers(Arena arena, Supplier<Object> runCtx) {
        this.arena = arena;
        this.runCtx = runCtx;
    }

    public void registerInto(HelperTable t) {
        t.register(new HelperProto(BPF_FUNC_get_retval, "bpf_get_retval", (s, a, b, c, d, e) -> getRetval()));
        t.register(new HelperProto(BPF_FUNC_set_retval, "bpf_set_retval", (s, a, b, c, d, e) -> setRetval((int) a)));
    }

    /** {@code BPF_CALL_0(bpf_get_retval)}: the chain's running result, sign-extended like the kernel's int. */
    long getRetval() {
        if (!(runCtx.get() instanceof CgRunCtx rc)) {
            return 0;
        }
        if (rc.retvalAlias != 0) {
            rc.retval = (int) arena.load32(rc.retvalAlias);   // the program may have written ctx->retval
        }
        return rc.retval;
    }

    /** {@code BPF_CALL_1(bpf_set_retval, int, retval)}: always 0. */
    long setRetval(int v) {
        if (runCtx.get() instanceof CgRunCtx rc) {
            rc.setRetval(v);
            if (rc.retvalAlias != 0) {
                arena.store32(rc.retvalAlias, v);
            }
        }
        return 0;
    }
}
