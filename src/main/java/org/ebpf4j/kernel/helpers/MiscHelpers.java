package org.ebpf4j.kernel.helpers;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.ebpf4j.map.MapRegistry;
import org.ebpf4j.map.ProgArrayMap;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.Executable;
import org.ebpf4j.vm.RunState;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;
import org.ebpf4j.vm.helper.LoopHelper;
import org.ebpf4j.vm.helper.TailCallHelper;
import org.ebpf4j.vm.helper.TailCallSlots;

/**
 * The helpers of kernel/bpf/helpers.c and kernel/trace/bpf_trace.c that need the runtime (the
 * current task, the trace pipe, the map registry) rather than only the CPU: trace_printk,
 * snprintf, get_current_pid_tgid/uid_gid/comm, probe_read_kernel(_str), loop, strtol/strtoul,
 * get_func_ip and tail_call. One instance per runtime, registered into its helper table.
 *
 * <p>Each keeps its prototype's run-time argument checks (flags, sizes, the format rules of
 * {@link BpfFormat}) and returns {@code -errno}; the checks the kernel's verifier makes on
 * argument types (pointer kinds, constant sizes) belong to the verifier and are not repeated.
 */
public final class MiscHelpers {
    public static final int BPF_FUNC_trace_printk = 6;
    public static final int BPF_FUNC_tail_call = 12;
    public static final int BPF_FUNC_get_current_pid_tgid = 14;
    public static final int BPF_FUNC_get_current_uid_gid = 15;
    public static final int BPF_FUNC_get_current_comm = 16;
    public static final int BPF_FUNC_strtol = 105;
    public static final int BPF_FUNC_strtoul = 106;
    public static final int BPF_FUNC_probe_read_kernel = 113;
    public static final int BPF_FUNC_probe_read_kernel_str = 115;
    public static final int BPF_FUNC_snprintf = 165;
    public static final int BPF_FUNC_get_func_ip = 173;
    public static final int BPF_FUNC_loop = 181;

    /** {@code MAX_TRACE_PRINTK_VARARGS}. */
    public static final int MAX_TRACE_PRINTK_VARARGS = 3;
    /** kernel/bpf/bpf_iter.c BPF_MAX_LOOPS: the most iterations one bpf_loop call makes. */
    public static final long BPF_MAX_LOOPS = LoopHelper.BPF_MAX_LOOPS;
    /** x86-64 {@code TASK_SIZE_MAX + PAGE_SIZE}: below it an address is a user address. */
    static final long USER_END = 0x0000_8000_0000_0000L;
    /** Start of the canonical kernel half. */
    static final long KERNEL_START = 0xffff_8000_0000_0000L;

    private final Arena arena;
    private final MapRegistry maps;
    private final TracePipe trace;
    private final Supplier<TaskIdentity> current;
    private final BpfFormat format;

    public MiscHelpers(Arena arena, MapRegistry maps, TracePipe trace, Supplier<TaskIdentity> current, long ptrKey) {
        this.arena = arena;
        this.maps = maps;
        this.trace = trace;
        this.current = current;
        this.format = new BpfFormat(arena, ptrKey);
    }

    /** Adds every helper of this class to {@code table}; returns it. */
    public HelperTable registerInto(HelperTable table) {
        table.register(new HelperProto(BPF_FUNC_trace_printk, "bpf_trace_printk", this::tracePrintk));
        table.register(new HelperProto(BPF_FUNC_snprintf, "bpf_snprintf", this::snprintf));
        table.register(new HelperProto(BPF_FUNC_get_current_pid_tgid, "bpf_get_current_pid_tgid", (s, a, b, c, d, e) -> {
            TaskIdentity t = current.get();
            return ((long) t.tgid() << 32) | (t.pid() & 0xffffffffL);
        }));
        table.register(new HelperProto(BPF_FUNC_get_current_uid_gid, "bpf_get_current_uid_gid", (s, a, b, c, d, e) -> {
            TaskIdentity t = current.get();
            return ((long) t.gid() << 32) | (t.uid() & 0xffffffffL);
        }));
        table.register(new HelperProto(BPF_FUNC_get_current_comm, "bpf_get_current_comm", this::getCurrentComm));
        table.register(new HelperProto(BPF_FUNC_probe_read_kernel, "bpf_probe_read_kernel", this::probeReadKernel));
        table.register(new HelperProto(BPF_FUNC_probe_read_kernel_str, "bpf_probe_read_kernel_str", this::probeReadKernelStr));
        table.register(new HelperProto(BPF_FUNC_loop, "bpf_loop", LoopHelper.BPF_LOOP));
        table.register(new HelperProto(BPF_FUNC_strtol, "bpf_strtol", (s, buf, len, flags, res, e) -> strtox(buf, len, flags, res, true)));
        table.register(new HelperProto(BPF_FUNC_strtoul, "bpf_strtoul", (s, buf, len, flags, res, e) -> strtox(buf, len, flags, res, false)));
        // Without an attach point there is no traced function: the model's programs run from TEST_RUN.
        table.register(new HelperProto(BPF_FUNC_get_func_ip, "bpf_get_func_ip", (s, a, b, c, d, e) -> 0));
        table.register(new HelperProto(BPF_FUNC_tail_call, "bpf_tail_call", new TailCall()));
        return table;
    }

