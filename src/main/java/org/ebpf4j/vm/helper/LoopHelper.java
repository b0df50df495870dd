package org.ebpf4j.vm.helper;

import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.RunState;

/**
 * {@code bpf_loop(nr_loops, callback_fn, callback_ctx, flags)} (kernel/bpf/bpf_iter.c): calls
 * {@code callback_fn(i, callback_ctx)} for i = 0 .. nr_loops-1 until it returns non-zero, and
 * returns the number of calls made; -EINVAL for flags, -E2BIG past {@link #BPF_MAX_LOOPS}.
 * A helper of this type promises exactly these semantics, so that an engine may inline it as the
 * kernel's verifier does ({@code inline_bpf_loop}, kernel/bpf/verifier.c) when the callback is a
 * constant: a loop calling the callback's code directly.
 */
public interface LoopHelper extends Helper {
    /** kernel/bpf/bpf_iter.c BPF_MAX_LOOPS: the most iterations one bpf_loop call makes. */
    long BPF_MAX_LOOPS = 8L * 1024 * 1024;

    /** The helper itself (stateless). */
    LoopHelper BPF_LOOP = new LoopHelper() {};

    @Override
    default long call(RunState s, long nrLoops, long callback, long ctx, long flags, long unused) {
        long nr = nrLoops & 0xffffffffL;
        if (flags != 0) {
            return Errno.EINVAL.negative();
        }
        if (nr > BPF_MAX_LOOPS) {
            return Errno.E2BIG.negative();
        }
        long i;
        for (i = 0; i < nr; i++) {
            long ret = s.callback(callback, i, ctx, 0, 0, 0);
            if (ret != 0) {
                return i + 1;
            }
        }
        return i;
    }
}
