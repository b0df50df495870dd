package org.ebpf4j.kernel;

import java.util.List;
import org.ebpf4j.syscall.KernelBpf;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension giving each test a fresh {@link Runtime} (and a {@link KernelBpf} over it)
 * and failing the test if, when it ends, the runtime still holds anything: open BPF fds of live
 * tasks, bpffs pins, objects alive by id. The failure names each (kind, id, refcount, who made
 * it), as cilium's testmain names leaked fds. Use:
 * <pre>{@code @RegisterExtension final LeakCheck k = new LeakCheck();}</pre>
 */
public final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
    private final Runtime.Builder builder;
    private Runtime runtime;
    private KernelBpf bpf;

    public LeakCheck() { this(Runtime.builder().arenaSize(64L << 20).cpus(2)); }

    public LeakCheck(Runtime.Builder builder) { this.builder = builder; }

    public Runtime runtime() { return runtime; }

    public KernelBpf bpf() { return bpf; }

    /** A root task (uid 0, every capability). */
    public Task root(String comm) { return runtime.spawn(comm, 0, 0); }

    @Override
    public void beforeEach(ExtensionContext context) {
        runtime = builder.build();
        bpf = new KernelBpf(runtime);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Runtime rt = runtime;
        runtime = null;
        try {
            check(rt);
        } finally {
            rt.close();
        }
    }

    /** Throws an AssertionError listing what {@code rt} still holds; nothing if it is clean. */
    public static void check(Runtime rt) {
        List<String> leaks = rt.leaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError("runtime still holds " + leaks.size() + " thing(s) at the end of the test:\n  "
                    + String.join("\n  ", leaks));
        }
    }
}
