package org.ebpf4j.kernel.trampoline;

import java.util.Arrays;
import java.util.function.LongSupplier;
import org.ebpf4j.kernel.Runtime;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.map.storage.StorageProbes;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;

/**
 * {@code struct bpf_trampoline} (kernel/bpf/trampoline.c) of one kernel function: the links
 * attached to it per kind ({@code progs_hlist[BPF_TRAMP_FENTRY / FEXIT / MODIFY_RETURN]}) and
 * what the generated trampoline does when the function is called
 * ({@code arch_prepare_bpf_trampoline}, arch/x86/net/bpf_jit_comp.c):
 * <ol>
 *   <li>the arguments are saved as u64 slots (the programs' context);</li>
 *   <li>each fentry program runs;</li>
 *   <li>each fmod_ret program (and LSM program on an int hook) runs with the return slot after
 *       the arguments (0 at first); the first non-zero return becomes the function's return
 *       value and the function body is skipped;</li>
 *   <li>otherwise the body runs and its return value fills the slot;</li>
 *   <li>each fexit program runs, seeing the arguments and the return value.</li>
 * </ol>
 * Each run uses {@code __bpf_prog_enter_recur} for TRACING programs (a program already running
 * on this CPU is skipped and counted in recursion_misses) and plain {@code __bpf_prog_enter} for
 * LSM programs ({@code bpf_prog_check_recur}). Links are an immutable snapshot published with one
 * volatile write, so a call takes no lock and an idle trampoline costs one read.
 */
public final class Trampoline implements StorageProbes.Probe {
    /** {@code BPF_MAX_TRAMP_LINKS} on x86-64. */
    public static final int BPF_MAX_TRAMP_LINKS = 38;

    /** The attached links of one moment. */
    record Links(TracingLink[] fentry, TracingLink[] fmodRet, TracingLink[] fexit) {
        static final Links EMPTY = new Links(new TracingLink[0], new TracingLink[0], new TracingLink[0]);

        int count() { return fentry.length + fmodRet.length + fexit.length; }

        boolean empty() { return count() == 0; }
    }

    /** {@code enum bpf_tramp_prog_type}. */
    enum Kind { FENTRY, FEXIT, MODIFY_RETURN }

    private final Runtime rt;
    private final String name;
    private final int btfId;
    private final int nargs;
    private volatile Links links = Links.EMPTY;

    Trampoline(Runtime rt, String name, int btfId, int nargs) {
        this.rt = rt;
        this.name = name;
        this.btfId = btfId;
        this.nargs = nargs;
    }

    /** The traced function's name. */
    public String name() { return name; }

    /** The function's FUNC id in the kernel BTF (the trampoline's key). */
    public int btfId() { return btfId; }

    /** How many arguments the function takes. */
    public int nargs() { return nargs; }

    @Override public boolean idle() { return links.empty(); }

    /** How many links are attached. */
    public int attached() { return links.count(); }

    /**
     * {@code __bpf_trampoline_link_prog}: E2BIG when {@link #BPF_MAX_TRAMP_LINKS} are attached,
     * EBUSY when this program is already attached here. Returns 0 or a negative errno.
     */
    synchronized int link(TracingLink l, Kind kind) {
        Links c = links;
        if (c.count() >= BPF_MAX_TRAMP_LINKS) {
            return org.ebpf4j.uapi.Errno.E2BIG.negative();
        }
        for (TracingLink[] a : new TracingLink[][] {c.fentry(), c.fmodRet(), c.fexit()}) {
            for (TracingLink x : a) {
                if (x.prog() == l.prog()) {
                    return org.ebpf4j.uapi.Errno.EBUSY.negative();
                }
            }
        }
        links = switch (kind) {
            case FENTRY -> new Links(append(c.fentry(), l), c.fmodRet(), c.fexit());
            case MODIFY_RETURN -> new Links(c.fentry(), append(c.fmodRet(), l), c.fexit());
            case FEXIT -> new Links(c.fentry(), c.fmodRet(), append(c.fexit(), l));
        };
        return 0;
    }

    /** {@code bpf_trampoline_unlink_prog}. */
    synchronized void unlink(TracingLink l) {
        Links c = links;
        links = new Links(remove(c.fentry(), l), remove(c.fmodRet(), l), remove(c.fexit(), l));
    }

    private static TracingLink[] append(TracingLink[] a, TracingLink l) {
        TracingLink[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = l;
        return b;
    }

    private static TracingLink[] remove(TracingLink[] a, TracingLink l) {
        return Arrays.stream(a).filter(x -> x != l).toArray(TracingLink[]::new);
    }

    /** A call of the function by the current thread: see {@link #call(Task, long[], LongSupplier)}. */
    @Override
    public long call(long[] args, LongSupplier body) { return call(null, args, body); }

    /**
     * A call of the traced function with {@code args} (one u64 each; missing ones are 0):
     * the programs run around {@code body}, the function itself, as the class comment says; the
     * function's (possibly modified) return value is returned. {@code task}, when not null,
     * becomes current for the programs (else the thread's current task stays).
     */
    public long call(Task task, long[] args, LongSupplier body) {
        Links ls = links;
        if (ls.empty()) {
            return body.getAsLong();
        }
        Arena arena = rt.arena();
        // the frame: has-return flag, nr_args (FuncArgHelpers), the argument slots, the return slot
        long size = FuncArgHelpers.FRAME_HEAD + 8L * (nargs + 1);
        long frame = arena.alloc(size);
        if (frame == 0) {
            return body.getAsLong();   // no memory for the frame: the programs miss this call
        }
        long ctx = frame + FuncArgHelpers.FRAME_HEAD;
        try {
            arena.store64(frame, 0);
            arena.store64(ctx - 8, nargs);
            for (int i = 0; i < nargs; i++) {
                arena.store64(ctx + 8L * i, i < args.length ? args[i] : 0);
            }
            arena.store64(ctx + 8L * nargs, 0);
            Rcu.Reader r = rt.rcu().reader();
            r.lock();
            try {
                if (task == null) {
                    return run(ls, arena, ctx, body);
                }
                return rt.progs().asCurrent(task, () -> run(ls, arena, ctx, body));
            } finally {
                r.unlock();
            }
        } finally {
            arena.free(frame, size);
        }
    }

    private long run(Links ls, Arena arena, long ctx, LongSupplier body) {
        for (TracingLink l : ls.fentry()) {
            runOne(l.prog(), ctx);
        }
        long retSlot = ctx + 8L * nargs;
        arena.store64(ctx - FuncArgHelpers.FRAME_HEAD, 1);   // fmod_ret and fexit programs see a return value
        long ret = 0;
        boolean skip = false;
        for (TracingLink l : ls.fmodRet()) {
            long r0 = runOne(l.prog(), ctx);
            // invoke_bpf_mod_ret: R0 goes to the return slot; non-zero skips the rest and the body
            arena.store64(retSlot, r0);
            if (r0 != 0) {
                ret = r0;
                skip = true;
                break;
            }
        }
        if (!skip) {
            ret = body.getAsLong();
            arena.store64(retSlot, ret);
        }
        for (TracingLink l : ls.fexit()) {
            runOne(l.prog(), ctx);
        }
        return ret;
    }

    /** {@code bpf_trampoline_enter}: the recursion-protected enter for TRACING, the plain one for LSM. */
    private static long runOne(BpfProg p, long ctx) {
        if (p.progType() == org.ebpf4j.uapi.ProgType.LSM) {
            return p.runTracing(ctx);
        }
        return p.runRecur(ctx, 0);
    }
}
