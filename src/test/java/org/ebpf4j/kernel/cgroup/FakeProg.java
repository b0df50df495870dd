package org.ebpf4j.kernel.cgroup;

import java.util.List;
import java.util.function.ToLongFunction;
import org.ebpf4j.uapi.AttachType;
import org.ebpf4j.uapi.ProgType;

/** A program stand-in: records its runs into a shared trace and returns what its body says. */
public final class FakeProg implements CgroupProg {
    private final int id;
    private final ProgType type;
    private final AttachType expected;
    private final List<Integer> trace;
    private final ToLongFunction<CgRunCtx> body;
    private int refs = 1;

    public FakeProg(int id, ProgType type, AttachType expected, List<Integer> trace, ToLongFunction<CgRunCtx> body) {
        this.id = id;
        this.type = type;
        this.expected = expected;
        this.trace = trace;
        this.body = body;
    }

    /** An allowing program of {@code hook}'s type and expected attach type. */
    public static FakeProg allow(int id, CgroupHook hook, List<Integer> trace) {
        return new FakeProg(id, hook.progType(), hook.attachType(), trace, rc -> 1);
    }

    public static FakeProg returning(int id, CgroupHook hook, List<Integer> trace, long r0) {
        return new FakeProg(id, hook.progType(), hook.attachType(), trace, rc -> r0);
    }

    @Override public int id() { return id; }

    @Override public ProgType type() { return type; }

    @Override public AttachType expectedAttachType() { return expected; }

    @Override public String tagHex() { return String.format("%016x", id); }

    @Override
    public long run(long ctx, CgRunCtx runCtx) {
        if (trace != null) {
            synchronized (trace) {
                trace.add(id);
            }
        }
        return body.applyAsLong(runCtx);
    }

    @Override public synchronized void inc() {
        if (refs <= 0) {
            throw new IllegalStateException("inc on dead prog " + id);
        }
        refs++;
    }

    @Override public synchronized void put() {
        if (refs <= 0) {
            throw new IllegalStateException("put on dead prog " + id);
        }
        refs--;
    }

    public synchronized int refs() { return refs; }

    @Override public String toString() { return "prog " + id; }
}
