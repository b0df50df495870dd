package org.ebpf4j.memory;

/**
 * {@code struct bpf_sockopt} (include/uapi/linux/bpf.h), the context of cgroup/getsockopt and
 * cgroup/setsockopt programs, as it lies in the arena. The three pointer fields are
 * {@code __bpf_md_ptr} (8 bytes), so they hold arena addresses directly and need no rewrite:
 * {@code optval}..{@code optval_end} is the hook's buffer (kernel: {@code bpf_sockopt_kern}'s).
 *
 * <pre>
 *   0 sk (8)  8 optval (8)  16 optval_end (8)  24 level  28 optname  32 optlen  36 retval  | 40
 * </pre>
 */
public final class BpfSockoptLayout {
    private BpfSockoptLayout() {}

    public static final int SK = 0;
    public static final int OPTVAL = 8;
    public static final int OPTVAL_END = 16;
    public static final int LEVEL = 24;
    public static final int OPTNAME = 28;
    public static final int OPTLEN = 32;
    public static final int RETVAL = 36;
    /** {@code sizeof(struct bpf_sockopt)}. */
    public static final int SIZE = 40;
}
