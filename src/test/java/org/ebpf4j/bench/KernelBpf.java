package org.ebpf4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Just enough bpf(2) on this machine's kernel, through FFM, to time what ebpf4j models: map
 * creation, element update and update batch (x86_64 {@code SYS_bpf} = 321; attr offsets from
 * include/uapi/linux/bpf.h). {@code syscall} is variadic after the number: every argument is
 * passed as a long, and errno is captured right after the call. For benchmarks only.
 */
final class KernelBpf implements AutoCloseable {
    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_UPDATE_ELEM = 2;
    static final int BPF_MAP_LOOKUP_BATCH = 24;
    static final int BPF_MAP_UPDATE_BATCH = 26;
    private static final long SYS_BPF = 321;
    private static final long SYS_CLOSE = 3;
    private static final int ATTR_SIZE = 128;

    private final MethodHandle syscall;
    private final StructLayout capture = Linker.Option.captureStateLayout();
    private final VarHandle errnoHandle = capture.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(capture);
    final MemorySegment attr = arena.allocate(ATTR_SIZE, 8);

    KernelBpf() {
        Linker linker = Linker.nativeLinker();
        MemorySegment fn = linker.defaultLookup().find("syscall")
                .orElseThrow(() -> new IllegalStateException("libc has no syscall()"));
        syscall = linker.downcallHandle(fn,
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    }

    MemorySegment alloc(long bytes) { return arena.allocate(bytes, 8); }

    /** bpf(cmd, attr, 128): the result, or -errno. */
    long bpf(int cmd) {
        try {
            long r = (long) syscall.invokeExact(state, SYS_BPF, (long) cmd, attr.address(), (long) ATTR_SIZE);
            return r >= 0 ? r : -(int) errnoHandle.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("syscall(SYS_bpf) failed to run", t);
        }
    }

    /** BPF_MAP_CREATE; returns the fd, or throws naming the errno. */
    int mapCreate(int type, int keySize, int valueSize, int maxEntries, int innerFd) {
        attr.fill((byte) 0);
        attr.set(ValueLayout.JAVA_INT, 0, type);
        attr.set(ValueLayout.JAVA_INT, 4, keySize);
        attr.set(ValueLayout.JAVA_INT, 8, valueSize);
        attr.set(ValueLayout.JAVA_INT, 12, maxEntries);
        attr.set(ValueLayout.JAVA_INT, 20, innerFd);
        long fd = bpf(BPF_MAP_CREATE);
        if (fd < 0) {
            throw new IllegalStateException("BPF_MAP_CREATE type " + type + " refused: errno " + -fd);
        }
        return (int) fd;
    }

    /** BPF_MAP_UPDATE_ELEM: 0 or -errno. */
    long update(int mapFd, MemorySegment key, MemorySegment value, long flags) {
        attr.fill((byte) 0);
        attr.set(ValueLayout.JAVA_INT, 0, mapFd);
        attr.set(ValueLayout.JAVA_LONG, 8, key.address());
        attr.set(ValueLayout.JAVA_LONG, 16, value.address());
        attr.set(ValueLayout.JAVA_LONG, 24, flags);
        return bpf(BPF_MAP_UPDATE_ELEM);
    }

    /** A batch command ({@code attr->batch}): 0 or -errno; {@code count} is written back at offset 32. */
    long batch(int cmd, int mapFd, MemorySegment inBatch, MemorySegment outBatch, MemorySegment keys,
               MemorySegment values, int count) {
        attr.fill((byte) 0);
        attr.set(ValueLayout.JAVA_LONG, 0, inBatch == null ? 0 : inBatch.address());
        attr.set(ValueLayout.JAVA_LONG, 8, outBatch == null ? 0 : outBatch.address());
        attr.set(ValueLayout.JAVA_LONG, 16, keys.address());
        attr.set(ValueLayout.JAVA_LONG, 24, values.address());
        attr.set(ValueLayout.JAVA_INT, 32, count);
        attr.set(ValueLayout.JAVA_INT, 36, mapFd);
        return bpf(cmd);
    }

    int batchCount() { return attr.get(ValueLayout.JAVA_INT, 32); }

    void closeFd(int fd) {
        try {
            long unused = (long) syscall.invokeExact(state, SYS_CLOSE, (long) fd, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("close(" + fd + ")", t);
        }
    }

    @Override
    public void close() { arena.close(); }
}
