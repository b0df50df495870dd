package org.ebpf4j.kernel.sysctl;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ebpf4j.memory.Arena;
import org.ebpf4j.uapi.Errno;
import org.ebpf4j.vm.helper.HelperProto;
import org.ebpf4j.vm.helper.HelperTable;

/**
 * The helpers of {@code cgroup/sysctl} programs (kernel/bpf/cgroup.c, {@code sysctl_func_proto}):
 * {@code bpf_sysctl_get_name} (101), {@code bpf_sysctl_get_current_value} (102),
 * {@code bpf_sysctl_get_new_value} (103) and {@code bpf_sysctl_set_new_value} (104). Which program
 * types may call them is {@link org.ebpf4j.kernel.prog.ProgTypes}' business.
 *
 * <p>The kernel's context pointer is a {@code struct bpf_sysctl_kern}; here the context is the
 * 8-byte UAPI {@code struct bpf_sysctl} in the arena, and the {@link SysctlKern} behind it is found
 * by the context's address among the runs in flight ({@link #enter}/{@link #exit}). Outside a run
 * (an address that is not a live sysctl context, which the verifier already rules out) the helpers
 * return -EINVAL.
 */
public final class SysctlHelpers {
    public static final int BPF_FUNC_sysctl_get_name = 101;
    public static final int BPF_FUNC_sysctl_get_current_value = 102;
    public static final int BPF_FUNC_sysctl_get_new_value = 103;
    public static final int BPF_FUNC_sysctl_set_new_value = 104;
    /** {@code BPF_F_SYSCTL_BASE_NAME}: only the last component of the name. */
    public static final long BPF_F_SYSCTL_BASE_NAME = 1;
    /** x86-64 PAGE_SIZE: the size of {@code new_val}. */
    public static final int PAGE_SIZE = 4096;

    private final Arena arena;
    private final Map<Long, SysctlKern> live = new ConcurrentHashMap<>();

    public SysctlHelpers(Arena arena) { this.arena = arena; }

    public void registerInto(HelperTable t) {
        t.register(new HelperProto(BPF_FUNC_sysctl_get_name, "bpf_sysctl_get_name", (s, ctx, buf, len, flags, e) -> getName(ctx, buf, len, flags)));
        t.register(new HelperProto(BPF_FUNC_sysctl_get_current_value, "bpf_sysctl_get_current_value", (s, ctx, buf, len, d, e) -> getCurrentValue(ctx, buf, len)));
        t.register(new HelperProto(BPF_FUNC_sysctl_get_new_value, "bpf_sysctl_get_new_value", (s, ctx, buf, len, d, e) -> getNewValue(ctx, buf, len)));
        t.register(new HelperProto(BPF_FUNC_sysctl_set_new_value, "bpf_sysctl_set_new_value", (s, ctx, buf, len, d, e) -> setNewValue(ctx, buf, len)));
    }

    /** Makes {@code kern} what the helpers see behind the context at {@code ctx} until {@link #exit}. */
    void enter(long ctx, SysctlKern kern) { live.put(ctx, kern); }

    void exit(long ctx) { live.remove(ctx); }

    /**
     * {@code bpf_sysctl_get_name}: the path relative to /proc/sys ("net/ipv4/tcp_mem"), or with
     * BPF_F_SYSCTL_BASE_NAME the last component, copied as {@code strscpy} does: the length without
     * the NUL, or -E2BIG with as much as fits and a NUL when the buffer is too small. Other flag
     * bits are ignored, as in the kernel.
     */
    long getName(long ctx, long buf, long bufLen, long flags) {
        SysctlKern k = live.get(ctx);
        if (k == null || buf == 0) {
            return Errno.EINVAL.negative();
        }
        String name = (flags & BPF_F_SYSCTL_BASE_NAME) != 0 ? k.table.procname() : k.table.path();
        return strscpy(buf, name.getBytes(StandardCharsets.UTF_8), bufLen);
    }

    /** {@code bpf_sysctl_get_current_value}: {@code copy_sysctl_value} of the handler's text at position 0. */
    long getCurrentValue(long ctx, long buf, long bufLen) {
        SysctlKern k = live.get(ctx);
        if (k == null) {
            return Errno.EINVAL.negative();
        }
        return copySysctlValue(buf, bufLen, k.curVal, k.curVal.length);
    }

    /** {@code bpf_sysctl_get_new_value}: the value being written; -EINVAL (buffer zeroed) on a read. */
    long getNewValue(long ctx, long buf, long bufLen) {
        SysctlKern k = live.get(ctx);
        if (k == null) {
            return Errno.EINVAL.negative();
        }
        if (!k.write) {
            if (buf != 0 && bufLen != 0) {
                arena.fill(buf, bufLen, (byte) 0);
            }
            return Errno.EINVAL.negative();
        }
        return copySysctlValue(buf, bufLen, k.newVal, k.newLen);
    }

    /**
     * {@code bpf_sysctl_set_new_value}: replaces the value being written. -EINVAL on a read, when
     * nothing is being written, or for an empty buffer; -E2BIG above PAGE_SIZE - 1 bytes.
     */
    long setNewValue(long ctx, long buf, long bufLen) {
        SysctlKern k = live.get(ctx);
        if (k == null || !k.write || k.newVal == null || k.newLen == 0 || buf == 0 || bufLen == 0) {
            return Errno.EINVAL.negative();
        }
        if (bufLen > PAGE_SIZE - 1 || bufLen < 0) {
            return Errno.E2BIG.negative();
        }
        byte[] v = arena.copyOut(buf, (int) bufLen);
        System.arraycopy(v, 0, k.newVal, 0, v.length);
        k.newLen = v.length;
        k.newUpdated = true;
        return 0;
    }

    /**
     * {@code copy_sysctl_value}: -E2BIG for an empty buffer; -EINVAL (buffer zeroed) when there is
     * no value; else the value, NUL-padded to the buffer, and its length, or when it does not fit
     * its first {@code dstLen - 1} bytes and a NUL, and -E2BIG.
     */
    private long copySysctlValue(long dst, long dstLen, byte[] src, int srcLen) {
        if (dst == 0) {
            return Errno.EINVAL.negative();
        }
        if (dstLen == 0) {
            return Errno.E2BIG.negative();
        }
        if (src == null || srcLen == 0) {
            arena.fill(dst, dstLen, (byte) 0);
            return Errno.EINVAL.negative();
        }
        arena.copyIn(dst, src, 0, (int) Math.min(dstLen, srcLen));
        if (dstLen > srcLen) {
            arena.fill(dst + srcLen, dstLen - srcLen, (byte) 0);
            return srcLen;
        }
        arena.store8(dst + dstLen - 1, 0);
        return Errno.E2BIG.negative();
    }

    /** {@code strscpy} (lib/string.c): length copied, or -E2BIG with a NUL-terminated partial copy. */
    private long strscpy(long dst, byte[] src, long size) {
        if (size <= 0) {
            return Errno.E2BIG.negative();
        }
        if (src.length < size) {
            arena.copyIn(dst, src, 0, src.length);
            arena.store8(dst + src.length, 0);
            return src.length;
        }
        arena.copyIn(dst, src, 0, (int) (size - 1));
        arena.store8(dst + size - 1, 0);
        return Errno.E2BIG.negative();
    }
}
