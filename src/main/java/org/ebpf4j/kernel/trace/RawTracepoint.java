package org.ebpf4j.kernel.trace;

import java.util.Arrays;
import org.ebpf4j.kernel.Task;
import org.ebpf4j.kernel.prog.BpfProg;
import org.ebpf4j.kernel.prog.ProgEnv;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.rcu.Rcu;

/**
 * One raw tracepoint ({@code struct bpf_raw_event_map}, kernel/trace/bpf_trace.c): its name, how
 * many u64 arguments it passes, and the links attached to it. Attached programs are an immutable
 * array republished with one volatile write on attach/detach (the tracepoint's probe array is
 * RCU-managed the same way), so firing takes no lock.
 */
public final class RawTracepoint {
    private static final RawTpLink[] NONE = new RawTpLink[0];

    private final String name;
    private final int nargs;
    private volatile RawTpLink[] links = NONE;

    RawTracepoint(String name, int nargs) {
        this.name = name;
        this.nargs = nargs;
    }

    public String name() { return name; }

    /** {@code btp->num_args}. */
    public int nargs() { return nargs; }

    /** Whether any program is attached ({@code static_key_false(&__tracepoint_sys_enter.key)}). */
    public boolean enabled() { return links.length != 0; }

    /** How many links are attached. */
    public int attached() { return links.length; }

    synchronized void add(RawTpLink l) {
        RawTpLink[] a = Arrays.copyOf(links, links.length + 1);
        a[a.length - 1] = l;
        links = a;
    }

    synchronized void remove(RawTpLink l) {
        RawTpLink[] a = links;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == l) {
                RawTpLink[] b = new RawTpLink[a.length - 1];
                System.arraycopy(a, 0, b, 0, i);
                System.arraycopy(a, i + 1, b, i, a.length - i - 1);
                links = b;
                return;
            }
        }
    }

    /**
     * {@code __bpf_trace_run} for each attached program: the arguments become a u64 array in the
     * arena (the context, as {@code bpf_trace_run2} builds it on the stack), each program runs
     * inside an RCU read section with {@code task} as current. A run that faults is counted on
     * the program and skipped; the tracepoint's caller never sees it.
     */
    void fire(ProgEnv env, Rcu rcu, Arena arena, Task task, long[] args) {
        RawTpLink[] ls = links;
        if (ls.length == 0) {
            return;
        }
        long size = 8L * nargs;
        long ctx = arena.alloc(size);
        if (ctx == 0) {
            return;   // no memory for the context: the event is lost, as a full ring would lose it
        }
        try {
            for (int i = 0; i < nargs; i++) {
                arena.store64(ctx + 8L * i, i < args.length ? args[i] : 0);
            }
            Rcu.Reader r = rcu.reader();
            r.lock();
            try {
                env.asCurrent(task, () -> {
                    for (RawTpLink l : ls) {
                        BpfProg p = l.prog();
                        p.runRecur(ctx, 0);   // __bpf_trace_run: prog->active guards recursion
                    }
                    return null;
                });
            } finally {
                r.unlock();
            }
        } finally {
            arena.free(ctx, size);
        }
    }
}
