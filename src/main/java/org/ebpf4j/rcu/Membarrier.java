package org.ebpf4j.rcu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * An asymmetric memory barrier: after {@link #barrier()} returns, every thread of this process
 * has executed a full memory barrier at some point since the call began. On Linux this is
 * {@code membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)} through the FFM API (as liburcu's
 * "memb" flavour uses it), which lets RCU readers get by with plain ordered stores. Where the
 * system call is missing, {@link #available()} is false and readers must fence themselves.
 */
final class Membarrier {
    private static final int SYS_MEMBARRIER_X86_64 = 324;
    private static final int SYS_MEMBARRIER_AARCH64 = 283;
    private static final int CMD_PRIVATE_EXPEDITED = 1 << 3;
    private static final int CMD_REGISTER_PRIVATE_EXPEDITED = 1 << 4;

    private final MethodHandle syscall;

    private Membarrier(MethodHandle syscall) { this.syscall = syscall; }

    /** A working membarrier, or null where this OS/architecture has none. */
    static Membarrier open() {
        if (!System.getProperty("os.name", "").equals("Linux")) {
            return null;
        }
        int nr = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> SYS_MEMBARRIER_X86_64;
            case "aarch64" -> SYS_MEMBARRIER_AARCH64;
            default -> -1;
        };
        if (nr < 0) {
            return null;
        }
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle mh = linker.downcallHandle(
                    linker.defaultLookup().find("syscall").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                    Linker.Option.firstVariadicArg(1));
            MethodHandle bound = java.lang.invoke.MethodHandles.insertArguments(mh, 0, (long) nr);
            long r = (long) bound.invokeExact(CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
            if (r != 0) {
                return null;
            }
            return new Membarrier(bound);
        } catch (Throwable t) {
            // no native access or no such call: callers fall back to reader-side fences
            return null;
        }
    }

    void barrier() {
        try {
            long r = (long) syscall.invokeExact(CMD_PRIVATE_EXPEDITED, 0, 0);
            if (r != 0) {
                VarHandle.fullFence();
                throw new IllegalStateException("membarrier failed after registration succeeded");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