    // ---- printf family ----

    /** The NUL-terminated string at {@code addr} within {@code max} bytes, or null (no NUL / unreadable). */
    private byte[] cString(long addr, long max) {
        if (max <= 0 || !arena.contains(addr, 1)) {
            return null;
        }
        for (long k = 0; k < max; k++) {
            if (!arena.contains(addr + k, 1)) {
                return null;
            }
            if (arena.load8(addr + k) == 0) {
                return arena.copyOut(addr, (int) k);
            }
        }
        return null;
    }

    /** {@code bpf_trace_printk(fmt, fmt_size, a1, a2, a3)}: at most 3 conversions; returns bytes written. */
    long tracePrintk(RunState s, long fmt, long fmtSize, long a1, long a2, long a3) {
        byte[] f = cString(fmt, fmtSize & 0xffffffffL);
        if (f == null) {
            return Errno.EINVAL.negative();
        }
        int[] err = new int[1];
        String out = format.format(f, new long[] {a1, a2, a3}, MAX_TRACE_PRINTK_VARARGS, err);
        if (out == null) {
            return err[0];
        }
        String kept = out.length() >= BpfFormat.MAX_BPRINTF_BUF ? out.substring(0, BpfFormat.MAX_BPRINTF_BUF - 1) : out;
        TaskIdentity t = current.get();
        trace.write(new TracePipe.Event(t.comm(), t.pid(), s.cpu(), System.nanoTime(), kept));
        return out.length();
    }

    /** {@code bpf_snprintf(str, str_size, fmt, data, data_len)}: returns the full length + 1. */
    long snprintf(RunState s, long str, long strSize, long fmt, long data, long dataLen) {
        long size = strSize & 0xffffffffL;
        long len = dataLen & 0xffffffffL;
        if (len % 8 != 0 || len > BpfFormat.MAX_BPRINTF_VARARGS * 8L || (len != 0 && data == 0)) {
            return Errno.EINVAL.negative();
        }
        int numArgs = (int) (len / 8);
        long[] args = format.args(data, len);
        if (args == null) {
            return Errno.EFAULT.negative();
        }
        byte[] f = cString(fmt, 1L << 20);
        if (f == null) {
            return Errno.EINVAL.negative();
        }
        int[] err = new int[1];
        String out = format.format(f, args, numArgs, err);
        if (out == null) {
            return err[0];
        }
        if (size > 0) {
            if (!arena.contains(str, size)) {
                return Errno.EFAULT.negative();
            }
            byte[] bytes = out.getBytes(StandardCharsets.ISO_8859_1);
            int n = (int) Math.min(bytes.length, size - 1);
            arena.copyIn(str, bytes, 0, n);
            arena.store8(str + n, 0);
        }
        return out.length() + 1L;
    }

    // ---- current task ----

    /** {@code bpf_get_current_comm(buf, size)}: strscpy_pad of comm; 0. */
    long getCurrentComm(RunState s, long buf, long size, long c, long d, long e) {
        long n = size & 0xffffffffL;
        if (n == 0 || !arena.contains(buf, n)) {
            return Errno.EFAULT.negative();
        }
        byte[] comm = current.get().comm().getBytes(StandardCharsets.ISO_8859_1);
        arena.fill(buf, n, (byte) 0);
        arena.copyIn(buf, comm, 0, (int) Math.min(comm.length, n - 1));
        return 0;
    }

    // ---- probe_read ----

    /**
     * {@code copy_from_kernel_nofault} on x86-64: user and non-canonical addresses are -ERANGE
     * ({@code copy_from_kernel_nofault_allowed}), kernel addresses outside the arena -EFAULT.
     */
    private int readableErr(long addr, long len) {
        if (Long.compareUnsigned(addr, USER_END) < 0 || Long.compareUnsigned(addr, KERNEL_START) < 0) {
            return Errno.ERANGE.negative();
        }
        return len == 0 || arena.contains(addr, len) ? 0 : Errno.EFAULT.negative();
    }

    /** {@code bpf_probe_read_kernel(dst, size, unsafe_ptr)}: 0, or -errno with dst zeroed. */
    long probeReadKernel(RunState s, long dst, long size, long src, long d, long e) {
        long n = size & 0xffffffffL;
        if (n == 0) {
            return 0;
        }
        if (!arena.contains(dst, n)) {
            return Errno.EFAULT.negative();
        }
        int err = readableErr(src, n);
        if (err != 0) {
            arena.fill(dst, n, (byte) 0);
            return err;
        }
        arena.copy(dst, src, n);
        return 0;
    }

    /** {@code bpf_probe_read_kernel_str(dst, size, unsafe_ptr)}: bytes copied including the NUL. */
    long probeReadKernelStr(RunState s, long dst, long size, long src, long d, long e) {
        long n = size & 0xffffffffL;
        if (n == 0) {
            return 0;
        }
        if (!arena.contains(dst, n)) {
            return Errno.EFAULT.negative();
        }
        int err = readableErr(src, 1);
        if (err != 0) {
            arena.fill(dst, n, (byte) 0);
            return err;
        }
        long k = 0;
        while (k < n) {
            if (!arena.contains(src + k, 1)) {
                arena.fill(dst, n, (byte) 0);
                return Errno.EFAULT.negative();
            }
            long b = arena.load8(src + k);
            arena.store8(dst + k, b);
            k++;
            if (b == 0) {
                return k;
            }
        }
        arena.store8(dst + n - 1, 0);
        return n;
    }

    // ---- bpf_loop ----

    // ---- strtol / strtoul ----

    private static final long BPF_STRTOX_BASE_MASK = 0x1f;

    /** {@code bpf_strtol}/{@code bpf_strtoul}: bytes consumed, or -errno; {@code *res} is 0 on error. */
    long strtox(long buf, long bufLen, long flags, long res, boolean signed) {
        if (!arena.contains(res, 8)) {
            return Errno.EFAULT.negative();
        }
        arena.store64(res, 0);
        long len = bufLen;
        if (buf == 0 || len == 0) {
            return Errno.EINVAL.negative();
        }
        int base = (int) (flags & BPF_STRTOX_BASE_MASK);
        if (base != 0 && base != 8 && base != 10 && base != 16) {
            return Errno.EINVAL.negative();
        }
        if ((flags & ~BPF_STRTOX_BASE_MASK) != 0) {
            return Errno.EINVAL.negative();
        }
        if (!arena.contains(buf, len)) {
            return Errno.EFAULT.negative();
        }
        byte[] b = arena.copyOut(buf, (int) Math.min(len, Integer.MAX_VALUE));
        StrToX.Parsed p = StrToX.parse(b, base);
        if (p.err() != 0) {
            return p.err();
        }
        long v = p.value();
        if (signed) {
            if (p.negative()) {
                if (-v > 0) {
                    return Errno.ERANGE.negative();
                }
                v = -v;
            } else if (v < 0) {
                return Errno.ERANGE.negative();
            }
        } else if (p.negative()) {
            return Errno.EINVAL.negative();
        }
        arena.store64(res, v);
        return p.consumed();
    }

    // ---- tail call ----

    /**
     * {@code bpf_tail_call(ctx, prog_array_map, index)}'s slot read (kernel/bpf/core.c JMP_TAIL_CALL:
     * {@code array->ptrs[index]} after the max_entries check): the program to continue in, or null
     * to fall through. The engines inline the rest ({@link TailCallHelper}): the count of
     * {@link RunState#MAX_TAIL_CALL_CNT} and the jump.
     */
    Executable tailCallTarget(long mapAddr, long index) {
        return maps.byAddress(mapAddr) instanceof ProgArrayMap pa && pa.progAt(index) instanceof TailCallTarget t
                ? t.executable() : null;
    }

    /** bpf_tail_call's slot read, by address at run time or bound to the map for a JIT ({@link #slots}). */
    private final class TailCall implements TailCallHelper {
        @Override
        public Executable tailCallTarget(long mapAddr, long index) { return MiscHelpers.this.tailCallTarget(mapAddr, index); }

        @Override
        public TailCallSlots slots(long mapAddr) { return maps.byAddress(mapAddr) instanceof ProgArrayMap pa ? pa : null; }
    }
}
